import { describe, it, expect } from 'vitest';
import { gradCheck, type InputSpec } from './gradcheck.ts';
import * as op from '../../src-shared/nn/ops.ts';
import { Graph, type Value } from '../../src-shared/nn/graph.ts';
import { bceWithLogits, softDice, mse, softmaxCrossEntropy, multiClassSoftDice } from '../../src-shared/nn/losses.ts';
import { GRADIENT_RULES } from '../../src-shared/nn/gradients.ts';
import { buildUNet, type UNetConfig } from '../../src-shared/nn/unet.ts';
import { ParamScope, seededRandom, initParams } from '../../src-shared/nn/params.ts';

// Tolerance on the relative error of a directional derivative. Float32 central differences land
// around 1e-4..1e-3 here; a wrong rule lands at O(1).
const TOL = 2e-2;

async function expectGradient(build: (g: Graph, xs: Value[]) => Value, specs: InputSpec[], tol = TOL) {
  const r = await gradCheck(build, specs);
  expect(r.checks).toBeGreaterThan(0);
  expect(r.worstRelativeError).toBeLessThan(tol);
}

const x = (...shape: number[]): InputSpec => ({ shape });
const pos = (...shape: number[]): InputSpec => ({ shape, positive: true });

describe('gradient rules: convolution', () => {
  const cases: [string, number[], number[], op.ConvAttrs][] = [
    ['1D k3 pad1', [2, 3, 9], [4, 3, 3], { pads: [1, 1] }],
    ['2D k3 stride1 pad1', [2, 3, 7, 6], [4, 3, 3, 3], { pads: [1, 1, 1, 1] }],
    ['2D k3 stride2 pad1', [2, 3, 8, 7], [4, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['2D k3 dilation2 pad2', [1, 2, 9, 9], [3, 2, 3, 3], { dilations: [2, 2], pads: [2, 2, 2, 2] }],
    ['2D k3 asymmetric pads, no pad', [1, 2, 8, 8], [3, 2, 3, 3], { pads: [0, 1, 1, 0] }],
    ['2D k4 stride3 pad0 (remainder)', [1, 2, 11, 10], [2, 2, 4, 4], { strides: [3, 3] }],
    ['2D k2 stride2', [1, 2, 6, 6], [3, 2, 2, 2], { strides: [2, 2] }],
    ['2D pad larger than reach', [1, 2, 5, 5], [2, 2, 1, 1], { pads: [1, 1, 1, 1] }],
    ['3D k3 stride1 pad1', [2, 2, 5, 6, 5], [3, 2, 3, 3, 3], { pads: [1, 1, 1, 1, 1, 1] }],
    ['3D k3 stride2 pad1', [2, 2, 6, 6, 7], [3, 2, 3, 3, 3], { strides: [2, 2, 2], pads: [1, 1, 1, 1, 1, 1] }],
    ['3D anisotropic stride 1×2×2', [1, 2, 4, 6, 6], [3, 2, 3, 3, 3], { strides: [1, 2, 2], pads: [1, 1, 1, 1, 1, 1] }],
    ['3D k1 (head)', [2, 4, 3, 3, 3], [2, 4, 1, 1, 1], {}],
  ];
  for (const [name, xs, ws, attrs] of cases) {
    it(`Conv ${name}: input, weight and bias`, async () => {
      await expectGradient((g, [a, w, b]) => op.conv(g, a!, w!, b, attrs), [x(...xs), x(...ws), x(ws[0]!)]);
    });
  }

  const tcases: [string, number[], number[], op.ConvTransposeAttrs][] = [
    ['2D k2 stride2', [2, 3, 4, 3], [3, 2, 2, 2], { strides: [2, 2] }],
    ['2D k3 stride2 pad1 outpad1', [1, 2, 4, 4], [2, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] }],
    ['2D k3 stride1 pad1', [1, 2, 5, 5], [2, 2, 3, 3], { pads: [1, 1, 1, 1] }],
    ['3D k2 stride2', [1, 3, 3, 2, 3], [3, 2, 2, 2, 2], { strides: [2, 2, 2] }],
    ['3D anisotropic k(1,2,2) stride (1,2,2)', [2, 2, 3, 3, 3], [2, 2, 1, 2, 2], { strides: [1, 2, 2] }],
  ];
  for (const [name, xs, ws, attrs] of tcases) {
    it(`ConvTranspose ${name}: input, weight and bias`, async () => {
      await expectGradient((g, [a, w, b]) => op.convTranspose(g, a!, w!, b, attrs), [x(...xs), x(...ws), x(ws[1]!)]);
    });
  }
});

describe('gradient rules: normalisation and pooling', () => {
  it('InstanceNormalization 2D', async () => {
    await expectGradient((g, [a, s, b]) => op.instanceNorm(g, a!, s!, b!), [x(2, 3, 5, 4), x(3), x(3)]);
  });
  it('InstanceNormalization 3D', async () => {
    await expectGradient((g, [a, s, b]) => op.instanceNorm(g, a!, s!, b!), [x(2, 2, 3, 4, 3), x(2), x(2)]);
  });
  it('MaxPool 2D and 3D', async () => {
    await expectGradient((g, [a]) => op.maxPool(g, a!, [2, 2]), [x(2, 2, 4, 6)]);
    await expectGradient((g, [a]) => op.maxPool(g, a!, [2, 2, 2]), [x(1, 2, 4, 4, 2)]);
  });
  it('Resize nearest ×2 (2D, 3D) and ×(1,2,2)', async () => {
    await expectGradient((g, [a]) => op.resize(g, a!, [2, 2], 'nearest'), [x(1, 2, 3, 4)]);
    await expectGradient((g, [a]) => op.resize(g, a!, [2, 2, 2], 'nearest'), [x(1, 2, 2, 3, 2)]);
    await expectGradient((g, [a]) => op.resize(g, a!, [1, 2, 2], 'nearest'), [x(1, 1, 2, 3, 3)]);
  });
  it('Resize linear ×2 (2D, 3D, size-1 and size-2 axes)', async () => {
    await expectGradient((g, [a]) => op.resize(g, a!, [2, 2], 'linear'), [x(1, 2, 4, 5)]);
    await expectGradient((g, [a]) => op.resize(g, a!, [2, 2, 2], 'linear'), [x(1, 1, 3, 2, 1)]);
  });
});

describe('gradient rules: elementwise', () => {
  const unaryOps: [string, (g: Graph, v: Value) => Value, boolean][] = [
    ['Relu', op.relu, false], ['LeakyRelu', (g, v) => op.leakyRelu(g, v, 0.1), false], ['Sigmoid', op.sigmoid, false], ['Tanh', op.tanh, false],
    ['Exp', op.exp, false], ['Log', op.log, true], ['Sqrt', op.sqrt, true], ['Softplus', op.softplus, false],
    ['Abs', op.abs, false], ['Neg', op.neg, false], ['Reciprocal', op.reciprocal, true], ['Identity', op.identity, false],
  ];
  for (const [name, f, positive] of unaryOps) {
    it(name, async () => { await expectGradient((g, [a]) => f(g, a!), [positive ? pos(3, 4, 5) : x(3, 4, 5)]); });
  }
  it('Add, Sub, Mul, Div with broadcasting', async () => {
    await expectGradient((g, [a, b]) => op.add(g, a!, b!), [x(2, 3, 4), x(3, 1)]);
    await expectGradient((g, [a, b]) => op.sub(g, a!, b!), [x(4), x(2, 3, 4)]);
    await expectGradient((g, [a, b]) => op.mul(g, a!, b!), [x(2, 1, 4), x(2, 3, 1)]);
    await expectGradient((g, [a, b]) => op.div(g, a!, b!), [x(2, 3, 4), pos(2, 1, 4)]);
  });
  it('Softmax and LogSoftmax over the channel axis and the last axis', async () => {
    await expectGradient((g, [a]) => op.softmax(g, a!, 1), [x(2, 4, 3, 5)]);
    await expectGradient((g, [a]) => op.softmax(g, a!, -1), [x(3, 6)]);
    await expectGradient((g, [a]) => op.logSoftmax(g, a!, 1), [x(2, 4, 3, 5)]);
    await expectGradient((g, [a]) => op.logSoftmax(g, a!, -1), [x(3, 6)]);
  });
  it('LogSoftmax stays exact at logits far from zero (no overflow in the rule)', async () => {
    const big = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => 60 * Math.sin(i * 1.7) + (i % 3 === 0 ? 80 : -40));
    await expectGradient((g, [a]) => op.logSoftmax(g, a!, 1), [{ shape: [2, 3, 4], data: big }]);
  });
  it('Sum, Where, Cast, Expand', async () => {
    await expectGradient((g, [a, b, c]) => op.sum(g, [a!, b!, c!]), [x(3, 4), x(4), x(3, 1)]);
    await expectGradient((g, [a, b, c]) => op.where(g, op.greater(g, c!, g.scalar(0)), a!, b!), [x(3, 4), x(4), { shape: [3, 4], constant: true }]);
    await expectGradient((g, [a]) => op.cast(g, a!, 'float32'), [x(3, 4)]);
    await expectGradient((g, [a]) => op.expand(g, a!, [2, 3, 4]), [x(3, 1)]);
  });
});

describe('gradient rules: shapes and reductions', () => {
  it('Concat, Slice (forward and reversed), Reshape, Transpose', async () => {
    await expectGradient((g, [a, b]) => op.concat(g, [a!, b!], 1), [x(2, 3, 4), x(2, 2, 4)]);
    await expectGradient((g, [a]) => op.slice(g, a!, [1, 2], [1, 0], [3, 3]), [x(2, 4, 5)]);
    await expectGradient((g, [a]) => op.slice(g, a!, [2, 3], [-1, -2], [-4, -6], [-1, -1]), [x(1, 2, 5, 6)]);
    await expectGradient((g, [a]) => op.reshape(g, a!, [6, 4]), [x(2, 3, 4)]);
    await expectGradient((g, [a]) => op.transpose(g, a!, [2, 0, 1]), [x(2, 3, 4)]);
  });
  it('ReduceSum, ReduceMean (keepdims on and off), Pad (grow and crop)', async () => {
    await expectGradient((g, [a]) => op.reduceSum(g, a!, [0, 2], false), [x(2, 3, 4)]);
    await expectGradient((g, [a]) => op.reduceMean(g, a!, [1], true), [x(2, 3, 4)]);
    await expectGradient((g, [a]) => op.pad(g, a!, [0, 1, 2, 0, 2, 1]), [x(2, 3, 4)]);
    await expectGradient((g, [a]) => op.pad(g, a!, [0, -1, 1, 0, 0, -1]), [x(2, 3, 4)]);
  });
  it('Gemm in every transpose combination, with bias; MatMul', async () => {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = tA ? x(4, 3) : x(3, 4);
      const b = tB ? x(5, 4) : x(4, 5);
      await expectGradient((g, [p, q, c]) => op.gemm(g, p!, q!, c, { transA: tA, transB: tB, alpha: 0.7, beta: 1.3 }), [a, b, x(5)]);
    }
    await expectGradient((g, [p, q]) => op.matmul(g, p!, q!), [x(3, 4), x(4, 2)]);
  });
});

describe('losses', () => {
  const target = (shape: number[]): InputSpec => ({ shape, constant: true, data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => (i * 7919) % 3 === 0 ? 1 : 0) });
  const weight = (shape: number[]): InputSpec => ({ shape, constant: true, data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => [0, 1, 0.3][i % 3]!) });
  const s = [2, 1, 4, 5];
  it('BCE with logits, weighted', async () => {
    await expectGradient((g, [l, t, w]) => bceWithLogits(g, l!, t!, w!), [x(...s), target(s), weight(s)]);
  });
  it('soft Dice, weighted', async () => {
    await expectGradient((g, [l, t, w]) => softDice(g, l!, t!, w!), [x(...s), target(s), weight(s)]);
  });
  // K = 3 classes; the target holds class indices 0, 1, 2 in one channel, one-hot inside the graph
  const classTarget = (shape: number[]): InputSpec => ({ shape, constant: true, data: Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => (i * 7919) % 3) });
  const k3 = [2, 3, 4, 5], one = [2, 1, 4, 5];
  it('softmax cross-entropy, weighted (K = 3, 2D and 3D)', async () => {
    await expectGradient((g, [l, t, w]) => softmaxCrossEntropy(g, l!, t!, w!), [x(...k3), classTarget(one), weight(one)]);
    await expectGradient((g, [l, t, w]) => softmaxCrossEntropy(g, l!, t!, w!), [x(1, 3, 2, 3, 4), classTarget([1, 1, 2, 3, 4]), weight([1, 1, 2, 3, 4])]);
  });
  it('multi-class soft Dice, weighted (K = 3, mean over classes ≥ 1)', async () => {
    await expectGradient((g, [l, t, w]) => multiClassSoftDice(g, l!, t!, w!), [x(...k3), classTarget(one), weight(one)]);
  });
  it('MSE, weighted', async () => {
    await expectGradient((g, [l, t, w]) => mse(g, l!, t!, w!), [x(...s), target(s), weight(s)]);
  });
});

describe('the rule table', () => {
  it('covers every op the issue names', () => {
    const required = ['Conv', 'ConvTranspose', 'InstanceNormalization', 'Relu', 'LeakyRelu', 'Sigmoid', 'Add', 'Sub', 'Mul', 'Div',
      'Concat', 'Slice', 'Reshape', 'Transpose', 'ReduceSum', 'ReduceMean', 'Pad', 'Resize', 'MaxPool', 'Gemm', 'MatMul',
      'Exp', 'Log', 'Sqrt', 'Where', 'Cast', 'Softmax', 'LogSoftmax'];
    expect(required.filter((o) => !GRADIENT_RULES[o])).toEqual([]);
  });
});

describe('whole networks', () => {
  // Every parameter of a small U-Net at once, through GroupNorm (as reshaped InstanceNorm) and
  // max-pool down-sampling as well as the default InstanceNorm / strided-conv form.
  const variants: { name: string; input: number[]; cfg: UNetConfig }[] = [
    { name: '2D U-Net, GroupNorm, max-pool', input: [1, 2, 8, 8], cfg: { dims: 2, inChannels: 2, outChannels: 2, channels: [4, 8], norm: 'group', groups: 2, down: 'maxpool' } },
    { name: '3D U-Net, InstanceNorm, strided conv, anisotropic', input: [1, 1, 4, 8, 8], cfg: { dims: 3, inChannels: 1, outChannels: 1, channels: [2, 4], norm: 'instance', downFactors: [[1, 2, 2]] } },
  ];
  for (const v of variants) {
    it(`${v.name}: gradient of every parameter`, async () => {
      const probe = new Graph();
      const specs = buildUNet(probe, probe.input('image', v.input), v.cfg).scope.specs;
      // at He-initialised weights (as training starts), with norm scales and biases jittered off
      // their initial 1 and 0 so that every term of every rule is exercised
      const start = initParams(specs, 5);
      const jitter = seededRandom(5);
      const r = await gradCheck((g, xs) => {
        const bindings = new Map(specs.map((s, i) => [s.name, xs[i + 1]!] as [string, Value]));
        return buildUNet(g, xs[0]!, v.cfg, ParamScope.withBindings(g, bindings)).logits;
      }, [{ shape: v.input, constant: true }, ...specs.map((s) => ({
        shape: s.shape,
        data: s.init.kind === 'he' ? start.get(s.name)! : Float32Array.from(start.get(s.name)!, (v) => v + 0.2 * (jitter() - 0.5)),
      }))], { directions: 6, coordinates: 10, eps: 1e-3 });
      // Thousands of LeakyReLU kinks make a few single checks of a whole network noisy (a step can
      // flip units across a kink), so the typical check must be tight and the worst merely sane;
      // a wrong rule anywhere fails both (verified by breaking the conv flip and the norm rule).
      expect(r.medianRelativeError).toBeLessThan(TOL);
      expect(r.worstRelativeError).toBeLessThan(0.3);
    });
  }
});
