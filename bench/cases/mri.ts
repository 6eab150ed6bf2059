// The INIA19 macaque T1 (../shared/data/mri) with targets from its NeuroMaps region atlas. The atlas
// has 724 ids without names: left-hemisphere regions 1–605, the right ones the same id + 1000. The
// T1 is skull-stripped, so "brain vs. not" is trivial; the targets are groups of regions instead,
// chosen once from where the groups lie (never from any segmentation result):
//   cerebellum = ids 237–253 (+1000): one connected body, posterior and inferior, 62k voxels: the
//                cerebellar hemispheres and white-matter core (the midline vermis has other ids);
//   deep       = ids ≥ 254 (+1000): many small regions, medial and deep (around the brainstem, the
//                vermis, medial temporal), 94% one connected body;
//   cerebrum   = ids 1–236 (+1000): the rest of the brain.
// Looked at on the slices: these boundaries are partly visible in the T1 (white-matter core, the
// tentorium between cerebellum and cerebrum) and partly only anatomical convention, so no method
// is expected near 1 here.
// Cases: the cerebellum vs. everything else (2 classes), and 4 classes (1 outside the brain,
// 2 cerebrum, 3 cerebellum, 4 deep), each labeled on 3 axial, 3 coronal or 3 sagittal slices
// placed at the 25/50/75% quantiles of the target's voxels along that axis (slices through the
// structure, as a user would pick); plus a small int16 crop painted with strokes.
import { readVolume } from '../../src-shared/io/index.ts';
import type { Volume } from '../../src-shared/volume.ts';
import { seededRandom } from '../../src-shared/random.ts';
import { dataPath } from '../../test/shared-data.ts';
import type { Axis, BuiltCase, CaseSpec } from './types.ts';
import { AXIS_NAME } from './types.ts';
import { foregroundQuantiles, labelPlanes, unlabeledClasses } from './planes.ts';
import { paintStrokes } from './strokes.ts';
import { convertVolume, cropArray, cropVolume, seedOf, type Box } from './crop.ts';
import { writeCaseFiles } from './write.ts';

type Plane = 'axial' | 'coronal' | 'sagittal';
type Target = 'cerebellum' | '4class';

const CEREBELLUM: [number, number] = [237, 253];
const DEEP_FROM = 254;

async function loadMri(): Promise<{ image: Volume; atlas: Volume }> {
  return { image: await readVolume(dataPath('mri/inia19-t1-brain.nii.gz')), atlas: await readVolume(dataPath('mri/inia19-NeuroMaps.nii.gz')) };
}

/** The class value of every voxel for a target, from the atlas ids. */
function targetTruth(atlas: Volume, target: Target): Uint8Array {
  return Uint8Array.from(atlas.data as Int16Array, (id) => {
    if (id <= 0) return 1;
    const region = id % 1000;
    const cerebellum = region >= CEREBELLUM[0] && region <= CEREBELLUM[1];
    if (target === 'cerebellum') return cerebellum ? 2 : 1;
    return cerebellum ? 3 : region >= DEEP_FROM ? 4 : 2;
  });
}

/**
 * Which array axis (0 z, 1 y, 2 x) cuts which anatomical plane, from the NIfTI affine: an axis whose
 * direction is mostly left–right is cut by sagittal slices, anterior–posterior by coronal, inferior–superior by axial.
 */
export function planeAxes(affine: number[] | undefined): Record<Plane, Axis> {
  if (!affine) throw new Error('the MRI has no orientation; cannot tell axial from sagittal');
  const out = {} as Record<Plane, Axis>;
  for (const axis of [0, 1, 2] as Axis[]) {
    const column = 2 - axis; // affine columns are i = x, j = y, k = z
    const world = [0, 1, 2].reduce((best, r) => (Math.abs(affine[r * 4 + column]!) > Math.abs(affine[best * 4 + column]!) ? r : best), 0);
    out[(['sagittal', 'coronal', 'axial'] as const)[world]!] = axis;
  }
  return out;
}

function planeCase(target: Target, plane: Plane): CaseSpec {
  const name = `mri-${target}-3${plane}`;
  return {
    name, small: false,
    async build(dir): Promise<BuiltCase> {
      const { image, atlas } = await loadMri();
      const truth = targetTruth(atlas, target), shape = image.shape.slice(0, 3) as [number, number, number];
      const axis = planeAxes(image.geometry.affine)[plane];
      const slices = foregroundQuantiles(truth, shape, axis, [0.25, 0.5, 0.75]);
      const sparse = new Uint8Array(truth.length);
      labelPlanes(truth, sparse, shape, axis, slices);
      const classes = target === 'cerebellum' ? [1, 2] : [1, 2, 3, 4];
      const files = await writeCaseFiles(dir, name, '.nii.gz', image, sparse, truth, classes, 1);
      const missing = unlabeledClasses(truth, sparse);
      return { files, shape: image.shape, dtype: image.dtype, layout: `3 whole ${plane} slices: ${AXIS_NAME[axis]} = ${slices.join(', ')}`, classes, truth, sparse,
        notes: `${target === 'cerebellum' ? 'atlas ids 237–253 (+1000: cerebellar hemispheres and white-matter core, not the vermis) vs. the rest' : '1 outside the brain, 2 cerebrum (ids 1–236), 3 cerebellum (237–253), 4 deep (≥ 254), ids +1000 alike'}; `
          + `array axes from the RAS affine: z axial, y coronal, x sagittal${missing.length ? `; classes on no labeled slice: ${missing.join(', ')}` : ''}` };
    },
  };
}

/** A 48×64×64 crop around the cerebellum, as int16 with negative values, 4 classes painted as strokes on one plane per axis. */
const int16Crop: CaseSpec = {
  name: 'mri-4class-crop-i16-strokes', small: true,
  async build(dir): Promise<BuiltCase> {
    const { image, atlas } = await loadMri();
    const truthAll = targetTruth(atlas, '4class'), full = image.shape;
    const centre = centroid(truthAll, full, 3);
    const size: [number, number, number] = [48, 64, 64];
    const origin = size.map((s, k) => Math.max(0, Math.min(full[k]! - s, Math.round(centre[k]! - s / 2)))) as [number, number, number];
    const box: Box = { origin, size };
    const cropped = convertVolume(cropVolume(image, box), 'int16', 40, -8000);
    const truth = cropArray(truthAll, [...full.slice(0, 3), 1], box), sparse = new Uint8Array(truth.length);
    const rand = seededRandom(seedOf(int16Crop.name)), planes: string[] = [];
    for (const axis of [0, 1, 2] as Axis[]) {
      const index = Math.round((size[axis] - 1) / 2);
      const painted = paintStrokes(truth, sparse, size, axis, index, [1, 2, 3, 4], rand);
      planes.push(`${AXIS_NAME[axis]} = ${index} (${[1, 2, 3, 4].map((c) => `${painted[c]}`).join('/')} voxels of classes 1/2/3/4)`);
    }
    const missing = unlabeledClasses(truth, sparse);
    const files = await writeCaseFiles(dir, int16Crop.name, '.nii', cropped, sparse, truth, [1, 2, 3, 4], 1);
    return { files, shape: cropped.shape, dtype: 'int16', layout: `brush strokes, 3 per class, radius 2–3, on one plane of each axis: ${planes.join('; ')}`,
      classes: [1, 2, 3, 4], truth, sparse,
      notes: `crop z ${origin[0]}, y ${origin[1]}, x ${origin[2]} (centred on the cerebellum), T1 as int16 value·40 − 8000 (background −8000); the 4 classes as in mri-4class`
        + `${missing.length ? `; classes never painted: ${missing.join(', ')}` : ''}` };
  },
};

function centroid(truth: Uint8Array, shape: readonly number[], cls: number): [number, number, number] {
  const [, H, W] = shape as [number, number, number];
  let n = 0, z = 0, y = 0, x = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] !== cls) continue;
    n++; z += Math.floor(i / (H * W)); y += Math.floor(i / W) % H; x += i % W;
  }
  return [z / n, y / n, x / n];
}

export const MRI_CASES: CaseSpec[] = [
  ...(['axial', 'coronal', 'sagittal'] as Plane[]).map((p) => planeCase('cerebellum', p)),
  ...(['axial', 'coronal', 'sagittal'] as Plane[]).map((p) => planeCase('4class', p)),
  int16Crop,
];
