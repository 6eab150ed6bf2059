// The few graph operations the filter features need beyond nn/ops.ts: edge padding, a 1-D
// convolution along one spatial axis with a bank of fixed kernels, channel gathers and the
// trigonometric elementwise ops of the 3×3 eigenvalue formula. All standard ONNX (opset 17).
import type { Graph, Value } from '../nn/graph.ts';
import { ints, str } from '../nn/graph.ts';
import * as op from '../nn/ops.ts';

/** Repeat the border voxels outward: `before[a]`/`after[a]` voxels on spatial axis a. */
export function edgePad(g: Graph, x: Value, before: readonly number[], after: readonly number[]): Value {
  if (before.every((p) => p === 0) && after.every((p) => p === 0)) return x;
  const lead = x.shape.length - before.length;
  const pads = [...new Array(lead).fill(0), ...before, ...new Array(lead).fill(0), ...after];
  const shape = x.shape.map((d, i) => d + pads[i]! + pads[i + x.shape.length]!);
  return g.node('Pad', [x, g.i64(pads, 'pads')], [{ shape }], { mode: str('edge') }, 'edge_pad')[0]!;
}

/** Drop `before[a]`/`after[a]` voxels on spatial axis a. */
export function crop(g: Graph, x: Value, before: readonly number[], after: readonly number[]): Value {
  const lead = x.shape.length - before.length;
  const axes: number[] = [], starts: number[] = [], ends: number[] = [];
  before.forEach((b, a) => {
    const e = after[a]!;
    if (b === 0 && e === 0) return;
    axes.push(lead + a); starts.push(b); ends.push(x.shape[lead + a]! - e);
  });
  return axes.length ? op.slice(g, x, axes, starts, ends) : x;
}

/**
 * [N, 1, ...s] → [N, k, ...s'] : kernel bank `kernels` (k of equal odd length) along spatial
 * `axis`, no padding (the axis shrinks by length − 1). Single-channel input keeps ORT on its plain
 * convolution path, which measured faster than grouped convolutions here.
 */
export function convAlong(g: Graph, x: Value, axis: number, kernels: readonly (readonly number[])[]): Value {
  const rank = x.shape.length - 2;
  const len = kernels[0]!.length;
  const kshape = new Array(rank).fill(1);
  kshape[axis] = len;
  const w = g.constant(Float32Array.from(kernels.flat()), [kernels.length, 1, ...kshape], 'kernel');
  const out = [x.shape[0]!, kernels.length, ...x.shape.slice(2)];
  out[2 + axis] = x.shape[2 + axis]! - len + 1;
  if (x.shape[1] !== 1) throw new Error(`convAlong expects one channel, got [${x.shape}]`);
  return g.node('Conv', [x, w], [{ shape: out }], {
    kernel_shape: ints(kshape), strides: ints(new Array(rank).fill(1)), pads: ints(new Array(2 * rank).fill(0)),
    dilations: ints(new Array(rank).fill(1)), group: { kind: 'int', value: 1 },
  }, 'filter')[0]!;
}

/** Channels `indices` of axis 1, in that order. */
export function gatherChannels(g: Graph, x: Value, indices: readonly number[]): Value {
  const shape = [...x.shape];
  shape[1] = indices.length;
  return g.node('Gather', [x, g.i64(indices, 'channels')], [{ shape }], { axis: { kind: 'int', value: 1 } })[0]!;
}

export function clip(g: Graph, x: Value, lo: number, hi: number): Value {
  return g.node('Clip', [x, g.scalar(lo, 'lo'), g.scalar(hi, 'hi')], [{ shape: x.shape }])[0]!;
}

export const acos = (g: Graph, x: Value): Value => g.node('Acos', [x], [{ shape: x.shape }])[0]!;
export const cos = (g: Graph, x: Value): Value => g.node('Cos', [x], [{ shape: x.shape }])[0]!;
export const square = (g: Graph, x: Value): Value => op.mul(g, x, x);
/** x · c for a number c */
export const scale = (g: Graph, x: Value, c: number): Value => op.mul(g, x, g.scalar(c));
