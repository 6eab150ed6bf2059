// The worker service: progress events, cancellation within a second without leftovers, the
// project store as source and sink, and `lumen predict` end to end in a child process.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVolume } from '../../src-shared/volume.ts';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { exportOnnxModel } from '../../src-shared/nn/model-file.ts';
import { buildInferenceGraph } from '../../src-shared/nn/trainer.ts';
import { initParams } from '../../src-shared/nn/params.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import type { InferProgress } from '../../src-shared/infer/cancel.ts';
import { predictToSink } from '../../src-shared/infer/pipeline.ts';
import { fileSink } from '../../src-shared/infer/file-sink.ts';
import { memorySource } from '../../src-shared/infer/source.ts';
import { runInference, startInference } from '../../src-main/inference-service.ts';
import { runInferenceJob } from '../../src-main/workers/inference-job.ts';
import { ProjectStore } from '../../src-main/store/index.ts';
import { blobVolume, convNetModel, tempDir } from './helpers.ts';

const run = promisify(execFile);
const tmp = tempDir();
afterAll(() => tmp.remove());

const config = { dims: 3 as const, inChannels: 1, outChannels: 1, channels: [4, 8], norm: 'instance' as const };
const shape: [number, number, number] = [48, 96, 96];
const geometry = { spacing: [3, 0.7, 0.7] as [number, number, number], unit: 'um' as const };
const img = makeVolume([...shape, 1], 'uint16', Uint16Array.from(blobVolume(...shape, 4), (v) => Math.round(1000 + 800 * v)), geometry);

beforeAll(async () => {
  const { specs } = buildInferenceGraph(config, [1, 1, 8, 8, 8]);
  writeFileSync(tmp.path('model.onnx'), exportOnnxModel({ config, params: initParams(specs, 4), provenance: { note: 'test' } }, [1, 1, 8, 8, 8]));
  await writeVolume(tmp.path('img.tif'), img);
  await writeVolume(tmp.path('small.tif'), makeVolume([16, 40, 40, 1], 'uint16', Uint16Array.from(blobVolume(16, 40, 40, 2), (v) => Math.round(1000 + 800 * v)), geometry));
});

const outFiles = (dir: string) => readdirSync(dir).filter((f) => f !== 'model.onnx' && f !== 'big.onnx' && f !== 'img.tif' && f !== 'small.tif' && !f.startsWith('store'));

describe('inference service (worker thread)', () => {
  it('progress: monotonic, one total, reaches it; phases in order; ETA given', async () => {
    const events: InferProgress[] = [];
    const r = await runInference({
      model: { path: tmp.path('model.onnx') }, input: { kind: 'file', path: tmp.path('img.tif') }, output: { kind: 'file', path: tmp.path('a.tif') },
      device: 'cpu', threads: 2, options: { patch: [16, 32, 32], post: { minSize: 5, value: 255 }, tempDir: tmp.dir },
    }, { onProgress: (p) => events.push(p) });
    expect(r.device.used).toBe('cpu');
    expect(events.length).toBeGreaterThan(20);
    const total = events[0]!.total;
    expect(total).toBe(shape[0] * shape[1] * shape[2] * 2); // prediction + one post-processing pass
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.total).toBe(total);
      expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done);
    }
    expect(events.at(-1)!.done).toBe(total);
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(['stats', 'predict', 'postprocess']);
    expect(events.some((e) => e.phase === 'predict' && Number.isFinite(e.etaSeconds) && e.etaSeconds > 0)).toBe(true);
    const out = await readVolume(tmp.path('a.tif'));
    expect(out.geometry.spacing).toEqual([3, 0.7, 0.7]);
    expect(new Set(out.data)).toEqual(new Set([0, 255]));
    expect(outFiles(tmp.dir)).toEqual(['a.tif']);
  });

  it('cancel stops within a second and leaves no file (output, partial or temporary mask)', async () => {
    let cancelledAt = 0;
    const handle = startInference({
      model: { path: tmp.path('model.onnx') }, input: { kind: 'file', path: tmp.path('img.tif') }, output: { kind: 'file', path: tmp.path('b.tif') },
      device: 'cpu', threads: 2, options: { patch: [16, 32, 32], post: { fillHoles: true }, tempDir: tmp.dir },
    }, { onProgress: (p) => { if (p.phase === 'predict' && p.done > p.total / 8 && !cancelledAt) { cancelledAt = performance.now(); handle.cancel(); } } });
    const err = await handle.result.then(() => undefined, (e: unknown) => e);
    const stoppedIn = performance.now() - cancelledAt;
    expect(cancelledAt).toBeGreaterThan(0);
    expect(isLumenError(err, 'cancelled')).toBe(true);
    expect(stoppedIn).toBeLessThan(1000);
    expect(outFiles(tmp.dir).filter((f) => f !== 'a.tif')).toEqual([]);
  });

  it('cancel during network runs longer than a second: rejected within a second, no file then or later', async () => {
    const big = { ...config, channels: [8, 16] };
    const { specs } = buildInferenceGraph(big, [1, 1, 8, 8, 8]);
    writeFileSync(tmp.path('big.onnx'), exportOnnxModel({ config: big, params: initParams(specs, 4), provenance: {} }, [1, 1, 8, 8, 8]));
    let cancelledAt = 0, runSeconds = 0;
    const started = performance.now();
    const handle = startInference({
      model: { path: tmp.path('big.onnx') }, input: { kind: 'file', path: tmp.path('img.tif') }, output: { kind: 'file', path: tmp.path('e.tif') },
      device: 'cpu', threads: 2, options: { patch: [48, 96, 96], flips: true },
    }, { onProgress: (p) => { if (p.phase === 'predict' && p.done > 0 && !cancelledAt) { cancelledAt = performance.now(); runSeconds = (cancelledAt - started) / 1000; handle.cancel(); } } });
    const err = await handle.result.then(() => undefined, (e: unknown) => e);
    expect(isLumenError(err, 'cancelled')).toBe(true);
    expect(performance.now() - cancelledAt).toBeLessThan(1000);
    expect(outFiles(tmp.dir).filter((f) => f.startsWith('e.') || f.startsWith('e-'))).toEqual([]);
    await new Promise((r) => setTimeout(r, Math.max(1500, 1500 * runSeconds)));
    expect(outFiles(tmp.dir).filter((f) => f.startsWith('e.') || f.startsWith('e-'))).toEqual([]);
  });

  it('in-process cancellation with an AbortSignal, during post-processing too', async () => {
    for (const when of ['predict', 'postprocess'] as const) {
      const ac = new AbortController();
      const err = await predictToSink(convNetModel(), memorySource(img), fileSink(tmp.path(`c-${when}.tif`), img), {
        patch: [16, 48, 48], post: { minSize: 3 }, tempDir: tmp.dir, signal: ac.signal,
        onProgress: (p) => { if (p.phase === when && p.done > (when === 'predict' ? 0 : p.total * 0.6)) ac.abort(); },
      }).then(() => undefined, (e: unknown) => e);
      expect(isLumenError(err, 'cancelled')).toBe(true);
      expect(outFiles(tmp.dir).filter((f) => f !== 'a.tif')).toEqual([]);
    }
  });

  it('project store as source and sink; a cancelled run adds no volume', async () => {
    const store = ProjectStore.create(tmp.path('store.lumen'));
    const id = store.addVolume(img, { name: 'img' });
    store.close();
    const job = {
      model: { path: tmp.path('model.onnx') }, input: { kind: 'store' as const, project: tmp.path('store.lumen'), volumeId: id },
      output: { kind: 'store' as const, project: tmp.path('store.lumen'), name: 'pred' }, device: 'cpu' as const, options: { patch: [16, 32, 32] },
    };
    const r = await runInferenceJob(job);
    const fromFile = await runInferenceJob({ ...job, input: { kind: 'file', path: tmp.path('img.tif') }, output: { kind: 'file', path: tmp.path('d.tif') } });
    expect(fromFile.run.patches).toBe(r.run.patches);
    const s = ProjectStore.open(tmp.path('store.lumen'));
    try {
      const pred = s.readVolume(r.volumeId!);
      expect(pred.shape).toEqual([...shape, 1]);
      expect(Array.from(pred.data)).toEqual(Array.from((await readVolume(tmp.path('d.tif'))).data));
    } finally { s.close(); }
    const ac = new AbortController();
    const err = await runInferenceJob(job, { signal: ac.signal, onProgress: (p) => { if (p.phase === 'predict' && p.done > 0) ac.abort(); } }).then(() => undefined, (e: unknown) => e);
    expect(isLumenError(err, 'cancelled')).toBe(true);
    const s2 = ProjectStore.open(tmp.path('store.lumen'));
    try { expect(s2.listVolumes().map((v) => v.name)).toEqual(['img', 'pred']); } finally { s2.close(); }
  });
});

describe('lumen predict', () => {
  it('segments a TIFF end to end in a child process: labels 0/255, --prob float32, same geometry', async () => {
    const cli = ['bin/lumen.mjs', 'predict', '--model', tmp.path('model.onnx'), '--image', tmp.path('img.tif'), '--patch', '16,32,32', '--device', 'cpu', '--threads', '2'];
    const a = await run(process.execPath, [...cli, '--out', tmp.path('cli.nii.gz'), '--out-scale', '255', '--min-size', '10', '--fill-holes']);
    const line = JSON.parse(a.stdout.trim()) as { shape: number[]; dtype: string; objects: number };
    expect(line.shape).toEqual([...shape, 1]);
    expect(line.dtype).toBe('uint8');
    expect(a.stderr).toMatch(/predict 100%/);
    const lab = await readVolume(tmp.path('cli.nii.gz'));
    lab.geometry.spacing.forEach((v, i) => expect(v).toBeCloseTo([3, 0.7, 0.7][i]!, 6)); // NIfTI stores float32
    expect([...new Set(lab.data)].every((v) => v === 0 || v === 255)).toBe(true);
    const small = cli.map((a) => (a === tmp.path('img.tif') ? tmp.path('small.tif') : a));
    await run(process.execPath, [...small, '--out', tmp.path('cli-prob.tif'), '--prob', '--flips', '--batch', '2']);
    const prob = await readVolume(tmp.path('cli-prob.tif'));
    expect(prob.dtype).toBe('float32');
    for (const v of prob.data) expect(v >= 0 && v <= 1).toBe(true);
    const bad = await run(process.execPath, [...cli, '--out', tmp.path('x.png')]).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(bad!.code).toBe(1);
    expect(bad!.stderr).toMatch(/cannot tell which format/);
  });

  it('Ctrl-C (SIGINT) cancels and leaves no output', async () => {
    const child = spawn(process.execPath, ['bin/lumen.mjs', 'predict', '--model', tmp.path('model.onnx'), '--image', tmp.path('img.tif'), '--patch', '8,16,16', '--device', 'cpu', '--out', tmp.path('sig.tif')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (/predict [1-9]\d*%.*· predict/.test(stderr) && !child.killed) child.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toMatch(/cancelled/);
    expect(code).toBe(1);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('sig'))).toEqual([]);
  });
});
