// Whole-volume prediction with the pixel classifier, in blocks that do not overlap. Each block is
// read with featureHalo voxels of context on every side (border voxels repeated beyond the volume,
// as in training: sample-features.ts), and the graph consumes that context in its filters, so
// features, and hence probabilities, are exactly those of one whole-volume pass, while the trees,
// most of the cost, walk every voxel once. (A sliding window over the same graph with edge
// padding and trim = halo gives the same result, pixelClassifierPatchModel, but walks the trees
// over the trimmed borders too: 1.15–1.5× the work at this block size.)
import type { SessionFactory } from '../nn/session.ts';
import { Graph } from '../nn/graph.ts';
import * as op from '../nn/ops.ts';
import { serializeGraph } from '../nn/onnx-io.ts';
import { sessionRunner } from '../infer/patch-model.ts';
import { throwIfCancelled, type CancelSignal } from '../infer/cancel.ts';
import { LumenError } from '../errors.ts';
import { appendFeatureRows, featureInputChannels } from './features.ts';
import { appendForest } from './forest-onnx.ts';
import { gatherInput } from './sample-features.ts';
import { pixelClassifierHalo, type PixelClassifier } from './pixel-classifier.ts';

/** Output voxels per block by default: about 0.5 GB of ORT working memory for 3D features. */
export const DEFAULT_BLOCK_VOXELS = 1 << 20;

/** Block extents (z, y, x): per axis the fewest equal tiles whose product stays within `budget` voxels. */
export function classifierBlock(shape: readonly number[], dims: 2 | 3, budget = DEFAULT_BLOCK_VOXELS): number[] {
  const axes = dims === 3 ? [0, 1, 2] : [1, 2];
  const tiles = [1, 1, 1];
  const extent = (a: number) => (dims === 2 && a === 0 ? 1 : Math.ceil(shape[a]! / tiles[a]!));
  while (axes.reduce((p, a) => p * extent(a), 1) > budget) {
    const splittable = axes.filter((c) => extent(c) > 1);
    if (!splittable.length) break;
    tiles[splittable.reduce((best, c) => (extent(c) >= extent(best) ? c : best))]!++; // split the longest
  }
  return [0, 1, 2].map(extent);
}

/** Block starts along one axis: equal blocks, the last one moved back to end at the border (it may overlap). */
function starts(size: number, block: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < size; s += block) out.push(Math.min(s, size - block));
  return out;
}

export interface PredictOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: CancelSignal;
  /** output voxels per block (default DEFAULT_BLOCK_VOXELS) */
  blockVoxels?: number;
}

/**
 * Class probabilities of a whole volume, planar [Kout][D][H][W]: `image` planar [C][D][H][W],
 * already normalised the way training images were (train/dataset.ts: z-scored). Progress is
 * reported in voxels.
 */
export async function predictPixelClassifier(factory: SessionFactory, model: PixelClassifier, image: Float32Array,
  shape: [number, number, number], channels: number, progress?: ((done: number, total: number) => void) | PredictOptions): Promise<Float32Array> {
  const opts: PredictOptions = typeof progress === 'function' ? { onProgress: progress } : (progress ?? {});
  const [D, H, W] = shape, V = D * H * W;
  if (channels !== model.inChannels) throw new LumenError('shape-mismatch', `the pixel classifier expects ${model.inChannels} channel(s) but the image has ${channels}`);
  if (image.length !== V * channels) throw new LumenError('shape-mismatch', `the image holds ${image.length} values, ${D}×${H}×${W}×${channels} expected`);
  const dims = model.features.dims;
  const halo = pixelClassifierHalo(model);
  const block = classifierBlock(shape, dims, opts.blockVoxels);
  const size = block.map((b, a) => b + 2 * halo[a]!);
  const axes = dims === 3 ? [0, 1, 2] : [1, 2];
  const inputShape = [1, featureInputChannels(model.features), ...axes.map((a) => size[a]!)];
  const context = axes.map((a) => halo[a]!);

  const g = new Graph();
  const rows = appendFeatureRows(g, g.input('image', inputShape), model.features, { before: context, after: context });
  const probs = appendForest(g, rows, model.forest);                          // [S, K] for the block's voxels
  const K = model.outChannels;
  g.output(K === 1 ? probs : op.transpose(g, probs, [1, 0]));                // planar [K][S]
  const runner = await sessionRunner(factory, serializeGraph(g), inputShape);

  const out = new Float32Array(K * V);
  const [bz, by, bx] = block as [number, number, number];
  const S = bz * by * bx;
  const input = new Float32Array(inputShape.reduce((a, b) => a * b, 1));
  const planes = { shape, channels, image };
  let done = 0;
  const total = starts(D, bz).length * starts(H, by).length * starts(W, bx).length;
  try {
    for (const z0 of starts(D, bz)) for (const y0 of starts(H, by)) for (const x0 of starts(W, bx)) {
      throwIfCancelled(opts.signal);
      gatherInput(planes, model.features, [z0 - halo[0]!, y0 - halo[1]!, x0 - halo[2]!], size, input);
      const p = await runner.run(input);
      for (let k = 0; k < K; k++) for (let z = 0; z < bz; z++) for (let y = 0; y < by; y++) {
        const src = k * S + (z * by + y) * bx;
        out.set(p.subarray(src, src + bx), k * V + ((z0 + z) * H + y0 + y) * W + x0);
      }
      done++;
      opts.onProgress?.(Math.round((V * done) / total), V);
    }
  } finally {
    await runner.release();
  }
  return out;
}
