// THE table of gradient rules: op type → the input gradients, built from standard ONNX ops only
// (default domain), so a training graph runs on any execution provider. Adding an op is one entry.
//
// A rule receives the forward node, the gradient of its output, and which inputs need a gradient
// (so e.g. the input-gradient Conv of a network's first layer is never built).
import { Graph, type Node, type Value, numel } from './graph.ts';
import * as op from './ops.ts';
import { convInputGrad, convWeightGrad, convBiasGrad } from './conv-grad.ts';

export type GradRule = (g: Graph, node: Node, dy: Value, needs: readonly boolean[]) => (Value | undefined)[];

const input = (g: Graph, n: Node, i: number): Value => g.value(n.inputs[i]!);
const output = (g: Graph, n: Node): Value => g.value(n.outputs[0]!);
const intsAttr = (n: Node, k: string): number[] | undefined => {
  const a = n.attrs[k];
  return a && a.kind === 'ints' ? a.value : undefined;
};
const numAttr = (n: Node, k: string, fallback: number): number => {
  const a = n.attrs[k];
  return a && (a.kind === 'int' || a.kind === 'float') ? a.value : fallback;
};
const constInts = (g: Graph, n: Node, i: number): number[] => {
  const data = g.constData(input(g, n, i));
  if (!data) throw new Error(`${n.op}: input ${i} must be a constant to differentiate`);
  return Array.from(data as BigInt64Array, Number);
};

/** Sum a broadcast gradient back down to the shape of the operand that was broadcast. */
export function unbroadcast(g: Graph, grad: Value, shape: readonly number[]): Value {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const lead = grad.shape.length - shape.length;
  const axes: number[] = [];
  grad.shape.forEach((d, i) => { if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i); });
  const reduced = axes.length ? op.reduceSum(g, grad, axes, true) : grad;
  return op.reshape(g, reduced, shape);
}

const zero = (g: Graph) => g.scalar(0, 'zero');

/** Linear ×2 half-pixel upsampling's adjoint along one axis (borders clamp in the forward pass). */
function linearUpsampleAdjoint1d(g: Graph, dy: Value, axis: number): Value {
  const n = dy.shape[axis]! / 2;
  const split = [...dy.shape.slice(0, axis), n, 2, ...dy.shape.slice(axis + 1)];
  const pairs = op.reshape(g, dy, split);
  const pick = (k: number) => op.reshape(g, op.slice(g, pairs, [axis + 1], [k], [k + 1]),
    [...dy.shape.slice(0, axis), n, ...dy.shape.slice(axis + 1)]);
  const even = pick(0), odd = pick(1);
  const centre = op.mul(g, op.add(g, even, odd), g.scalar(0.75));
  if (n === 1) return op.add(g, even, odd);
  const r = dy.shape.length;
  const padAt = (x: Value, begin: boolean) => {
    const p = new Array(2 * r).fill(0);
    p[begin ? axis : axis + r] = 1;
    return op.pad(g, x, p);
  };
  const s = (x: Value, a: number, b: number) => op.slice(g, x, [axis], [a], [b]);
  // even[i] fed x[max(i-1,0)]: its share lands one step left, and even[0]'s on x[0] as well.
  const left = padAt(op.concat(g, [op.add(g, s(even, 0, 1), s(even, 1, 2)), ...(n > 2 ? [s(even, 2, n)] : [])], axis), false);
  // odd[i] fed x[min(i+1,n-1)]: its share lands one step right, and odd[n-1]'s on x[n-1] as well.
  const right = padAt(op.concat(g, [...(n > 2 ? [s(odd, 0, n - 2)] : []), op.add(g, s(odd, n - 2, n - 1), s(odd, n - 1, n))], axis), true);
  return op.add(g, centre, op.mul(g, op.add(g, left, right), g.scalar(0.25)));
}

export const GRADIENT_RULES: Record<string, GradRule> = {
  Identity: (_g, _n, dy) => [dy],
  Neg: (g, _n, dy) => [op.neg(g, dy)],
  Add: (g, n, dy) => [unbroadcast(g, dy, input(g, n, 0).shape), unbroadcast(g, dy, input(g, n, 1).shape)],
  Sub: (g, n, dy, needs) => [unbroadcast(g, dy, input(g, n, 0).shape),
    needs[1] ? unbroadcast(g, op.neg(g, dy), input(g, n, 1).shape) : undefined],
  Mul: (g, n, dy, needs) => [
    needs[0] ? unbroadcast(g, op.mul(g, dy, input(g, n, 1)), input(g, n, 0).shape) : undefined,
    needs[1] ? unbroadcast(g, op.mul(g, dy, input(g, n, 0)), input(g, n, 1).shape) : undefined],
  Div: (g, n, dy, needs) => [
    needs[0] ? unbroadcast(g, op.div(g, dy, input(g, n, 1)), input(g, n, 0).shape) : undefined,
    needs[1] ? unbroadcast(g, op.neg(g, op.div(g, op.mul(g, dy, output(g, n)), input(g, n, 1))), input(g, n, 1).shape) : undefined],
  Sum: (g, n, dy) => n.inputs.map((_, i) => unbroadcast(g, dy, input(g, n, i).shape)),

  Relu: (g, n, dy) => [op.where(g, op.greater(g, output(g, n), zero(g)), dy, zero(g))],
  LeakyRelu: (g, n, dy) => [op.where(g, op.greater(g, input(g, n, 0), zero(g)), dy,
    op.mul(g, dy, g.scalar(numAttr(n, 'alpha', 0.01))))],
  Sigmoid: (g, n, dy) => {
    const y = output(g, n);
    return [op.mul(g, dy, op.mul(g, y, op.sub(g, g.scalar(1), y)))];
  },
  // y = softmax(x): x̄ = y ⊙ (ȳ − Σ_axis ȳ ⊙ y)
  Softmax: (g, n, dy) => {
    const y = output(g, n);
    const axis = numAttr(n, 'axis', -1);
    return [op.mul(g, y, op.sub(g, dy, op.reduceSum(g, op.mul(g, dy, y), [axis], true)))];
  },
  // y = log softmax(x): x̄ = ȳ − softmax(x) ⊙ Σ_axis ȳ, with softmax(x) = exp(y) (y ≤ 0, so exp never overflows)
  LogSoftmax: (g, n, dy) => {
    const axis = numAttr(n, 'axis', -1);
    return [op.sub(g, dy, op.mul(g, op.exp(g, output(g, n)), op.reduceSum(g, dy, [axis], true)))];
  },
  Tanh: (g, n, dy) => { const y = output(g, n); return [op.mul(g, dy, op.sub(g, g.scalar(1), op.mul(g, y, y)))]; },
  Softplus: (g, n, dy) => [op.mul(g, dy, op.sigmoid(g, input(g, n, 0)))],
  Exp: (g, n, dy) => [op.mul(g, dy, output(g, n))],
  Log: (g, n, dy) => [op.div(g, dy, input(g, n, 0))],
  Sqrt: (g, n, dy) => [op.div(g, dy, op.mul(g, output(g, n), g.scalar(2)))],
  Reciprocal: (g, n, dy) => { const y = output(g, n); return [op.neg(g, op.mul(g, dy, op.mul(g, y, y)))]; },
  Abs: (g, n, dy) => [op.where(g, op.less(g, input(g, n, 0), zero(g)), op.neg(g, dy), dy)],
  Where: (g, n, dy, needs) => {
    const c = input(g, n, 0);
    return [undefined,
      needs[1] ? unbroadcast(g, op.where(g, c, dy, zero(g)), input(g, n, 1).shape) : undefined,
      needs[2] ? unbroadcast(g, op.where(g, c, zero(g), dy), input(g, n, 2).shape) : undefined];
  },
  Cast: (g, n, dy) => [input(g, n, 0).type === 'float32' ? op.cast(g, dy, 'float32') : undefined],

  Reshape: (g, n, dy) => [op.reshape(g, dy, input(g, n, 0).shape)],
  Expand: (g, n, dy) => [unbroadcast(g, dy, input(g, n, 0).shape)],
  Transpose: (g, n, dy) => {
    const perm = intsAttr(n, 'perm')!;
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [op.transpose(g, dy, inverse)];
  },
  Concat: (g, n, dy, needs) => {
    const axis = numAttr(n, 'axis', 0);
    let start = 0;
    return n.inputs.map((_, i) => {
      const len = input(g, n, i).shape[axis]!;
      const piece = needs[i] ? op.slice(g, dy, [axis], [start], [start + len]) : undefined;
      start += len;
      return piece;
    });
  },
  Slice: (g, n, dy) => {
    const x = input(g, n, 0);
    const [starts, ends, axes, steps] = [1, 2, 3, 4].map((i) => constInts(g, n, i));
    const r = x.shape.length;
    const pads = new Array(2 * r).fill(0);
    let grad = dy;
    axes!.forEach((a, i) => {
      const len = x.shape[a]!;
      const step = steps![i]!;
      if (Math.abs(step) !== 1) throw new Error('Slice gradient supports steps of ±1');
      const norm = (v: number) => Math.min(Math.max(v < 0 ? v + len : v, -1), len);
      if (step === 1) {
        const b = Math.max(norm(starts![i]!), 0);
        pads[a] = b;
        pads[a + r] = len - b - dy.shape[a]!;
      } else {
        // a reversed slice: reverse the gradient back, then place it
        grad = op.slice(g, grad, [a], [-1], [-(dy.shape[a]!) - 1], [-1]);
        const first = Math.min(norm(starts![i]!), len - 1); // highest index taken
        pads[a] = first - dy.shape[a]! + 1;
        pads[a + r] = len - 1 - first;
      }
    });
    return [op.pad(g, grad, pads)];
  },
  Pad: (g, n, dy) => [op.pad(g, dy, constInts(g, n, 1).map((p) => -p))],

  ReduceSum: (g, n, dy) => {
    const x = input(g, n, 0);
    const axes = constInts(g, n, 1).map((a) => (a < 0 ? a + x.shape.length : a));
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return [op.expand(g, op.reshape(g, dy, kept), x.shape)];
  },
  ReduceMean: (g, n, dy) => {
    const x = input(g, n, 0);
    const axes = intsAttr(n, 'axes')!.map((a) => (a < 0 ? a + x.shape.length : a));
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const scale = g.scalar(numel(kept) / numel(x.shape));
    return [op.expand(g, op.reshape(g, op.mul(g, dy, scale), kept), x.shape)];
  },

  Conv: (g, n, dy, needs) => {
    const [x, w] = [input(g, n, 0), input(g, n, 1)];
    const geo = { strides: intsAttr(n, 'strides')!, pads: intsAttr(n, 'pads')!, dilations: intsAttr(n, 'dilations')! };
    return [
      needs[0] ? convInputGrad(g, dy, w, x.shape, geo) : undefined,
      needs[1] ? convWeightGrad(g, x, dy, w.shape, geo) : undefined,
      n.inputs[2] && needs[2] ? convBiasGrad(g, dy) : undefined,
    ];
  },
  // ConvTranspose is the adjoint of Conv with the same weight: x̄ = Conv(ȳ, W), and W̄ is the
  // weight gradient of that Conv with the roles of input and output gradient swapped.
  ConvTranspose: (g, n, dy, needs) => {
    const [x, w] = [input(g, n, 0), input(g, n, 1)];
    const geo = { strides: intsAttr(n, 'strides')!, pads: intsAttr(n, 'pads')!, dilations: intsAttr(n, 'dilations')! };
    return [
      needs[0] ? op.conv(g, dy, w, undefined, geo) : undefined,
      needs[1] ? convWeightGrad(g, dy, x, w.shape, geo) : undefined,
      n.inputs[2] && needs[2] ? convBiasGrad(g, dy) : undefined,
    ];
  },
  InstanceNormalization: (g, n, dy, needs) => {
    const [x, scale] = [input(g, n, 0), input(g, n, 1)];
    const eps = numAttr(n, 'epsilon', 1e-5);
    const spatial = x.shape.map((_, i) => i).slice(2);
    const perChannel = [x.shape[1]!, ...spatial.map(() => 1)];
    // recompute x̂ from x: cheaper than keeping the statistics as extra graph outputs
    const centred = op.sub(g, x, op.reduceMean(g, x, spatial));
    const invStd = op.reciprocal(g, op.sqrt(g, op.add(g, op.reduceMean(g, op.mul(g, centred, centred), spatial), g.scalar(eps))));
    const xhat = op.mul(g, centred, invStd);
    const batchAndSpatial = [0, ...spatial];
    let dx: Value | undefined;
    if (needs[0]) {
      const dxhat = op.mul(g, dy, op.reshape(g, scale, perChannel));
      const meanD = op.reduceMean(g, dxhat, spatial);
      const meanDX = op.reduceMean(g, op.mul(g, dxhat, xhat), spatial);
      dx = op.mul(g, invStd, op.sub(g, op.sub(g, dxhat, meanD), op.mul(g, xhat, meanDX)));
    }
    return [dx,
      needs[1] ? op.reduceSum(g, op.mul(g, dy, xhat), batchAndSpatial, false) : undefined,
      needs[2] ? op.reduceSum(g, dy, batchAndSpatial, false) : undefined];
  },
  MaxPool: (g, n, dy) => {
    const x = input(g, n, 0);
    const k = intsAttr(n, 'kernel_shape')!, s = intsAttr(n, 'strides')!, p = intsAttr(n, 'pads') ?? [];
    if (k.some((v, i) => v !== s[i] || x.shape[2 + i]! % v !== 0) || p.some((v) => v !== 0)) {
      throw new Error('MaxPool gradient supports non-overlapping windows (kernel = stride, no padding, divisible size)');
    }
    // route the gradient to the position(s) that held the maximum
    const up = (v: Value) => op.resize(g, v, k, 'nearest');
    const isMax = g.node('Equal', [x, up(output(g, n))], [{ shape: x.shape, type: 'bool' }])[0]!;
    return [op.where(g, isMax, up(dy), zero(g))];
  },
  Resize: (g, n, dy) => {
    const x = input(g, n, 0);
    const factors = x.shape.slice(2).map((d, i) => dy.shape[2 + i]! / d);
    const mode = n.attrs.mode?.kind === 'string' ? n.attrs.mode.value : 'nearest';
    if (factors.some((f) => f !== 1 && f !== 2 && mode === 'linear') || factors.some((f) => !Number.isInteger(f))) {
      throw new Error('Resize gradient supports integer factors (nearest) and ×2 (linear)');
    }
    if (mode === 'linear') {
      let grad = dy;
      factors.forEach((f, i) => { if (f === 2) grad = linearUpsampleAdjoint1d(g, grad, 2 + i); });
      return [grad];
    }
    // nearest: each input voxel fed a block of f₁×f₂×… outputs; sum the block
    const split: number[] = [x.shape[0]!, x.shape[1]!];
    x.shape.slice(2).forEach((d, i) => split.push(d, factors[i]!));
    const blockAxes = factors.map((_, i) => 3 + 2 * i);
    return [op.reshape(g, op.reduceSum(g, op.reshape(g, dy, split), blockAxes, false), x.shape)];
  },
  MatMul: (g, n, dy, needs) => [
    needs[0] ? op.gemm(g, dy, input(g, n, 1), undefined, { transB: true }) : undefined,
    needs[1] ? op.gemm(g, input(g, n, 0), dy, undefined, { transA: true }) : undefined],
  Gemm: (g, n, dy, needs) => {
    const [a, b] = [input(g, n, 0), input(g, n, 1)];
    const tA = numAttr(n, 'transA', 0) === 1, tB = numAttr(n, 'transB', 0) === 1;
    const alpha = numAttr(n, 'alpha', 1), beta = numAttr(n, 'beta', 1);
    const da = !needs[0] ? undefined : tA
      ? op.gemm(g, b, dy, undefined, { transA: tB, transB: true, alpha })
      : op.gemm(g, dy, b, undefined, { transB: !tB, alpha });
    const db = !needs[1] ? undefined : tB
      ? op.gemm(g, dy, a, undefined, { transA: true, transB: tA, alpha })
      : op.gemm(g, a, dy, undefined, { transA: !tA, alpha });
    const dc = n.inputs[2] && needs[2]
      ? unbroadcast(g, beta === 1 ? dy : op.mul(g, dy, g.scalar(beta)), input(g, n, 2).shape) : undefined;
    return [da, db, dc];
  },
};
