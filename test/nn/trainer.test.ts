import { describe, it, expect } from 'vitest';
import { Tensor } from 'onnxruntime-common';
import { Graph } from '../../src-shared/nn/graph.ts';
import * as op from '../../src-shared/nn/ops.ts';
import { differentiate } from '../../src-shared/nn/autodiff.ts';
import { buildOptimizer, stepScalars, type OptimizerConfig } from '../../src-shared/nn/optim.ts';
import { serializeGraph } from '../../src-shared/nn/onnx-io.ts';
import { Trainer, type TrainerConfig } from '../../src-shared/nn/trainer.ts';
import { exportOnnxModel, importOnnxModel } from '../../src-shared/nn/model-file.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';
import { createRuntime } from '../../src-main/runtime.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });

describe('optimizers as graph nodes', () => {
  // loss = Σ c·p + ½ Σ p² has gradient c + p: a reference in plain JS follows the same updates.
  async function run(cfg: OptimizerConfig, lr: number, steps: number) {
    const c = Float32Array.from([0.5, -2, 3, 0.01]);
    const g = new Graph();
    const p = g.input('p', [4]);
    const loss = op.add(g, op.sumAll(g, op.mul(g, p, g.constant(c, [4]))), op.mul(g, op.sumAll(g, op.mul(g, p, p)), g.scalar(0.5)));
    const opt = buildOptimizer(g, [p], differentiate(g, loss, [p]), cfg);
    g.output(opt.newParams.get('p')!);
    for (const s of opt.state) s.outputs.forEach((o) => g.output(o));
    const session = await runtime.factory(serializeGraph(g));
    let pv: Float32Array = Float32Array.from([1, 1, -1, 0.2]);
    let state: Float32Array[] = opt.state[0]!.inputs.map(() => new Float32Array(4));
    const ref = { p: Float64Array.from(pv), m: new Float64Array(4), v: new Float64Array(4) };
    const b1 = cfg.beta1 ?? 0.9, b2 = cfg.beta2 ?? 0.999, mu = cfg.momentum ?? 0.9, wd = cfg.weightDecay ?? (cfg.kind === 'adamw' ? 0.01 : 0);
    const w0 = cfg.anchor?.weights.get('p'), aw = cfg.anchor?.weight ?? 0;
    for (let t = 1; t <= steps; t++) {
      const scalars = stepScalars(cfg, lr, t);
      const feeds: Record<string, Tensor> = { p: new Tensor('float32', pv, [4]) };
      opt.scalars.forEach((s, i) => { feeds[s.name] = new Tensor('float32', Float32Array.of(scalars[i]!), []); });
      opt.state[0]!.inputs.forEach((s, i) => { feeds[s.name] = new Tensor('float32', state[i]!, [4]); });
      const out = await session.run(feeds);
      pv = out[opt.newParams.get('p')!.name]!.data as Float32Array;
      state = opt.state[0]!.outputs.map((o) => out[o.name]!.data as Float32Array);
      for (let i = 0; i < 4; i++) {
        let grad = c[i]! + ref.p[i]!;
        if (w0) grad += aw * (ref.p[i]! - w0[i]!); // L2-SP: the pull back to the starting weights
        if (cfg.kind === 'sgd') {
          grad += wd * ref.p[i]!;
          ref.m[i] = mu * ref.m[i]! + grad;
          ref.p[i] = ref.p[i]! - lr * ref.m[i]!;
        } else {
          if (cfg.kind === 'adam') grad += wd * ref.p[i]!;
          ref.m[i] = b1 * ref.m[i]! + (1 - b1) * grad;
          ref.v[i] = b2 * ref.v[i]! + (1 - b2) * grad * grad;
          const mhat = ref.m[i]! / (1 - b1 ** t), vhat = ref.v[i]! / (1 - b2 ** t);
          const decayed = cfg.kind === 'adamw' ? ref.p[i]! * (1 - lr * wd) : ref.p[i]!;
          ref.p[i] = decayed - lr * mhat / (Math.sqrt(vhat) + (cfg.eps ?? 1e-8) * Math.sqrt(1 - b2 ** t));
        }
      }
    }
    await session.release();
    return { got: pv, want: ref.p };
  }
  const anchor = { weights: new Map([['p', Float32Array.from([4, -3, 2, 1])]]), weight: 0.7 };
  for (const cfg of [{ kind: 'sgd', momentum: 0.9 }, { kind: 'sgd', momentum: 0.5, weightDecay: 0.1 }, { kind: 'adam' }, { kind: 'adamw', weightDecay: 0.1 },
    { kind: 'sgd', momentum: 0.9, anchor }, { kind: 'adam', anchor }] as OptimizerConfig[]) {
    it(`${cfg.kind} ${JSON.stringify({ ...cfg, anchor: cfg.anchor && 'L2-SP' })} matches the reference update over 5 steps`, async () => {
      const { got, want } = await run(cfg, 0.05, 5);
      for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(want[i]!, 4);
    });
  }
});

function blobBatch(shape: number[], seed: number) {
  const n = shape.reduce((a, b) => a * b);
  const rand = seededRandom(seed);
  const [, , d, h, w] = shape;
  const image = new Float32Array(n), target = new Float32Array(n), weight = new Float32Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    const x = i % w!, y = Math.floor(i / w!) % h!, z = Math.floor(i / (w! * h!)) % d!;
    const inside = (x - 4) ** 2 + (y - 4) ** 2 + (z - 4) ** 2 < 9;
    target[i] = inside ? 1 : 0;
    image[i] = (inside ? 1 : 0) + 0.3 * (rand() - 0.5);
  }
  return { image, target, weight };
}

const tiny: TrainerConfig = {
  model: { dims: 3, inChannels: 1, outChannels: 1, channels: [4, 8], norm: 'instance' },
  batchShape: [1, 1, 8, 8, 8], loss: 'bce+dice', optimizer: { kind: 'adam' }, seed: 3,
};

describe('Trainer', () => {
  it('loss decreases on a tiny 3D problem', async () => {
    const t = await Trainer.create(tiny, runtime.factory);
    const batch = blobBatch(tiny.batchShape, 1);
    const first = await t.step(batch, 1e-2);
    let last = first;
    for (let i = 0; i < 40; i++) last = await t.step(batch, 1e-2);
    expect(last).toBeLessThan(first * 0.5);
    await t.release();
  });

  it('frozen parameters stay bit-identical while the others move', async () => {
    const t = await Trainer.create({ ...tiny, frozen: ['enc.*'] }, runtime.factory);
    const before = t.parameters();
    const batch = blobBatch(tiny.batchShape, 2);
    for (let i = 0; i < 3; i++) await t.step(batch, 1e-2);
    const after = t.parameters();
    for (const [name, v] of before) {
      if (name.startsWith('enc.')) expect(Buffer.from(after.get(name)!.buffer).equals(Buffer.from(v.buffer))).toBe(true);
    }
    expect(after.get('dec.0.conv1.weight')).not.toEqual(before.get('dec.0.conv1.weight'));
    await t.release();
  });

  it('zero-weight voxels contribute nothing to the gradient', async () => {
    const batch = blobBatch(tiny.batchShape, 4);
    const masked = { ...batch, weight: batch.weight.map((_, i) => (i < 256 ? 1 : 0)) };
    const scrambled = { ...masked, target: masked.target.map((v, i) => (i < 256 ? v : 1 - v)) };
    const a = await Trainer.create(tiny, runtime.factory);
    const b = await Trainer.create(tiny, runtime.factory);
    await a.step(masked, 1e-2);
    await b.step(scrambled, 1e-2);
    expect(b.parameters().get('head.weight')).toEqual(a.parameters().get('head.weight'));
    await a.release(); await b.release();
  });

  it('a checkpoint resumes training exactly', async () => {
    const batch = blobBatch(tiny.batchShape, 5);
    const a = await Trainer.create(tiny, runtime.factory);
    for (let i = 0; i < 3; i++) await a.step(batch, 1e-2);
    const ckpt = a.saveCheckpoint();
    const b = await Trainer.create({ ...tiny, seed: 99 }, runtime.factory);
    b.loadCheckpoint(ckpt);
    expect(await b.step(batch, 1e-2)).toBe(await a.step(batch, 1e-2));
    expect(b.parameters()).toEqual(a.parameters());
    await a.release(); await b.release();
  });

  it('exports a standard ONNX model that reproduces the trained network and reads back', async () => {
    const t = await Trainer.create(tiny, runtime.factory);
    const batch = blobBatch(tiny.batchShape, 6);
    for (let i = 0; i < 20; i++) await t.step(batch, 1e-2);
    const bytes = exportOnnxModel({ config: tiny.model, params: t.parameters(), provenance: { strategy: 'test' } }, tiny.batchShape);
    const session = await runtime.factory(bytes);
    expect(session.inputNames).toEqual(['image']);
    const out = await session.run({ image: new Tensor('float32', batch.image, tiny.batchShape) });
    const prob = out[session.outputNames[0]!]!.data as Float32Array;
    let correct = 0;
    prob.forEach((p, i) => { if ((p > 0.5 ? 1 : 0) === batch.target[i]) correct++; });
    expect(correct / prob.length).toBeGreaterThan(0.95);
    const back = importOnnxModel(bytes);
    expect(back.config).toEqual(tiny.model);
    expect(back.params).toEqual(t.parameters());
    expect(back.provenance).toEqual({ strategy: 'test' });
    await session.release(); await t.release();
  });
});

/** Two cubes in one 8³ volume: class 1 bright, class 2 dark, class 0 the noisy middle grey; target = class index. */
function threeClassBatch(shape: number[], seed: number) {
  const n = shape.reduce((a, b) => a * b);
  const rand = seededRandom(seed);
  const [, , d, h, w] = shape;
  const image = new Float32Array(n), target = new Float32Array(n), weight = new Float32Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    const x = i % w!, y = Math.floor(i / w!) % h!, z = Math.floor(i / (w! * h!)) % d!;
    const k = x < 4 && y < 4 && z >= 2 && z < 6 ? 1 : x >= 4 && y >= 4 && z < 4 ? 2 : 0;
    target[i] = k;
    image[i] = [0, 1, -1][k]! + 0.3 * (rand() - 0.5);
  }
  return { image, target, weight };
}

describe('multi-class Trainer (softmax)', () => {
  const three: TrainerConfig = { ...tiny, model: { ...tiny.model, outChannels: 3 } };

  it('takes one target channel of class indices, learns all three classes, and exports a softmax model with its classes', async () => {
    const t = await Trainer.create(three, runtime.factory);
    const batch = threeClassBatch(three.batchShape, 1);
    const first = await t.step(batch, 1e-2);
    let last = first;
    for (let i = 0; i < 40; i++) last = await t.step(batch, 1e-2);
    expect(last).toBeLessThan(first * 0.5);
    const bytes = exportOnnxModel({ config: three.model, params: t.parameters(), classes: [1, 3, 7], provenance: {} }, three.batchShape);
    const session = await runtime.factory(bytes);
    const prob = (await session.run({ image: new Tensor('float32', batch.image, three.batchShape) }))[session.outputNames[0]!]!.data as Float32Array;
    await session.release();
    const S = 512;
    let correct = 0;
    for (let i = 0; i < S; i++) {
      const p = [0, 1, 2].map((k) => prob[k * S + i]!);
      expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 5); // softmax over the channel axis
      if (p.indexOf(Math.max(...p)) === batch.target[i]) correct++;
    }
    expect(correct / S).toBeGreaterThan(0.95);
    const back = importOnnxModel(bytes);
    expect(back.classes).toEqual([1, 3, 7]);
    expect(back.config.outChannels).toBe(3);
    await t.release();
  });

  it('zero-weight voxels contribute nothing to the gradient (cross-entropy + multi-class Dice)', async () => {
    const batch = threeClassBatch(three.batchShape, 4);
    const masked = { ...batch, weight: batch.weight.map((_, i) => (i < 256 ? 1 : 0)) };
    const scrambled = { ...masked, target: masked.target.map((v, i) => (i < 256 ? v : (v + 1) % 3)) };
    const a = await Trainer.create(three, runtime.factory);
    const b = await Trainer.create(three, runtime.factory);
    await a.step(masked, 1e-2);
    await b.step(scrambled, 1e-2);
    expect(b.parameters().get('head.weight')).toEqual(a.parameters().get('head.weight'));
    await a.release(); await b.release();
  });
});

describe('GraphTrainer', () => {
  it('trains any objective: least squares through Gemm recovers the true weights', async () => {
    const { GraphTrainer } = await import('../../src-shared/nn/graph-trainer.ts');
    const rand = seededRandom(11);
    const [n, k] = [64, 3];
    const trueW = [0.5, -1.5, 2];
    const x = Float32Array.from({ length: n * k }, () => rand() * 2 - 1);
    const y = Float32Array.from({ length: n }, (_, i) => trueW.reduce((s, w, j) => s + w * x[i * k + j]!, 0.25));
    const t = await GraphTrainer.create({
      optimizer: { kind: 'adam' }, seed: 1,
      objective: (g, ps) => {
        const xs = g.input('x', [n, k]), ys = g.input('y', [n, 1]);
        const w = ps.param('w', [k, 1], { kind: 'he', fanIn: k }), b = ps.param('b', [1], { kind: 'zeros' });
        const d = op.sub(g, op.gemm(g, xs, w, b), ys);
        return op.reduceMean(g, op.mul(g, d, d), [0, 1], false);
      },
    }, runtime.factory);
    expect(t.dataInputs.map((v) => v.name)).toEqual(['x', 'y']);
    for (let i = 0; i < 600; i++) await t.step({ x, y }, 0.05);
    const w = t.parameters().get('w')!;
    trueW.forEach((v, j) => expect(w[j]).toBeCloseTo(v, 2));
    expect(t.parameters().get('b')![0]).toBeCloseTo(0.25, 2);
    await expect(t.step({ x }, 0.05)).rejects.toThrow(/needs 'y'/);
    await t.release();
  });
});
