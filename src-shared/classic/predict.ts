// Whole-volume prediction with the pixel classifier: its ONNX graph streamed over the volume by the
// sliding window, patches trimmed by the feature halo so seams are exact. Patches are as large as
// a voxel budget allows (ORT's working memory grows with the patch: about 450 MB per million
// voxels for 3D features) and sized so the volume splits into whole tiles with no more overlap
// than the halo requires.
import type { SessionFactory } from '../nn/session.ts';
import { LumenError } from '../errors.ts';
import { makeVolume } from '../volume.ts';
import { streamSlidingWindow } from '../infer/sliding-window.ts';
import type { SlabSource } from '../infer/source.ts';
import type { CancelSignal } from '../infer/cancel.ts';
import { pixelClassifierHalo, pixelClassifierPatchModel, type PixelClassifier } from './pixel-classifier.ts';

/** Voxels per patch by default: ~0.5 GB of ORT working memory, few enough tiles that the halo costs little. */
export const DEFAULT_PATCH_VOXELS = 1 << 20;

/**
 * Patch extents (z, y, x) for a volume: per axis the fewest tiles n whose patch
 * ⌈(size + 2·halo·(n−1)) / n⌉ keeps the product within `budget` voxels.
 */
export function classifierPatch(shape: readonly number[], halo: readonly number[], dims: 2 | 3, budget = DEFAULT_PATCH_VOXELS): number[] {
  const axes = dims === 3 ? [0, 1, 2] : [1, 2];
  const tiles = [1, 1, 1];
  const extent = (a: number, n = tiles[a]!) => Math.min(shape[a]!, Math.ceil((shape[a]! + 2 * halo[a]! * (n - 1)) / n));
  for (;;) {
    if (axes.reduce((p, a) => p * extent(a), 1) <= budget) break;
    // one more tile along the axis with the longest patch, among those where that still shrinks it
    // and leaves more than the two trimmed borders
    const candidates = axes.filter((a) => extent(a, tiles[a]! + 1) < extent(a) && extent(a, tiles[a]! + 1) > 2 * halo[a]! + 1);
    if (!candidates.length) break;
    const a = candidates.reduce((best, c) => (extent(c) >= extent(best) ? c : best));
    tiles[a]!++;
  }
  return dims === 3 ? [0, 1, 2].map((a) => extent(a)) : [1, extent(1), extent(2)];
}

export interface PredictOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: CancelSignal;
  /** voxels per patch (default DEFAULT_PATCH_VOXELS) */
  patchVoxels?: number;
}

/** A planar [C][D][H][W] float32 volume as a slab source (the sliding window wants z, y, x, c). */
function planarSource(image: Float32Array, shape: [number, number, number], channels: number): SlabSource {
  const [D, H, W] = shape, plane = H * W;
  return {
    info: { shape: [D, H, W, channels], dtype: 'float32', geometry: { spacing: [1, 1, 1], unit: 'unknown' } },
    readSlices(z0, z1) {
      const n = (z1 - z0) * plane;
      if (channels === 1) return makeVolume([z1 - z0, H, W, 1], 'float32', image.subarray(z0 * plane, z0 * plane + n));
      const data = new Float32Array(n * channels);
      for (let c = 0; c < channels; c++) {
        const src = image.subarray(c * D * plane + z0 * plane, c * D * plane + z0 * plane + n);
        for (let i = 0; i < n; i++) data[i * channels + c] = src[i]!;
      }
      return makeVolume([z1 - z0, H, W, channels], 'float32', data);
    },
  };
}

/**
 * Class probabilities of a whole volume, planar [Kout][D][H][W]: `image` planar [C][D][H][W],
 * already normalised the way training images were (train/dataset.ts: z-scored).
 */
export async function predictPixelClassifier(factory: SessionFactory, model: PixelClassifier, image: Float32Array,
  shape: [number, number, number], channels: number, progress?: ((done: number, total: number) => void) | PredictOptions): Promise<Float32Array> {
  const opts: PredictOptions = typeof progress === 'function' ? { onProgress: progress } : (progress ?? {});
  const [D, H, W] = shape, V = D * H * W;
  if (channels !== model.inChannels) throw new LumenError('shape-mismatch', `the pixel classifier expects ${model.inChannels} channel(s) but the image has ${channels}`);
  if (image.length !== V * channels) throw new LumenError('shape-mismatch', `the image holds ${image.length} values, ${D}×${H}×${W}×${channels} expected`);
  const halo = pixelClassifierHalo(model);
  const dims = model.features.dims;
  const patch = classifierPatch(shape, halo, dims, opts.patchVoxels);
  const K = model.outChannels;
  const out = new Float32Array(K * V);
  const plane = H * W;
  await streamSlidingWindow(pixelClassifierPatchModel(factory, model), planarSource(image, shape, channels), (z, probs) => {
    for (let k = 0; k < K; k++) out.set(probs.subarray(k * plane, (k + 1) * plane), k * V + z * plane);
  }, {
    patch, trim: halo, overlap: 0, blend: 'constant', normalize: 'none',
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return out;
}
