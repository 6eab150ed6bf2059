import { describe, it, expect } from 'vitest';
import { Tensor } from 'onnxruntime-common';
import { Graph } from '../../src-shared/nn/graph.ts';
import { serializeGraph } from '../../src-shared/nn/onnx-io.ts';
import * as op from '../../src-shared/nn/ops.ts';
import {
  trainPixelClassifier, predictPixelClassifier, exportPixelClassifierOnnx, importPixelClassifierOnnx, encodePixelClassifier,
  decodePixelClassifier, appendPixelClassifier, treeEnsembleNodes, pixelClassifierFromGraphNodes, pixelClassifierConfig,
  trainForest, predictForest, appendForest, classifierBlock, pixelClassifierHalo, pixelClassifierPatchModel, treesPerNode, type PixelClassifier,
} from '../../src-shared/classic/index.ts';
import { allotSamples, selectSamples } from '../../src-shared/classic/sampling.ts';
import type { StrategyProgress } from '../../src-shared/train/strategy.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { slidingWindowPredict } from '../../src-shared/infer/sliding-window.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { seededRandom } from '../../src-shared/random.ts';
import { blobs, labelPlanes, diceOf, decode, type Synthetic } from './synthetic.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });
const ctx = { factory: runtime.factory };

/** Dice per class ≥ 2 on the voxels that were not labeled. */
async function heldOutDice(s: Synthetic, model: PixelClassifier): Promise<number[]> {
  const probs = await predictPixelClassifier(runtime.factory, model, s.volume.image, s.volume.shape, s.volume.channels);
  const pred = decode(probs, model.classes, s.truth.length);
  const mask = s.volume.labels.map((l) => (l ? 0 : 1));
  return model.classes.slice(1).map((c) => diceOf(pred, s.truth, c, mask));
}

async function runModel(bytes: Uint8Array, input: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await runtime.factory(bytes);
  try {
    const out = await session.run({ [session.inputNames[0]!]: new Tensor('float32', input, shape) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('random forest', () => {
  it('the ONNX tree ensemble computes exactly what the trees say, binary and multi-class', async () => {
    const rand = seededRandom(5);
    for (const K of [2, 4]) {
      const n = 600, f = 7;
      const X = Float32Array.from({ length: n * f }, () => rand() * 2 - 1);
      const y = Uint8Array.from({ length: n }, (_, i) => Math.max(0, Math.min(K - 1, Math.floor((X[i * f]! + 1.3 + 0.3 * X[i * f + 3]!) * K / 2.6))));
      const { forest, oobAccuracy } = trainForest(X, n, f, y, K, { trees: 12, seed: 3 });
      expect(oobAccuracy).toBeGreaterThan(0.8);
      const g = new Graph();
      g.output(appendForest(g, g.input('rows', [n, f]), forest));
      const onnx = await runModel(serializeGraph(g), X, [n, f]);
      const js = predictForest(forest, X, n);
      const outs = K === 2 ? 1 : K;
      for (let i = 0; i < n; i++) for (let k = 0; k < outs; k++) {
        expect(onnx[i * outs + k]).toBeCloseTo(js[i * K + (K === 2 ? 1 : k)]!, 5);
      }
      // the same seed grows the same forest
      expect(trainForest(X, n, f, y, K, { trees: 12, seed: 3 }).forest).toEqual(forest);
    }
  });

  it('splits halfway across a gap between classes, as strokes leave them, not at the edge of one class', () => {
    // one feature: class 0 painted at 0…1, class 1 at 9…10 (300 samples each, more than the bins)
    const n = 600, rand = seededRandom(2);
    const X = Float32Array.from({ length: n }, (_, i) => (i < 300 ? 0 : 9) + rand());
    const y = Uint8Array.from({ length: n }, (_, i) => (i < 300 ? 0 : 1));
    const { forest } = trainForest(X, n, 1, y, 2, { trees: 20, seed: 1 });
    const p = predictForest(forest, Float32Array.from([3, 4.5, 5.5, 7]), 4);
    expect([p[1]! < 0.5, p[3]! < 0.5, p[5]! > 0.5, p[7]! > 0.5]).toEqual([true, true, true, true]);
    // fine splits among few samples: 256 bins, so neighbouring values 0.01 apart can part
    const m = 200;
    const Xf = Float32Array.from({ length: m }, (_, i) => i * 0.01);
    const yf = Uint8Array.from({ length: m }, (_, i) => (i % 8 < 4 ? 0 : 1));
    const fine = trainForest(Xf, m, 1, yf, 2, { trees: 10, seed: 1 });
    const pf = predictForest(fine.forest, Xf, m);
    let right = 0;
    for (let i = 0; i < m; i++) right += +((pf[i * 2 + 1]! > 0.5) === (yf[i] === 1));
    expect(right / m).toBeGreaterThan(0.9);
  });

  it('keeps rare classes when it subsamples: exact counts, a guaranteed share per class', () => {
    expect(allotSamples([100, 50], 1000)).toEqual([100, 50]);
    const allot = allotSamples([1_000_000, 300, 20_000], 60_000);
    expect(allot.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
    expect(allot[1]).toBe(300); // a rare class keeps every voxel…
    expect(allot[2]).toBeGreaterThanOrEqual(2000); // …and a common one at least its guaranteed share
    expect(allot[0]! / allot[2]!).toBeGreaterThan(15); // otherwise close to the painted 50 : 1
    const labels = [Uint8Array.from({ length: 5000 }, (_, i) => (i % 50 === 0 ? 3 : i % 3 ? 1 : 0)), Uint8Array.from({ length: 3000 }, (_, i) => (i % 7 ? 2 : 1))];
    const table = new Int16Array(256).fill(-1); table[1] = 0; table[2] = 1; table[3] = 2;
    const sel = selectSamples(labels, table, 3, 900, 4);
    expect(sel.kept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(900);
    sel.kept.forEach((k, c) => expect(sel.classes.flatMap((cl) => [...cl]).filter((x) => x === c).length).toBe(k));
    for (const v of sel.voxels) for (let i = 1; i < v.length; i++) expect(v[i]).toBeGreaterThan(v[i - 1]!);
  });
});

describe('pixel classifier', () => {
  it('learns three classes in 3D from two labeled z-slices (Dice ≥ 0.9 on the rest), reporting progress', async () => {
    const s = labelPlanes(blobs([24, 48, 48], 3, 11), 0, [7, 16]);
    const events: StrategyProgress[] = [];
    const { model, report } = await trainPixelClassifier([s.volume], { seed: 1, trees: 40 }, { ...ctx, progress: (p) => events.push(p) });
    expect(model.classes).toEqual([1, 2, 3]);
    expect(model.outChannels).toBe(3);
    expect(model.features.dims).toBe(3);
    expect(events.some((e) => e.phase === 'pixel classifier: features')).toBe(true);
    expect(events.filter((e) => e.phase === 'pixel classifier: trees').at(-1)).toMatchObject({ step: 40, steps: 40 });
    expect(report.featureBoxes).toBe(2 * 1 * 1); // two slices, one cell each: 1-voxel-deep boxes
    for (const d of await heldOutDice(s, model)) expect(d).toBeGreaterThanOrEqual(0.9);
  });

  it('learns three classes in 2D (a single image) and a binary case from labels on x-planes only', async () => {
    const s2 = labelPlanes(blobs([1, 64, 64], 3, 4), 2, [6, 18, 30, 42, 54]);
    const m2 = (await trainPixelClassifier([s2.volume], { seed: 2, trees: 40 }, ctx)).model;
    expect(m2.features.dims).toBe(2);
    for (const d of await heldOutDice(s2, m2)) expect(d).toBeGreaterThanOrEqual(0.9);

    const sx = labelPlanes(blobs([20, 64, 64], 2, 9), 2, [5, 58]);
    const { model, report } = await trainPixelClassifier([sx.volume], { seed: 3, trees: 40, spacing: [2, 1, 1] }, ctx);
    expect(model.outChannels).toBe(1);
    expect(report.featureBoxes).toBe(2 * 2); // two far-apart x-planes, each through two z-cells: four thin boxes
    expect((await heldOutDice(sx, model))[0]).toBeGreaterThanOrEqual(0.9);
  });

  it('uses every channel of a multi-channel image (the classes show only in the second)', async () => {
    const s = labelPlanes(blobs([1, 48, 48], 2, 14), 1, [8, 24, 40]);
    const V = s.truth.length;
    const rand = seededRandom(2);
    const image = new Float32Array(2 * V);
    for (let i = 0; i < V; i++) { image[i] = rand() - 0.5; image[V + i] = s.volume.image[i]!; }
    const two = { ...s, volume: { ...s.volume, channels: 2, image } };
    const { model, report } = await trainPixelClassifier([two.volume], { seed: 7, trees: 30 }, ctx);
    expect(model.inChannels).toBe(2);
    expect(report.features).toBe(2 * 21);
    expect((await heldOutDice(two, model))[0]).toBeGreaterThanOrEqual(0.9);
  });

  it('with positions, tells apart classes that look alike but lie apart, and predicts the same in blocks, in a sliding window and from its file', async () => {
    // bright blobs are class 2 in the upper half of y and class 3 in the lower: only place tells them apart
    const base = blobs([12, 64, 48], 2, 21);
    const [D, H, W] = base.volume.shape;
    const truth = base.truth.map((t, i) => (t === 2 && Math.floor(i / W) % H >= H / 2 ? 3 : t));
    const s = labelPlanes({ volume: base.volume, truth }, 0, [3, 8]);
    const plain = (await trainPixelClassifier([s.volume], { seed: 4, trees: 30 }, ctx)).model;
    const { model, report } = await trainPixelClassifier([s.volume], { seed: 4, trees: 30, coordinates: true }, ctx);
    expect(model.features.coordinates).toBe(true);
    expect(report.features).toBe(25 + 3);
    const withPosition = await heldOutDice(s, model), without = await heldOutDice(s, plain);
    for (const d of withPosition) expect(d).toBeGreaterThanOrEqual(0.85);
    expect(Math.min(...without)).toBeLessThan(0.75); // without positions the two classes are a coin toss

    const V = truth.length;
    const whole = await predictPixelClassifier(runtime.factory, model, s.volume.image, s.volume.shape, 1, { blockVoxels: V });
    const blocks = await predictPixelClassifier(runtime.factory, model, s.volume.image, s.volume.shape, 1, { blockVoxels: 5000 });
    // the sliding window appends the positions of each (flipped) patch, as the segmenter file's graph expects them
    const window = await slidingWindowPredict(pixelClassifierPatchModel(runtime.factory, model), makeVolume([D, H, W, 1], 'float32', s.volume.image),
      { patch: [12, 40, 40], trim: pixelClassifierHalo(model), overlap: 0, normalize: 'none', flips: [[], [1]] });
    const back = decodePixelClassifier(JSON.parse(JSON.stringify(encodePixelClassifier(model))));
    const reread = await predictPixelClassifier(runtime.factory, back, s.volume.image, s.volume.shape, 1);
    for (const other of [blocks, reread]) {
      let differ = 0;
      for (let i = 0; i < V * 3; i++) if (Math.abs(other[i]! - whole[i]!) > 1e-4) differ++;
      expect(differ / (3 * V)).toBeLessThan(1e-3);
    }
    // the window returns channel-last [z][y][x][k]; the filters are mirror-symmetric, so a y-flipped patch with its
    // positions mirrored alike gives the same probabilities
    const fromWindow = window.data as Float32Array;
    let differ = 0;
    for (let i = 0; i < V; i++) for (let k = 0; k < 3; k++) if (Math.abs(fromWindow[i * 3 + k]! - whole[k * V + i]!) > 1e-4) differ++;
    expect(differ / (3 * V)).toBeLessThan(1e-3);
  });

  it('round-trips through a standalone .onnx file, the JSON codec and a composite graph with identical probabilities', async () => {
    const s = labelPlanes(blobs([12, 32, 32], 3, 21), 0, [3, 8]);
    const { model } = await trainPixelClassifier([s.volume], { seed: 4, trees: 12 }, ctx);
    const shape = [1, 1, 12, 32, 32];
    const bytes = exportPixelClassifierOnnx(model, shape);
    const back = importPixelClassifierOnnx(bytes);
    expect(back.classes).toEqual(model.classes);
    expect(back.features).toEqual(model.features);
    const a = await runModel(bytes, s.volume.image, shape);
    const b = await runModel(exportPixelClassifierOnnx(back, shape), s.volume.image, shape);
    expect(b).toEqual(a);
    const c = await runModel(exportPixelClassifierOnnx(decodePixelClassifier(JSON.parse(JSON.stringify(encodePixelClassifier(model)))), shape), s.volume.image, shape);
    expect(c).toEqual(a);
    // a composite graph: the classifier next to other nodes; its trees read back from the node
    const g = new Graph();
    const x = g.input('image', shape);
    g.output(op.mul(g, appendPixelClassifier(g, x, model), g.scalar(0.5)));
    const nodes = treeEnsembleNodes(serializeGraph(g));
    expect(nodes.length).toBe(12 / treesPerNode(model.outChannels));
    const { model: fromNode, used } = pixelClassifierFromGraphNodes(nodes, JSON.parse(JSON.stringify(pixelClassifierConfig(model))));
    expect(used).toBe(nodes.length);
    const d = await runModel(exportPixelClassifierOnnx(fromNode, shape), s.volume.image, shape);
    expect(d).toEqual(a);
    // and the streamed whole-volume prediction agrees with the single-graph run
    const streamed = await predictPixelClassifier(runtime.factory, model, s.volume.image, s.volume.shape, 1);
    for (let i = 0; i < a.length; i++) expect(streamed[i]).toBeCloseTo(a[i]!, 5);
  });

  it('a 2D classifier inside a 3D-patch graph segments each z-plane as it would alone', async () => {
    const s = labelPlanes(blobs([1, 40, 40], 3, 8), 1, [10, 30]);
    const { model } = await trainPixelClassifier([s.volume], { seed: 6, trees: 6 }, ctx);
    const planes = blobs([3, 40, 40], 3, 12).volume.image;
    const g = new Graph();
    g.output(appendPixelClassifier(g, g.input('image', [1, 1, 3, 40, 40]), model));
    const stacked = await runModel(serializeGraph(g), planes, [1, 1, 3, 40, 40]);  // [1, 3(K), 3(z), 40, 40]
    for (let z = 0; z < 3; z++) {
      const alone = await runModel(exportPixelClassifierOnnx(model, [1, 1, 40, 40]), planes.slice(z * 1600, (z + 1) * 1600), [1, 1, 40, 40]);
      for (let k = 0; k < 3; k++) expect(stacked.slice((k * 3 + z) * 1600, (k * 3 + z + 1) * 1600)).toEqual(alone.slice(k * 1600, (k + 1) * 1600));
    }
  });

  it('prediction in blocks, and a sliding window trimmed by the halo, equal one whole-volume pass', async () => {
    const s = labelPlanes(blobs([16, 56, 60], 2, 31), 1, [10, 40]);
    const { model } = await trainPixelClassifier([s.volume], { seed: 5, trees: 16, scales: [0.7, 1.6, 3.5] }, ctx);
    const V = s.truth.length;
    const whole = await predictPixelClassifier(runtime.factory, model, s.volume.image, s.volume.shape, 1, { blockVoxels: V });
    const budget = 6000;
    expect(classifierBlock(s.volume.shape, 3, budget).some((b, a) => b < s.volume.shape[a]!)).toBe(true); // really in blocks
    const blocks = await predictPixelClassifier(runtime.factory, model, s.volume.image, s.volume.shape, 1, { blockVoxels: budget });
    const halo = pixelClassifierHalo(model);
    const window = await slidingWindowPredict(pixelClassifierPatchModel(runtime.factory, model), makeVolume([...s.volume.shape, 1], 'float32', s.volume.image),
      { patch: [16, 30, 30], trim: halo, overlap: 0, normalize: 'none' });
    expect(window.run.patches).toBeGreaterThan(1);
    for (const tiled of [blocks, window.data as Float32Array]) {
      let differ = 0;
      for (let i = 0; i < V; i++) if (Math.abs(tiled[i]! - whole[i]!) > 1e-4) differ++;
      // float rounding can move a feature across a threshold in a handful of voxels, a seam would move thousands
      expect(differ / V).toBeLessThan(1e-3);
    }
  });

  it('refuses labels it cannot learn from with a readable LumenError', async () => {
    const s = blobs([4, 16, 16], 2, 1);
    const none = await trainPixelClassifier([s.volume], {}, ctx).catch((e) => e);
    expect(isLumenError(none, 'bad-input')).toBe(true);
    expect(none.message).toMatch(/no labeled voxel/);
    const onlyBackground = { ...s.volume, labels: new Uint8Array(s.truth.length).fill(1) };
    const one = await trainPixelClassifier([onlyBackground], {}, ctx).catch((e) => e);
    expect(isLumenError(one, 'bad-input')).toBe(true);
    const onlyClass = { ...s.volume, labels: new Uint8Array(s.truth.length).fill(2) };
    expect(isLumenError(await trainPixelClassifier([onlyClass], {}, ctx).catch((e) => e), 'bad-input')).toBe(true);
    const wrongSize = { ...s.volume, labels: new Uint8Array(10) };
    expect(isLumenError(await trainPixelClassifier([wrongSize], {}, ctx).catch((e) => e), 'shape-mismatch')).toBe(true);
    expect(isLumenError(await trainPixelClassifier([], {}, ctx).catch((e) => e), 'bad-input')).toBe(true);
    const badSpacing = await trainPixelClassifier([labelPlanes(s, 0, [1]).volume], { spacing: [0, 1, 1] }, ctx).catch((e) => e);
    expect(isLumenError(badSpacing, 'bad-input')).toBe(true);
    expect(isLumenError((() => { try { return importPixelClassifierOnnx(new Uint8Array([1, 2, 3])); } catch (e) { return e; } })())).toBe(true);
  });
});
