// Op constructors: each appends one standard ONNX node (default domain, opset 17) and infers its
// output shape statically. Models, losses, optimizers and gradient rules are all written with these.
import { Graph, type Value, type ElemType, type Attr, float, int, ints, str, numel } from './graph.ts';

export const OPSET = 17;

// ---------------------------------------------------------------- shapes

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`cannot broadcast [${a}] with [${b}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

export interface ConvAttrs {
  strides?: number[];
  /** ONNX order: all begins, then all ends */
  pads?: number[];
  dilations?: number[];
}

export interface ConvGeometry { strides: number[]; pads: number[]; dilations: number[] }

export function convGeometry(spatialRank: number, a: ConvAttrs): ConvGeometry {
  return {
    strides: a.strides ?? new Array(spatialRank).fill(1),
    pads: a.pads ?? new Array(2 * spatialRank).fill(0),
    dilations: a.dilations ?? new Array(spatialRank).fill(1),
  };
}

function convOutSize(x: number, k: number, s: number, pb: number, pe: number, d: number): number {
  return Math.floor((x + pb + pe - d * (k - 1) - 1) / s) + 1;
}

// ---------------------------------------------------------------- elementwise

const unary = (op: string) => (g: Graph, x: Value): Value => g.node(op, [x], [{ shape: x.shape }])[0]!;
export const relu = unary('Relu');
export const sigmoid = unary('Sigmoid');
export const exp = unary('Exp');
export const log = unary('Log');
export const sqrt = unary('Sqrt');
export const neg = unary('Neg');
export const abs = unary('Abs');
export const softplus = unary('Softplus');
export const identity = unary('Identity');
export const reciprocal = unary('Reciprocal');
export const tanh = unary('Tanh');

export function leakyRelu(g: Graph, x: Value, alpha = 0.01): Value {
  return g.node('LeakyRelu', [x], [{ shape: x.shape }], { alpha: float(alpha) })[0]!;
}

const binary = (op: string) => (g: Graph, a: Value, b: Value): Value =>
  g.node(op, [a, b], [{ shape: broadcastShape(a.shape, b.shape) }])[0]!;
export const add = binary('Add');
export const sub = binary('Sub');
export const mul = binary('Mul');
export const div = binary('Div');

const compare = (op: string) => (g: Graph, a: Value, b: Value): Value =>
  g.node(op, [a, b], [{ shape: broadcastShape(a.shape, b.shape), type: 'bool' }])[0]!;
export const greater = compare('Greater');
export const less = compare('Less');
/** Elementwise a == b (bool); carries no gradient (one-hot targets are built with it). */
export const equal = compare('Equal');

export function where(g: Graph, cond: Value, a: Value, b: Value): Value {
  return g.node('Where', [cond, a, b], [{ shape: broadcastShape(cond.shape, broadcastShape(a.shape, b.shape)) }])[0]!;
}

const ONNX_TYPE: Record<ElemType, number> = { float32: 1, int64: 7, bool: 9 };
export function cast(g: Graph, x: Value, to: ElemType): Value {
  return g.node('Cast', [x], [{ shape: x.shape, type: to }], { to: int(ONNX_TYPE[to]) })[0]!;
}

/** Sum of any number of same-shape values (the fan-in of gradients). */
export function sum(g: Graph, xs: Value[]): Value {
  if (xs.length === 1) return xs[0]!;
  let shape = xs[0]!.shape;
  for (const x of xs) shape = broadcastShape(shape, x.shape);
  return g.node('Sum', xs, [{ shape }])[0]!;
}

/** Softmax along one axis (opset 13+: the axis alone is normalised, not everything after it). */
export function softmax(g: Graph, x: Value, axis: number): Value {
  return g.node('Softmax', [x], [{ shape: x.shape }], { axis: int(axis) })[0]!;
}

/** log(softmax(x)) along one axis, computed stably by the runtime (x − max − log Σ exp(x − max)). */
export function logSoftmax(g: Graph, x: Value, axis: number): Value {
  return g.node('LogSoftmax', [x], [{ shape: x.shape }], { axis: int(axis) })[0]!;
}

// ---------------------------------------------------------------- shape manipulation

export function reshape(g: Graph, x: Value, shape: readonly number[]): Value {
  if (numel(shape) !== numel(x.shape)) throw new Error(`reshape [${x.shape}] → [${shape}]`);
  return g.node('Reshape', [x, g.i64(shape, 'shape')], [{ shape, type: x.type }])[0]!;
}

export function transpose(g: Graph, x: Value, perm: readonly number[]): Value {
  return g.node('Transpose', [x], [{ shape: perm.map((p) => x.shape[p]!), type: x.type }], { perm: ints([...perm]) })[0]!;
}

export function concat(g: Graph, xs: Value[], axis: number): Value {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
  return g.node('Concat', xs, [{ shape }], { axis: int(axis) })[0]!;
}

/** Slice with static starts/ends/steps; negative steps flip (used to flip conv kernels). */
export function slice(g: Graph, x: Value, axes: number[], starts: number[], ends: number[], steps?: number[]): Value {
  const shape = [...x.shape];
  const st = steps ?? axes.map(() => 1);
  axes.forEach((ax, i) => {
    const n = x.shape[ax]!;
    const step = st[i]!;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
    if (step > 0) {
      const b = clamp(starts[i]!, 0, n), e = clamp(ends[i]!, 0, n);
      shape[ax] = Math.max(0, Math.ceil((e - b) / step));
    } else {
      const b = clamp(starts[i]!, -1, n - 1), e = ends[i]! < -n ? -1 : clamp(ends[i]!, -1, n - 1);
      shape[ax] = Math.max(0, Math.ceil((b - e) / -step));
    }
  });
  const inputs = [x, g.i64(starts, 'starts'), g.i64(ends, 'ends'), g.i64(axes, 'axes'), g.i64(st, 'steps')];
  return g.node('Slice', inputs, [{ shape, type: x.type }])[0]!;
}

/** Constant zero padding; `pads` in ONNX order (all begins, then all ends), may be negative (crop). */
export function pad(g: Graph, x: Value, pads: number[], value = 0): Value {
  const r = x.shape.length;
  const shape = x.shape.map((d, i) => d + pads[i]! + pads[i + r]!);
  return g.node('Pad', [x, g.i64(pads, 'pads'), g.scalar(value, 'pad_value')], [{ shape }], { mode: str('constant') })[0]!;
}

export function unsqueeze(g: Graph, x: Value, axes: number[]): Value {
  const shape = [...x.shape];
  for (const a of [...axes].sort((p, q) => p - q)) shape.splice(a, 0, 1);
  return reshape(g, x, shape);
}

export function expand(g: Graph, x: Value, shape: readonly number[]): Value {
  return g.node('Expand', [x, g.i64(shape, 'shape')], [{ shape: broadcastShape(x.shape, shape) }])[0]!;
}

// ---------------------------------------------------------------- reductions

function reducedShape(shape: readonly number[], axes: number[], keepdims: boolean): number[] {
  const norm = axes.map((a) => (a < 0 ? a + shape.length : a));
  return keepdims ? shape.map((d, i) => (norm.includes(i) ? 1 : d)) : shape.filter((_, i) => !norm.includes(i));
}

export function reduceSum(g: Graph, x: Value, axes: number[], keepdims = true): Value {
  return g.node('ReduceSum', [x, g.i64(axes, 'axes')], [{ shape: reducedShape(x.shape, axes, keepdims) }],
    { keepdims: int(keepdims ? 1 : 0) })[0]!;
}

/** opset 17: ReduceMean still takes axes as an attribute. */
export function reduceMean(g: Graph, x: Value, axes: number[], keepdims = true): Value {
  return g.node('ReduceMean', [x], [{ shape: reducedShape(x.shape, axes, keepdims) }],
    { axes: ints(axes), keepdims: int(keepdims ? 1 : 0) })[0]!;
}

export function sumAll(g: Graph, x: Value): Value {
  return reduceSum(g, x, x.shape.map((_, i) => i), false);
}

// ---------------------------------------------------------------- convolution and friends

export function conv(g: Graph, x: Value, w: Value, b: Value | undefined, attrs: ConvAttrs = {}): Value {
  const r = x.shape.length - 2;
  const { strides, pads, dilations } = convGeometry(r, attrs);
  if (w.shape[1] !== x.shape[1]) throw new Error(`conv: input has ${x.shape[1]} channels, weight expects ${w.shape[1]}`);
  const spatial = x.shape.slice(2).map((d, i) => convOutSize(d, w.shape[2 + i]!, strides[i]!, pads[i]!, pads[i + r]!, dilations[i]!));
  if (spatial.some((d) => d <= 0)) throw new Error(`conv: input [${x.shape}] too small for kernel [${w.shape}]`);
  return g.node('Conv', b ? [x, w, b] : [x, w], [{ shape: [x.shape[0]!, w.shape[0]!, ...spatial] }],
    { strides: ints(strides), pads: ints(pads), dilations: ints(dilations), group: int(1) })[0]!;
}

export interface ConvTransposeAttrs extends ConvAttrs { outputPadding?: number[] }

export function convTranspose(g: Graph, x: Value, w: Value, b: Value | undefined, attrs: ConvTransposeAttrs = {}): Value {
  const r = x.shape.length - 2;
  const { strides, pads, dilations } = convGeometry(r, attrs);
  const op = attrs.outputPadding ?? new Array(r).fill(0);
  if (w.shape[0] !== x.shape[1]) throw new Error(`convTranspose: input has ${x.shape[1]} channels, weight expects ${w.shape[0]}`);
  const spatial = x.shape.slice(2).map((d, i) =>
    strides[i]! * (d - 1) + op[i]! + dilations[i]! * (w.shape[2 + i]! - 1) + 1 - pads[i]! - pads[i + r]!);
  return g.node('ConvTranspose', b ? [x, w, b] : [x, w], [{ shape: [x.shape[0]!, w.shape[1]!, ...spatial] }],
    { strides: ints(strides), pads: ints(pads), dilations: ints(dilations), output_padding: ints(op), group: int(1) })[0]!;
}

export function instanceNorm(g: Graph, x: Value, scale: Value, bias: Value, epsilon = 1e-5): Value {
  return g.node('InstanceNormalization', [x, scale, bias], [{ shape: x.shape }], { epsilon: float(epsilon) })[0]!;
}

export function maxPool(g: Graph, x: Value, kernel: number[], strides?: number[], pads?: number[]): Value {
  const r = x.shape.length - 2;
  const s = strides ?? kernel;
  const p = pads ?? new Array(2 * r).fill(0);
  const spatial = x.shape.slice(2).map((d, i) => convOutSize(d, kernel[i]!, s[i]!, p[i]!, p[i + r]!, 1));
  return g.node('MaxPool', [x], [{ shape: [x.shape[0]!, x.shape[1]!, ...spatial] }],
    { kernel_shape: ints(kernel), strides: ints(s), pads: ints(p) })[0]!;
}

/** Resize by integer factors on the spatial axes; 'nearest' or '(bi/tri)linear' (half-pixel). */
export function resize(g: Graph, x: Value, factors: number[], mode: 'nearest' | 'linear'): Value {
  const scales = Float32Array.from([1, 1, ...factors]);
  const shape = x.shape.map((d, i) => d * scales[i]!);
  const attrs: Record<string, Attr> = mode === 'nearest'
    ? { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') }
    : { mode: str('linear'), coordinate_transformation_mode: str('half_pixel') };
  return g.node('Resize', [x, undefined, g.constant(scales, [scales.length], 'scales')], [{ shape }], attrs)[0]!;
}

export function matmul(g: Graph, a: Value, b: Value): Value {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
    throw new Error(`matmul supports 2-D [m,k]×[k,n], got [${a.shape}]×[${b.shape}]`);
  }
  return g.node('MatMul', [a, b], [{ shape: [a.shape[0]!, b.shape[1]!] }])[0]!;
}

/** Y = alpha·op(A)·op(B) + beta·C */
export function gemm(g: Graph, a: Value, b: Value, c: Value | undefined,
  opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {}): Value {
  const m = opts.transA ? a.shape[1]! : a.shape[0]!;
  const n = opts.transB ? b.shape[0]! : b.shape[1]!;
  return g.node('Gemm', c ? [a, b, c] : [a, b], [{ shape: [m, n] }], {
    transA: int(opts.transA ? 1 : 0), transB: int(opts.transB ? 1 : 0),
    alpha: float(opts.alpha ?? 1), beta: float(opts.beta ?? 1),
  })[0]!;
}
