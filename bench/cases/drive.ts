// DRIVE with one labeled image: image 21 and test images 22–25 in one input, image 21's manual
// labels inside its field of view as 1/2, everything else unlabeled; the other four are scored.
// Two layouts of the same pixels and labels:
//  - canvas: the five photographs one above the other as a single 2D RGB image (2920×565), which
//    both Lumen and the anchor read;
//  - stack: the five as a depth-5 RGB volume, as a user stacking photographs would pass them. The
//    anchor cannot read a depth-N RGB volume (its filters take 3 axes), so its figure is the
//    canvas run: the same labels and the same scored pixels, 2D filters per photograph either way.
// Our Dice counts the unlabeled pixels inside the other images' field of view (DRIVE's rule); the
// anchor counts every unlabeled pixel, the dark corners outside the FOVs included.
import { readVolume } from '../../src-shared/io/index.ts';
import { makeVolume, type Volume } from '../../src-shared/volume.ts';
import { dataPath } from '../../test/shared-data.ts';
import type { BuiltCase, CaseSpec } from './types.ts';
import { writeCaseFiles } from './write.ts';

const LABELED = '21', OTHERS = ['22', '23', '24', '25'];
const ANCHOR_KEY = 'drive-1of5';

interface Photos { image: Uint8Array; truth: Uint8Array; sparse: Uint8Array; fov: Uint8Array; h: number; w: number; n: number }

/** The five photographs in z order (21 first), with class truth, sparse labels and the scored FOV. */
async function loadPhotos(): Promise<Photos> {
  const ids = [LABELED, ...OTHERS];
  const parts = await Promise.all(ids.map(async (id) => ({
    image: await readVolume(dataPath('drive/images', `${id}_training.tif`)),
    manual: await readVolume(dataPath('drive/labels', `${id}_manual1.gif`)),
    fov: await readVolume(dataPath('drive/fov', `${id}_training_mask.gif`)),
  })));
  const [, h, w] = parts[0]!.image.shape, plane = h * w, n = ids.length;
  const image = new Uint8Array(n * plane * 3), truth = new Uint8Array(n * plane), sparse = new Uint8Array(n * plane), fov = new Uint8Array(n * plane);
  parts.forEach((p, k) => {
    image.set(p.image.data as Uint8Array, k * plane * 3);
    const first = (v: Volume, i: number) => v.data[i * v.shape[3]]! > 0;
    for (let i = 0; i < plane; i++) {
      const j = k * plane + i, inside = first(p.fov, i);
      truth[j] = first(p.manual, i) ? 2 : 1;
      if (k === 0 && inside) sparse[j] = truth[j]!;
      if (k > 0 && inside) fov[j] = 1;
    }
  });
  return { image, truth, sparse, fov, h, w, n };
}

const canvasVolume = (p: Photos) => makeVolume([1, p.n * p.h, p.w, 3], 'uint8', p.image, { spacing: [1, 1, 1], unit: 'unknown' });
const NOTE = 'image 21 labeled inside its FOV, 22–25 unlabeled and scored inside their FOV; the anchor scores all unlabeled pixels (outside the FOVs too): see diceAnchorRegion for ours on that region';

export const DRIVE_CASES: CaseSpec[] = [
  {
    name: 'drive-1of5-canvas', small: false,
    async build(dir): Promise<BuiltCase> {
      const p = await loadPhotos(), image = canvasVolume(p);
      const files = await writeCaseFiles(dir, 'drive-canvas', '.tif', image, p.sparse, p.truth, [1, 2], 1);
      return { files, anchorFiles: { ...files, key: ANCHOR_KEY }, shape: image.shape, dtype: 'uint8', layout: 'one whole photograph of five (the top one of a 2D canvas), inside its FOV',
        classes: [1, 2], truth: p.truth, sparse: p.sparse, scoreMask: p.fov, notes: `five photographs one above the other as one 2D RGB image; ${NOTE}` };
    },
  },
  {
    name: 'drive-1of5-stack', small: false,
    async build(dir): Promise<BuiltCase> {
      const p = await loadPhotos();
      const stack = makeVolume([p.n, p.h, p.w, 3], 'uint8', p.image, { spacing: [1, 1, 1], unit: 'unknown' });
      const files = await writeCaseFiles(dir, 'drive-stack', '.tif', stack, p.sparse, p.truth, [1, 2], 1);
      const canvas = await writeCaseFiles(dir, 'drive-canvas', '.tif', canvasVolume(p), p.sparse, p.truth, [1, 2], 1);
      return { files, anchorFiles: { ...canvas, key: ANCHOR_KEY }, shape: stack.shape, dtype: 'uint8', layout: 'one whole z-slice of five (z = 0), inside its FOV',
        classes: [1, 2], truth: p.truth, sparse: p.sparse, scoreMask: p.fov,
        notes: `a depth-5 RGB stack; the anchor cannot read depth-N RGB, its figure is the canvas layout of the same pixels and labels; ${NOTE}` };
    },
  },
];
