// VesselNN two-photon stacks (../shared/data/vesselnn): labels on 2 z-slices, brush strokes on
// one slice of each plane, and small crops in other types. Dense truth 0/255 → classes 1/2.
// The files carry no voxel size; two-photon stacks are anisotropic, so the case files say z is 3×
// the in-plane spacing (the anchor README's value for these stacks) and the anchor gets the same.
import { readVolume } from '../../src-shared/io/index.ts';
import type { Volume } from '../../src-shared/volume.ts';
import { seededRandom } from '../../src-shared/random.ts';
import { dataPath } from '../../test/shared-data.ts';
import type { Axis, BuiltCase, CaseSpec } from './types.ts';
import { AXIS_NAME } from './types.ts';
import { labelPlanes } from './planes.ts';
import { paintStrokes } from './strokes.ts';
import { typicalWindow, convertVolume, cropArray, cropVolume, seedOf, type Box } from './crop.ts';
import { writeCaseFiles } from './write.ts';

const STACKS = { burgess: 'burgess2014_tgMouse', poon: 'poon2015_BBB_noLeakage' } as const;
type Stack = keyof typeof STACKS;
const Z_ANISOTROPY = 3;

async function loadStack(stack: Stack): Promise<{ image: Volume; truth: Uint8Array }> {
  const image = await readVolume(dataPath(`vesselnn/${STACKS[stack]}_image.tif`));
  const labels = await readVolume(dataPath(`vesselnn/${STACKS[stack]}_labels.tif`));
  image.geometry = { spacing: [Z_ANISOTROPY, 1, 1], unit: 'um' };
  delete image.source;
  return { image, truth: Uint8Array.from(labels.data as Uint8Array, (v) => (v > 0 ? 2 : 1)) };
}

/** z = ⌊d/3⌉ and ⌊2d/3⌉, as in bench:vesselnn and the issue. */
const twoSlices = (d: number) => [Math.round(d / 3), Math.round((2 * d) / 3)];

async function finish(dir: string, name: string, image: Volume, truth: Uint8Array, sparse: Uint8Array, layout: string, notes?: string): Promise<BuiltCase> {
  const zAnisotropy = image.geometry.spacing[0] / image.geometry.spacing[2];
  const files = await writeCaseFiles(dir, name, '.tif', image, sparse, truth, [1, 2], zAnisotropy);
  return { files, shape: image.shape, dtype: image.dtype, layout, classes: [1, 2], truth, sparse, notes };
}

function twoZSlices(name: string, stack: Stack): CaseSpec {
  return {
    name, small: false,
    async build(dir) {
      const { image, truth } = await loadStack(stack);
      const [d, h, w] = image.shape, sparse = new Uint8Array(truth.length), zs = twoSlices(d);
      labelPlanes(truth, sparse, [d, h, w], 0, zs);
      return finish(dir, name, image, truth, sparse, `2 whole z-slices (z = ${zs.join(', ')})`);
    },
  };
}

function strokesThreePlanes(name: string, stack: Stack): CaseSpec {
  return {
    name, small: false,
    async build(dir) {
      const { image, truth } = await loadStack(stack);
      const shape = image.shape.slice(0, 3) as [number, number, number], sparse = new Uint8Array(truth.length);
      const rand = seededRandom(seedOf(name)), planes: string[] = [];
      for (const axis of [0, 1, 2] as Axis[]) {
        const index = Math.round((shape[axis] - 1) / 2);
        const painted = paintStrokes(truth, sparse, shape, axis, index, [1, 2], rand);
        planes.push(`${AXIS_NAME[axis]} = ${index} (${painted[1]} background, ${painted[2]} vessel voxels)`);
      }
      return finish(dir, name, image, truth, sparse, `brush strokes, 3 per class, radius 2–3, on one plane of each axis: ${planes.join('; ')}`);
    },
  };
}

/** A small crop of one stack, on a window as typical of it as any, converted to another type; labels on 2 z-slices. */
function smallCrop(name: string, stack: Stack, size: [number, number, number], convert: (v: Volume) => Volume, notes: string): CaseSpec {
  return {
    name, small: true,
    async build(dir) {
      const { image, truth } = await loadStack(stack);
      const [y0, x0] = typicalWindow(truth, image.shape, size[1], size[2]);
      const z0 = Math.floor((image.shape[0] - size[0]) / 2);
      const box: Box = { origin: [z0, y0, x0], size };
      const cropped = convert(cropVolume(image, box)), t = cropArray(truth, [...image.shape.slice(0, 3), 1], box);
      const sparse = new Uint8Array(t.length), zs = twoSlices(size[0]);
      labelPlanes(t, sparse, size, 0, zs);
      return finish(dir, name, cropped, t, sparse, `2 whole z-slices (z = ${zs.join(', ')})`, `crop z ${z0}, y ${y0}, x ${x0} (the window whose vessel share is closest to the stack's); ${notes}`);
    },
  };
}

/** One 2D slice as float32 with small, offset values, painted with strokes. */
function floatSlice(name: string, stack: Stack, side: number): CaseSpec {
  return {
    name, small: true,
    async build(dir) {
      const { image, truth } = await loadStack(stack);
      const [y0, x0] = typicalWindow(truth, image.shape, side, side);
      const z = Math.round((image.shape[0] - 1) / 2);
      const box: Box = { origin: [z, y0, x0], size: [1, side, side] };
      const slice = convertVolume(cropVolume(image, box), 'float32', 1 / 2550, -0.05);
      slice.geometry = { spacing: [1, 1, 1], unit: 'um' };
      const t = cropArray(truth, [...image.shape.slice(0, 3), 1], box), sparse = new Uint8Array(t.length);
      const painted = paintStrokes(t, sparse, [1, side, side], 0, 0, [1, 2], seededRandom(seedOf(name)));
      return finish(dir, name, slice, t, sparse, `brush strokes on a single 2D image, 3 per class, radius 2–3 (${painted[1]} background, ${painted[2]} vessel pixels)`,
        `z = ${z}, y ${y0}, x ${x0} of ${STACKS[stack]}, as float32 value/2550 − 0.05 (range −0.05…0.05)`);
    },
  };
}

export const VESSELNN_CASES: CaseSpec[] = [
  twoZSlices('burgess-2z', 'burgess'),
  twoZSlices('poon-2z', 'poon'),
  strokesThreePlanes('burgess-strokes-zyx', 'burgess'),
  strokesThreePlanes('poon-strokes-zyx', 'poon'),
  smallCrop('poon-crop-25x61x57-u16', 'poon', [25, 61, 57], (v) => convertVolume(v, 'uint16', 257, 1000),
    'uint16 as value·257 + 1000 (a camera offset); 25 deep because the stack is (the issue\'s 31×61×57 needs more z than VesselNN has)'),
  smallCrop('burgess-crop-4x40x40', 'burgess', [4, 40, 40], (v) => v, 'uint8 as stored'),
  floatSlice('poon-slice-256-f32-strokes', 'poon', 256),
];
