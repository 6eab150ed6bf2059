// Convolution gradients as plain convolutions. The formulation matters by 10× on ORT's CPU
// provider (see ARCHITECTURE.md and `npm run bench:engine`): a stride-1 input gradient is a Conv
// with flipped, in/out-transposed weights, far faster than the equivalent ConvTranspose; a weight
// gradient is a Conv whose "batch" is the input's channels and whose "kernel" is the output grad.
import type { Graph, Value } from './graph.ts';
import * as op from './ops.ts';
import type { ConvGeometry } from './ops.ts';

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const swapFirstTwo = (rank: number) => [1, 0, ...range(2, rank)];

/** How the input gradient of a strided conv is formed (measured choice; see bench/engine.ts). */
export const convGradOptions: { strided: 'conv-transpose' | 'zero-insert' } = { strided: 'zero-insert' };

/** W[m, c, k…] → W'[c, m, k…] with every spatial axis reversed. */
function flippedTransposed(g: Graph, w: Value): Value {
  const r = w.shape.length - 2;
  const axes = range(2, 2 + r);
  const flipped = op.slice(g, w, axes, axes.map(() => -1), axes.map((a) => -w.shape[a]! - 1), axes.map(() => -1));
  return op.transpose(g, flipped, swapFirstTwo(w.shape.length));
}

/** Zeros between the gradient's samples: [N,C,Y…] → [N,C,s·Y…] (trailing s-1 zeros per axis kept). */
function insertZeros(g: Graph, dy: Value, strides: number[]): Value {
  const [n, c, ...ys] = dy.shape as number[];
  const interleaved = [n!, c!, ...ys.flatMap((y) => [y, 1])];
  const r = interleaved.length;
  const pads = new Array(2 * r).fill(0);
  strides.forEach((s, i) => { pads[r + 3 + 2 * i] = s - 1; });
  const spread = op.pad(g, op.reshape(g, dy, interleaved), pads);
  return op.reshape(g, spread, [n!, c!, ...ys.map((y, i) => y * strides[i]!)]);
}

export function convInputGrad(g: Graph, dy: Value, w: Value, xShape: readonly number[], geo: ConvGeometry): Value {
  const r = xShape.length - 2;
  const k = w.shape.slice(2);
  const { strides, pads, dilations } = geo;
  const reach = k.map((kk, i) => dilations[i]! * (kk - 1));
  const stride1 = strides.every((s) => s === 1);
  const padsFit = range(0, r).every((i) => reach[i]! >= pads[i]! && reach[i]! >= pads[i + r]!);

  if (!padsFit || (!stride1 && convGradOptions.strided === 'conv-transpose')) {
    const outputPadding = range(0, r).map((i) =>
      xShape[2 + i]! - (strides[i]! * (dy.shape[2 + i]! - 1) + reach[i]! + 1 - pads[i]! - pads[i + r]!));
    return op.convTranspose(g, dy, w, undefined, { strides, pads, dilations, outputPadding });
  }

  // Stride 1 (or a strided gradient spread out with zeros): a full correlation with the flipped kernel.
  let src = stride1 ? dy : insertZeros(g, dy, strides);
  const begin = range(0, r).map((i) => reach[i]! - pads[i]!);
  let end = range(0, r).map((i) => xShape[2 + i]! + reach[i]! - begin[i]! - src.shape[2 + i]!);
  if (end.some((e) => e < 0)) {
    src = op.slice(g, src, range(2, 2 + r), range(0, r).map(() => 0), range(0, r).map((i) => src.shape[2 + i]! + Math.min(0, end[i]!)));
    end = end.map((e) => Math.max(0, e));
  }
  const dx = op.conv(g, src, flippedTransposed(g, w), undefined, { pads: [...begin, ...end], dilations });
  assertShape(dx, xShape, 'conv input gradient');
  return dx;
}

/**
 * ∂L/∂W[m,c,k] = Σₙ,ᵢ a[n,c,i·s+k·d−p]·ḡ[n,m,i]: a Conv over aᵀ ([C,N,…]) with ḡᵀ ([M,N,…]) as the
 * kernel, the roles of stride and dilation swapped. Serves Conv (a = input, ḡ = output gradient)
 * and ConvTranspose (a = output gradient, ḡ = input).
 */
export function convWeightGrad(g: Graph, a: Value, gOut: Value, wShape: readonly number[], geo: ConvGeometry): Value {
  const r = a.shape.length - 2;
  const { strides, pads, dilations } = geo;
  let aT = op.transpose(g, a, swapFirstTwo(a.shape.length));
  const gT = op.transpose(g, gOut, swapFirstTwo(gOut.shape.length));
  const k = wShape.slice(2);
  let end = range(0, r).map((i) =>
    (k[i]! - 1) * dilations[i]! + strides[i]! * (gOut.shape[2 + i]! - 1) + 1 - a.shape[2 + i]! - pads[i]!);
  if (end.some((e) => e < 0)) {
    aT = op.slice(g, aT, range(2, 2 + r), range(0, r).map(() => 0), range(0, r).map((i) => aT.shape[2 + i]! + Math.min(0, end[i]!)));
    end = end.map((e) => Math.max(0, e));
  }
  const grad = op.conv(g, aT, gT, undefined, { strides: dilations, dilations: strides, pads: [...pads.slice(0, r), ...end] });
  const dw = op.transpose(g, grad, swapFirstTwo(grad.shape.length));
  assertShape(dw, wShape, 'conv weight gradient');
  return dw;
}

export function convBiasGrad(g: Graph, dy: Value): Value {
  return op.reduceSum(g, dy, [0, ...range(2, dy.shape.length)], false);
}

function assertShape(v: Value, shape: readonly number[], what: string): void {
  if (v.shape.length !== shape.length || v.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${what}: built [${v.shape}], expected [${shape}]`);
  }
}
