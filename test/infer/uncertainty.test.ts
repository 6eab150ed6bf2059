// The uncertainty map beside a prediction, with real ONNX Runtime sessions: a per-voxel network
// whose probabilities are known in closed form (a ramp image through sigmoid(2x), or a softmax over
// three classes), so the map can be checked voxel by voxel against its formula; then the worker's
// job (a Lumen model file, the map written to a file beside the labels, nothing left when
// cancelled); then the app: train through the host, find the map stored with the prediction, read
// it back, and ask for the slices worth painting next.
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { LumenHost, type ApiFailure } from '../../src-main/host/lumen-host.ts';
import { FileRegistry } from '../../src-main/host/files.ts';
import type { HostEvent, LabelChange, ProjectState, SliceSuggestion, VoxelData } from '../../src-shared/api.ts';
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

describe('uncertainty in the app (host): made after training, stored, read back, slices suggested', () => {
  const [Dd, Hd, Wd] = [6, 40, 44];
  const discs: [number, number, number][] = [[14, 14, 7], [26, 30, 6]]; // y, x, r
  /** distance from (y, x) to the nearest disc outline */
  const edgeDistance = (y: number, x: number) => Math.min(...discs.map(([cy, cx, r]) => Math.abs(Math.hypot(y - cy, x - cx) - r)));
  const inDisc = (y: number, x: number) => discs.some(([cy, cx, r]) => Math.hypot(y - cy, x - cx) < r);
  let host: LumenHost;
  const files = new FileRegistry();
  const events: HostEvent[] = [];
  const call = <T>(method: string, req: unknown) => host.call(method, req) as Promise<T>;
  const failure = (method: string, req: unknown) => host.call(method, req).then(() => null, (e: ApiFailure) => ({ code: e.code, message: e.message }));

  beforeAll(async () => {
    const img = new Uint16Array(Dd * Hd * Wd);
    let seed = 11;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let z = 0; z < Dd; z++) for (let y = 0; y < Hd; y++) for (let x = 0; x < Wd; x++) img[(z * Hd + y) * Wd + x] = (inDisc(y, x) ? 900 : 200) + Math.round(rand() * 150);
    await writeVolume(tmp.path('discs.tif'), makeVolume([Dd, Hd, Wd, 1], 'uint16', img));
    host = new LumenHost({ projectsDir: join(tmp.dir, 'projects'), transport: 'websocket', files, threads: 2, effortScale: 0.2 });
    host.onEvent((e) => events.push(e));
  });
  afterAll(async () => { await host?.close(); });

  it('trains, keeps the map with its prediction, reads it back (high on the outlines, low far from them), suggests slices; refuses bad requests in one line', async () => {
    await call('project.create', { name: 'discs' });
    const f = tmp.path('discs.tif');
    let state = await call<ProjectState>('project.import', { files: [files.register(f, 'discs.tif', statSync(f).size)] });
    const labelId = state.labels!.id;
    expect(await failure('prediction.suggestSlices', { axis: 'z' })).toMatchObject({ code: 'bad-input', message: expect.stringMatching(/train a model first/) });
    // a stroke through each disc (class 2) and background around them, on z = 2
    await call<LabelChange>('labels.edit', { labelId, op: { kind: 'stroke', axis: 'z', index: 2, points: [[14, 10], [14, 18]], radius: 2, value: 2 } });
    await call<LabelChange>('labels.edit', { labelId, op: { kind: 'stroke', axis: 'z', index: 2, points: [[30, 27], [30, 33]], radius: 2, value: 2 } });
    await call<LabelChange>('labels.edit', { labelId, op: { kind: 'stroke', axis: 'z', index: 2, points: [[3, 3], [3, 40], [37, 40], [37, 3], [3, 3]], radius: 2, value: 1 } });
    const { runId } = await call<{ runId: number }>('train.start', { strategy: 'pixel-classifier', effort: 'quick', device: 'cpu' });
    const t0 = Date.now();
    while (!events.some((e) => (e.type === 'train.done' || e.type === 'train.failed') && e.runId === runId) && Date.now() - t0 < 150_000) await new Promise((r) => setTimeout(r, 200));
    const end = events.find((e) => e.type === 'train.done' || e.type === 'train.failed');
    expect(end?.type, JSON.stringify(end)).toBe('train.done');
    state = await call<ProjectState>('project.state', {});
    const pred = state.prediction!;
    expect(pred.uncertaintyVolumeId).not.toBeNull();
    // the segmentation stays the label prediction (0/1), not the map stored after it
    expect(pred.volumeId).not.toBe(pred.uncertaintyVolumeId);
    const labels = await call<VoxelData>('prediction.read', { volumeId: pred.volumeId });
    expect(new Set(labels.data)).toEqual(new Set([0, 1]));

    const map = await call<VoxelData>('prediction.readUncertainty', { volumeId: pred.uncertaintyVolumeId });
    expect(map.shape).toEqual([Dd, Hd, Wd]);
    expect(map.dtype).toBe('uint8');
    let nearSum = 0, nearN = 0, farSum = 0, farN = 0;
    for (let z = 0; z < Dd; z++) for (let y = 0; y < Hd; y++) for (let x = 0; x < Wd; x++) {
      const u = map.data[(z * Hd + y) * Wd + x]!, d = edgeDistance(y, x);
      if (d < 1) { nearSum += u; nearN++; } else if (d > 4) { farSum += u; farN++; }
    }
    const near = nearSum / nearN / 255, far = farSum / farN / 255;
    console.log(`mean uncertainty on the disc outlines ${near.toFixed(3)}, more than 4 voxels from them ${far.toFixed(3)}`);
    // measured: 0.121 on the outlines, 0.002 away from them (a forest's probabilities on a clean image)
    expect(near).toBeGreaterThan(0.05);
    expect(near).toBeGreaterThan(10 * far);

    const suggested = await call<SliceSuggestion[]>('prediction.suggestSlices', { axis: 'z' });
    expect(suggested.length).toBeGreaterThanOrEqual(1);
    for (const s of suggested) expect(Math.abs(s.index - 2)).toBeGreaterThanOrEqual(2); // not the painted slice nor its neighbours
    for (let i = 1; i < suggested.length; i++) expect(suggested[i]!.score).toBeLessThanOrEqual(suggested[i - 1]!.score);
    expect(await call<SliceSuggestion[]>('prediction.suggestSlices', { axis: 'x', count: 5 })).toHaveLength(5);

    // bad requests: one readable line each, never a stack trace
    expect(await failure('prediction.suggestSlices', { axis: 'w' })).toMatchObject({ code: 'bad-request', message: expect.stringMatching(/axis must be one of z, y, x/) });
    expect(await failure('prediction.suggestSlices', { axis: 'z', count: 0 })).toMatchObject({ code: 'bad-input', message: expect.stringMatching(/1 to 50/) });
    expect(await failure('prediction.readUncertainty', { volumeId: pred.volumeId })).toMatchObject({ code: 'bad-input', message: expect.stringMatching(/not an uncertainty map/) });

    // the map is in the project file: the same after reopening
    await call('project.close', {});
    const again = await call<ProjectState>('project.open', { id: 'discs' });
    expect(again.prediction!.uncertaintyVolumeId).toBe(pred.uncertaintyVolumeId);
    const back = await call<VoxelData>('prediction.readUncertainty', { volumeId: pred.uncertaintyVolumeId });
    expect(Buffer.from(back.data).equals(Buffer.from(map.data))).toBe(true);
  }, 180_000);
});
