// Shared by the tiled instance tests: a real ONNX network that hands its input through (1×1
// convolution with identity weights), fed with exact StarDist targets, so the sliding window's
// blended output is a realistic (probability, distances) field with objects cut by every seam.
import { Graph, int, ints } from '../../src-shared/nn/graph.ts';
import * as op from '../../src-shared/nn/ops.ts';
import { serializeGraph } from '../../src-shared/nn/onnx-io.ts';
import { graphPatchModel, type PatchModel } from '../../src-shared/infer/patch-model.ts';
import { streamSlidingWindow, type SlidingWindowOptions } from '../../src-shared/infer/sliding-window.ts';
import type { SlabSource } from '../../src-shared/infer/source.ts';
import { makeVolume, type Volume } from '../../src-shared/volume.ts';
import { starPatchSource } from '../../src-shared/instances/train/star-source.ts';
import { decodingRays, type InstanceDecoding } from '../../src-shared/instances/train/decoding.ts';
import { overlapTable } from '../../src-shared/eval/instance-matching.ts';
import { evaluateInstances } from '../../src-shared/eval/instance-matching.ts';
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

/**
 * A network that blurs each channel `layers` times with a 3×3 (2D) or 1×3×3 (3D) box, zero padded:
 * the output near a patch border differs from one pass over the whole image (the padding darkens
 * it), as a real network's does, while the objects stay those of the input.
 */
export function blurModel(dims: 2 | 3, channels: number, layers = 2): PatchModel {
  return graphPatchModel(runtime.factory, {
    dims, inChannels: channels, outChannels: channels, sizeMultiple: dims === 3 ? [1, 1, 1] : [1, 1],
    build: (shape) => {
      const g = new Graph();
      let x = g.input('image', shape);
      const kernel = dims === 3 ? [1, 3, 3] : [3, 3];
      const w = new Float32Array(channels * 9).fill(1 / 9);
      const wv = g.constant(w, [channels, 1, ...kernel], 'w');
      const pads = dims === 3 ? [0, 1, 1, 0, 1, 1] : [1, 1, 1, 1];
      for (let l = 0; l < layers; l++) {
        x = g.node('Conv', [x, wv], [{ shape: x.shape }], { group: int(channels), pads: ints(pads), kernel_shape: ints(kernel) })[0]!;
      }
      g.output(x);
      return serializeGraph(g);
    },
  });
}

export interface SeamComparison {
  reference: number;
  tiled: number;
  /** F1 at IoU 0.5, one-to-one, the one-pass objects as truth */
  f1: number;
  /** one-pass objects that two or more tiled objects share (each with ≥ half its voxels inside) */
  split: number;
  /** tiled objects that two or more one-pass objects share alike (merged across a seam) */
  merged: number;
}

/** Tiled labels against one-pass labels of the same image. */
export function compareSeams(reference: ArrayLike<number>, tiled: ArrayLike<number>, shape: [number, number, number]): SeamComparison {
  const ev = evaluateInstances(reference, tiled, shape, { thresholds: [0.5] });
  const t = overlapTable(reference, tiled);
  const piecesOf = new Map<number, number>(), partsOf = new Map<number, number>();
  for (const p of t.pairs) {
    if (p.intersection >= 0.5 * t.predSizes.get(p.predId)!) piecesOf.set(p.truthId, (piecesOf.get(p.truthId) ?? 0) + 1);
    if (p.intersection >= 0.5 * t.truthSizes.get(p.truthId)!) partsOf.set(p.predId, (partsOf.get(p.predId) ?? 0) + 1);
  }
  return {
    reference: ev.truthObjects, tiled: ev.predObjects, f1: ev.perThreshold[0]!.f1,
    split: [...piecesOf.values()].filter((n) => n > 1).length, merged: [...partsOf.values()].filter((n) => n > 1).length,
  };
}
