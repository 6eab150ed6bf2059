// Shared by the tiled instance tests: a real ONNX network that hands its input through (1×1
// convolution with identity weights), fed with exact StarDist targets, so the sliding window's
// blended output is a realistic (probability, distances) field with objects cut by every seam.
import { Graph } from '../../src-shared/nn/graph.ts';
import * as op from '../../src-shared/nn/ops.ts';
import { serializeGraph } from '../../src-shared/nn/onnx-io.ts';
import { graphPatchModel, type PatchModel } from '../../src-shared/infer/patch-model.ts';
import { streamSlidingWindow, type SlidingWindowOptions } from '../../src-shared/infer/sliding-window.ts';
import type { SlabSource } from '../../src-shared/infer/source.ts';
import { makeVolume, type Volume } from '../../src-shared/volume.ts';
import { starPatchSource } from '../../src-shared/instances/train/star-source.ts';
import { decodingRays, type InstanceDecoding } from '../../src-shared/instances/train/decoding.ts';
import { runtime } from '../infer/helpers.ts';

export { runtime };

/** A network of one 1×1(×1) convolution with identity weights: output = input, C channels. */
export function identityModel(dims: 2 | 3, channels: number): PatchModel {
  return graphPatchModel(runtime.factory, {
    dims, inChannels: channels, outChannels: channels, sizeMultiple: dims === 3 ? [1, 1, 1] : [1, 1],
    build: (shape) => {
      const g = new Graph();
      const x = g.input('image', shape);
      const w = new Float32Array(channels * channels);
      for (let c = 0; c < channels; c++) w[c * channels + c] = 1;
      g.output(op.conv(g, x, g.constant(w, dims === 3 ? [channels, channels, 1, 1, 1] : [channels, channels, 1, 1], 'w'), undefined));
      return serializeGraph(g);
    },
  });
}

/** The StarDist targets of `labels` as a (1 + R)-channel volume, channels interleaved (z, y, x, c). */
export function starTargetVolume(labels: Uint16Array, shape: [number, number, number], d: InstanceDecoding, spacing: [number, number, number] = [1, 1, 1]): Volume {
  const src = starPatchSource({ image: new Float32Array(labels.length), channels: 1, shape, instances: labels, spacing }, decodingRays(d));
  const C = 1 + d.rays, N = labels.length;
  const data = new Float32Array(N * C);
  for (let c = 0; c < C; c++) for (let i = 0; i < N; i++) data[i * C + c] = src.target[c * N + i]!;
  return makeVolume([...shape, C], 'float32', data, { spacing, unit: 'um' });
}

/** The whole planar output [outC][D·H·W] of one sliding-window pass (what decodeStarOutput reads). */
export async function planarOutput(model: PatchModel, source: SlabSource, opts: SlidingWindowOptions): Promise<Float32Array> {
  const [D, H, W] = source.info.shape, HW = H * W, N = D * HW, C = model.outChannels;
  const out = new Float32Array(C * N);
  await streamSlidingWindow(model, source, (z, probs) => {
    for (let c = 0; c < C; c++) out.set(probs.subarray(c * HW, (c + 1) * HW), c * N + z * HW);
  }, opts);
  return out;
}
