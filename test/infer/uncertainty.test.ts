// The uncertainty map beside a prediction, with real ONNX Runtime sessions: a per-voxel network
// whose probabilities are known in closed form (a ramp image through sigmoid(2x), or a softmax over
// three classes), so the map can be checked voxel by voxel against its formula; then the worker's
// job (a Lumen model file, the map written to a file beside the labels, nothing left when
// cancelled); then the app: train through the host, find the map stored with the prediction, read
// it back, and ask for the slices worth painting next.
import { readdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph } from '../../src-shared/nn/graph.ts';
import * as op from '../../src-shared/nn/ops.ts';
import { serializeGraph } from '../../src-shared/nn/onnx-io.ts';
import { graphPatchModel } from '../../src-shared/infer/patch-model.ts';
import { predictToSink } from '../../src-shared/infer/pipeline.ts';
import { memorySink, memorySource } from '../../src-shared/infer/source.ts';
import { uncertaintySlice } from '../../src-shared/infer/uncertainty.ts';
import { makeVolume, type Volume } from '../../src-shared/volume.ts';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { exportOnnxModel } from '../../src-shared/nn/model-file.ts';
import { buildInferenceGraph } from '../../src-shared/nn/trainer.ts';
import { initParams } from '../../src-shared/nn/params.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { runInferenceJob } from '../../src-main/workers/inference-job.ts';
import { blobVolume, runtime, tempDir } from './helpers.ts';

const tmp = tempDir('lumen-uncertainty-');
afterAll(() => tmp.remove());

const D = 3, H = 8, W = 41;
const geometry = { spacing: [1, 1, 1] as [number, number, number], unit: 'um' as const };
/** the image: a ramp along x from −4 to 4, so the probability crosses 0.5 in the middle column */
const rampValue = (x: number) => ((x - (W - 1) / 2) / ((W - 1) / 2)) * 4;
const ramp = makeVolume([D, H, W, 1], 'float32', Float32Array.from({ length: D * H * W }, (_, i) => rampValue(i % W)), geometry);

/** A 1×1×1 convolution (weights `w` per output channel) then sigmoid (one channel) or softmax over the channels. */
function pointwiseModel(w: number[]) {
  const outC = w.length;
  return graphPatchModel(runtime.factory, {
    dims: 3, inChannels: 1, outChannels: outC, sizeMultiple: [1, 1, 1],
    build: (shape) => {
      const g = new Graph();
      const x = op.conv(g, g.input('image', shape), g.constant(Float32Array.from(w), [outC, 1, 1, 1, 1], 'w'), g.constant(new Float32Array(outC), [outC], 'b'));
      g.output(outC === 1 ? op.sigmoid(g, x) : op.softmax(g, x, 1));
      return serializeGraph(g);
    },
  });
}

async function predictWithUncertainty(w: number[]): Promise<{ labels: Volume; uncertainty: Volume }> {
  let uncertainty: ReturnType<typeof memorySink> | undefined;
  let labels: ReturnType<typeof memorySink> | undefined;
  await predictToSink(pointwiseModel(w), memorySource(ramp), (spec) => (labels = memorySink(spec.shape, spec.dtype, geometry)), {
    patch: [2, 8, 16], normalize: 'none',
    uncertainty: (spec) => (uncertainty = memorySink(spec.shape, spec.dtype, geometry)),
  });
  return { labels: labels!.volume, uncertainty: uncertainty!.volume };
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe('uncertainty from the blended probabilities (pipeline)', () => {
  it('binary (sigmoid): 1 − |2p − 1| per voxel, 1 at the decision boundary, near 0 far from it', async () => {
    const { labels, uncertainty } = await predictWithUncertainty([2]);
    expect(uncertainty.shape).toEqual([D, H, W, 1]);
    expect(uncertainty.dtype).toBe('float32');
    for (let i = 0; i < D * H * W; i++) {
      const p = sigmoid(2 * rampValue(i % W));
      expect(uncertainty.data[i]).toBeCloseTo(1 - Math.abs(2 * p - 1), 4);
    }
    const at = (x: number) => uncertainty.data[(1 * H + 4) * W + x]!;
    expect(at((W - 1) / 2)).toBeGreaterThan(0.99); // p = 0.5 exactly
    expect(at(0)).toBeLessThan(0.001);
    expect(at(W - 1)).toBeLessThan(0.001);
    for (let x = 1; x <= (W - 1) / 2; x++) expect(at(x)).toBeGreaterThan(at(x - 1)); // rising towards the boundary
    // the labels are what they are without the second output: threshold at p = 0.5 (the middle column, p = 0.5 ± rounding, either way)
    for (let x = 0; x < W; x++) if (x !== (W - 1) / 2) expect(labels.data[(1 * H + 4) * W + x]).toBe(x > (W - 1) / 2 ? 1 : 0);
  });

  it('several classes (softmax): entropy / log K, 1 where the classes are equally likely', async () => {
    const k = [1.5, 0, -1.5];
    const { uncertainty } = await predictWithUncertainty(k);
    for (let x = 0; x < W; x++) {
      const logits = k.map((c) => c * rampValue(x));
      const e = logits.map(Math.exp), s = e.reduce((a, b) => a + b);
      const h = -e.reduce((a, v) => a + (v / s) * Math.log(v / s), 0) / Math.log(3);
      expect(uncertainty.data[(2 * H + 3) * W + x]).toBeCloseTo(h, 4);
    }
    expect(uncertainty.data[(W - 1) / 2]).toBeGreaterThan(0.999);
    expect(uncertainty.data[0]).toBeLessThan(0.05);
  });

  it('stays within [0, 1] for probabilities that do not sum to 1, and calls an all-zero voxel most unsure', () => {
    const u = uncertaintySlice(Float32Array.from([0.9, 0, 0.9, 0, 0, 0]), 3, 2);
    expect(u[0]).toBeCloseTo(Math.log(2) / Math.log(3), 5); // two classes at 0.9 each: as unsure as 50/50
    expect(u[1]).toBe(1);
    expect(Array.from(uncertaintySlice(Float32Array.from([1.2, -0.1, 0.5]), 1, 3))).toEqual([0, 0, 1]);
  });
});

describe('uncertainty in an inference job (worker side, Lumen model file)', () => {
  const config = { dims: 3 as const, inChannels: 1, outChannels: 1, channels: [4, 8], norm: 'instance' as const };
  const shape: [number, number, number] = [8, 32, 32];
  beforeAll(async () => {
    const { specs } = buildInferenceGraph(config, [1, 1, 8, 8, 8]);
    writeFileSync(tmp.path('model.onnx'), exportOnnxModel({ config, params: initParams(specs, 5), provenance: { note: 'test' } }, [1, 1, 8, 8, 8]));
    await writeVolume(tmp.path('img.tif'), makeVolume([...shape, 1], 'float32', blobVolume(...shape, 3), geometry));
  });
  const job = (out: string, extra: object = {}) => ({
    model: { path: tmp.path('model.onnx') }, input: { kind: 'file' as const, path: tmp.path('img.tif') }, output: { kind: 'file' as const, path: tmp.path(out) },
    device: 'cpu' as const, threads: 2, options: { patch: [8, 16, 16] }, ...extra,
  });

  it('writes the map beside the labels, equal to 1 − |2p − 1| of the probabilities the same job writes with --prob', async () => {
    await runInferenceJob(job('labels.tif', { uncertaintyOutput: { kind: 'file', path: tmp.path('unsure.tif') } }));
    await runInferenceJob({ ...job('prob.tif'), options: { patch: [8, 16, 16], output: 'probabilities' } });
    const unsure = await readVolume(tmp.path('unsure.tif'));
    const prob = await readVolume(tmp.path('prob.tif'));
    expect(unsure.shape).toEqual([...shape, 1]);
    expect(unsure.dtype).toBe('float32');
    expect(unsure.geometry.spacing).toEqual([1, 1, 1]);
    let maxDiff = 0;
    for (let i = 0; i < prob.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(unsure.data[i]! - (1 - Math.abs(2 * prob.data[i]! - 1))));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('a cancelled job leaves neither the labels nor the map; an instance-only option is refused in one line', async () => {
    const ac = new AbortController();
    const err = await runInferenceJob(job('c.tif', { uncertaintyOutput: { kind: 'file', path: tmp.path('c-unsure.tif') } }), {
      signal: ac.signal, onProgress: (p) => { if (p.phase === 'predict' && p.done > 0) ac.abort(); },
    }).then(() => undefined, (e: unknown) => e);
    expect(isLumenError(err, 'cancelled')).toBe(true);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('c'))).toEqual([]);
    const bad = await runInferenceJob(job('d.tif', { uncertaintyOutput: { kind: 'store', project: 'x', name: 'y' } })).then(() => undefined, (e: unknown) => e);
    expect(isLumenError(bad, 'bad-input')).toBe(true);
    expect((bad as Error).message).toMatch(/uncertainty map is written to a file/);
  });
});
