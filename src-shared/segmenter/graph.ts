// Any segmenter as ONE standard ONNX inference graph on a 3D patch [1, C, d, h, w] →
// probabilities [1, Kout, d, h, w]: a 3D U-Net as it is; a 2D U-Net along an axis runs on the
// planes of the patch as a batch (a Transpose each way); the pixel classifier appends its filter
// and tree-ensemble nodes; a mean averages its members; a stacked one feeds its first member's
// probabilities to the second beside the image. Members' weights are named with a prefix
// (`m0.enc.0.conv1.weight`, `m1.m0.…` for nested means), so one file holds them all.
import { Graph, type Value } from '../nn/graph.ts';
import * as op from '../nn/ops.ts';
import { buildUNet, networkOutput, sizeMultiple } from '../nn/unet.ts';
import { ParamScope } from '../nn/params.ts';
import { appendPixelClassifier, pixelClassifierHalo } from '../classic/index.ts';
import type { Segmenter } from './segmenter.ts';
import { appendStackChannels } from './stack.ts';
import { COORDINATE_CHANNELS } from '../infer/coordinates.ts';

/** [1,C,d,h,w] → [1,C,d,h,w] with `axis` (0 z, 1 y, 2 x) moved into the batch: [n, C, a, b]. */
const TO_PLANES: Record<number, number[]> = { 0: [1, 0, 2, 3], 1: [2, 0, 1, 3], 2: [3, 0, 1, 2] };
const FROM_PLANES: Record<number, number[]> = { 0: [1, 0, 2, 3], 1: [1, 2, 0, 3], 2: [1, 2, 3, 0] };

/** `coordinates`: the voxels' positions [1, 3, d, h, w] where some member wants them (infer/coordinates.ts). */
function appendSegmenter(g: Graph, input: Value, coordinates: Value | undefined, s: Segmenter, prefix: string, bake: Map<string, Float32Array>): Value {
  const [, C, d, h, w] = input.shape as [number, number, number, number, number];
  switch (s.kind) {
    case 'unet': {
      const ps = new ParamScope(g).scope(prefix);
      for (const [name, data] of s.model.params) bake.set(prefix + name, data);
      if (s.model.config.dims === 3) return networkOutput(g, buildUNet(g, input, s.model.config, ps).logits, s.model.config);
      const axis = s.axis ?? 0;
      const volume = op.reshape(g, input, [C, d, h, w]);
      const planes = op.transpose(g, volume, TO_PLANES[axis]!);
      const prob = networkOutput(g, buildUNet(g, planes, s.model.config, ps).logits, s.model.config);
      const back = op.transpose(g, prob, FROM_PLANES[axis]!);
      return op.reshape(g, back, [1, back.shape[0]!, d, h, w]);
    }
    case 'pixel-classifier':
      return appendPixelClassifier(g, s.model.features.coordinates ? op.concat(g, [input, coordinates!], 1) : input, s.model);
    case 'mean': {
      const outs = s.members.map((m, i) => appendSegmenter(g, input, coordinates, m, `${prefix}m${i}.`, bake));
      return op.mul(g, op.sum(g, outs), g.scalar(1 / outs.length));
    }
    case 'stacked': {
      const first = appendSegmenter(g, input, coordinates, s.first, `${prefix}s0.`, bake);
      return appendSegmenter(g, appendStackChannels(g, input, first), coordinates, s.then, `${prefix}s1.`, bake);
    }
  }
}

export function buildSegmenterGraph(s: Segmenter, inputShape: readonly number[]): { graph: Graph; bake: Map<string, Float32Array> } {
  const g = new Graph();
  const input = g.input('image', inputShape);
  const bake = new Map<string, Float32Array>();
  // where members want positions, they follow the image channels in the input (PatchModel.coordinates)
  const C = segmenterChannels(s).inChannels;
  const [image, coordinates] = segmenterWantsCoordinates(s)
    ? [op.slice(g, input, [1], [0], [C]), op.slice(g, input, [1], [C], [C + COORDINATE_CHANNELS])]
    : [input, undefined];
  g.output(appendSegmenter(g, image, coordinates, s, '', bake));
  return { graph: g, bake };
}

/** Per axis (z, y, x), the multiple every patch extent must be: the least common multiple over members. */
export function segmenterSizeMultiple(s: Segmenter): number[] {
  switch (s.kind) {
    case 'unet': {
      const m = sizeMultiple(s.model.config);
      if (s.model.config.dims === 3) return m;
      const out = [1, 1, 1], axis = s.axis ?? 0;
      const others = [0, 1, 2].filter((a) => a !== axis);
      out[others[0]!] = m[0]!; out[others[1]!] = m[1]!;
      return out;
    }
    case 'pixel-classifier': return [1, 1, 1];
    case 'mean': return s.members.map(segmenterSizeMultiple).reduce((a, b) => a.map((x, i) => lcm(x, b[i]!)), [1, 1, 1]);
    case 'stacked': return segmenterSizeMultiple({ kind: 'mean', members: [s.first, s.then] });
  }
}

/** Voxels at each patch side whose output is not exact (filters that reach beyond the patch). */
export function segmenterHalo(s: Segmenter): number[] {
  switch (s.kind) {
    case 'unet': return [0, 0, 0];
    case 'pixel-classifier': return pixelClassifierHalo(s.model);
    case 'mean': return s.members.map(segmenterHalo).reduce((a, b) => a.map((x, i) => Math.max(x, b[i]!)), [0, 0, 0]);
    case 'stacked': return segmenterHalo({ kind: 'mean', members: [s.first, s.then] });
  }
}

/** Whether some member takes the voxels' positions as input (a pixel classifier with coordinate features). */
export function segmenterWantsCoordinates(s: Segmenter): boolean {
  switch (s.kind) {
    case 'unet': return false;
    case 'pixel-classifier': return s.model.features.coordinates === true;
    case 'mean': return s.members.some(segmenterWantsCoordinates);
    case 'stacked': return segmenterWantsCoordinates(s.first) || segmenterWantsCoordinates(s.then);
  }
}

export function segmenterChannels(s: Segmenter): { inChannels: number; outChannels: number } {
  switch (s.kind) {
    case 'unet': return { inChannels: s.model.config.inChannels, outChannels: s.model.config.outChannels };
    case 'pixel-classifier': return { inChannels: s.model.inChannels, outChannels: s.model.outChannels };
    case 'mean': return segmenterChannels(s.members[0]!);
    case 'stacked': return { inChannels: segmenterChannels(s.first).inChannels, outChannels: segmenterChannels(s.then).outChannels };
  }
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number) => (a * b) / gcd(a, b);
