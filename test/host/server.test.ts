// The browser transport's guards and the host services behind it, without a browser: token,
// Origin and Host checks, CSP, request validation, file access only through uploaded handles,
// and label edits + undo that survive reopening the project.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { checkSchema, decodeFrame, encodeFrame, REQUEST_SCHEMAS, type FileHandle } from '../../src-shared/api.ts';
import { startServer, type RunningServer } from '../../src-main/server.ts';
import { SAMPLE_IMAGE } from '../../src-main/host/lumen-host.ts';
import { PROJECT_ROOT } from '../shared-data.ts';

let server: RunningServer;
let projectsDir: string;
const dirs: string[] = [];
const tmp = (p: string) => { const d = mkdtempSync(join(tmpdir(), p)); dirs.push(d); return d; };

function connect(opts: { token?: string; origin?: string } = {}): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${opts.token ?? server.token}`, { origin: opts.origin ?? `http://127.0.0.1:${server.port}` });
  return new Promise((ok, bad) => { ws.once('open', () => ok(ws)); ws.once('error', bad); ws.once('unexpected-response', (_q, r) => bad(new Error(`HTTP ${r.statusCode}`))); });
}

type HostEventLike = { type: string; [k: string]: unknown };

/** A connection plus every event the host pushes on it, in order. */
async function connectCollectingEvents(): Promise<{ ws: WebSocket; events: HostEventLike[] }> {
  const ws = await connect();
  const events: HostEventLike[] = [];
  ws.on('message', (d: Buffer) => { const m = decodeFrame(new Uint8Array(d)) as { event?: HostEventLike }; if (m.event) events.push(m.event); });
  return { ws, events };
}

let nextId = 1;
function call(ws: WebSocket, method: string, req: unknown): Promise<{ ok: boolean; res?: any; error?: { code: string; message: string } }> {
  const id = nextId++;
  return new Promise((ok) => {
    const on = (data: Buffer) => {
      const m = decodeFrame(new Uint8Array(data)) as { id?: number };
      if (m.id === id) { ws.off('message', on); ok(m as never); }
    };
    ws.on('message', on);
    ws.send(encodeFrame({ id, method, req }));
  });
}

async function upload(path: string, name: string): Promise<FileHandle> {
  const r = await fetch(`http://127.0.0.1:${server.port}/upload?token=${server.token}&name=${encodeURIComponent(name)}`, {
    method: 'POST', body: readFileSync(path), headers: { origin: `http://127.0.0.1:${server.port}` },
  });
  expect(r.status).toBe(200);
  return (await r.json()) as FileHandle;
}

beforeAll(async () => {
  const renderer = tmp('lumen-renderer-');
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Lumen</title>');
  projectsDir = tmp('lumen-projects-');
  server = await startServer({ port: 0, projectsDir, rendererDir: renderer, log: () => {} });
});

afterAll(async () => {
  await server?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('api.ts validation', () => {
  it('refuses unknown fields, wrong types and unknown label ops', () => {
    expect(checkSchema(REQUEST_SCHEMAS['project.open'], { id: 'a' })).toBeNull();
    expect(checkSchema(REQUEST_SCHEMAS['project.open'], { id: 'a', path: '/etc/passwd' })).toMatch(/unknown field "path"/);
    expect(checkSchema(REQUEST_SCHEMAS['labels.edit'], { labelId: 1, op: { kind: 'stroke', axis: 'z', index: 0, points: [[1, 2]], radius: 2, value: 2 } })).toBeNull();
    expect(checkSchema(REQUEST_SCHEMAS['labels.edit'], { labelId: 1, op: { kind: 'rm -rf' } })).toMatch(/kind must be one of/);
    expect(checkSchema(REQUEST_SCHEMAS['labels.edit'], { labelId: 1, op: { kind: 'stroke', axis: 'w', index: 0, points: [[1, 2]], radius: 2, value: 2 } })).toMatch(/axis/);
    expect(checkSchema(REQUEST_SCHEMAS['volume.read'], { volumeId: 1.5 })).toMatch(/integer/);
  });
});

describe('the WebSocket server', () => {
  it('serves the page with a strict CSP and only from its own folder', async () => {
    const r = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'/);
    expect((await fetch(`http://127.0.0.1:${server.port}/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('refuses a WebSocket without the token or from another origin, and uploads without the token', async () => {
    await expect(connect({ token: 'wrong' })).rejects.toThrow(/403/);
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const r = await fetch(`http://127.0.0.1:${server.port}/upload?token=nope&name=x.tif`, { method: 'POST', body: 'x', headers: { origin: `http://127.0.0.1:${server.port}` } });
    expect(r.status).toBe(403);
  });

  it('validates every message and reaches files only through handles the host issued', async () => {
    const ws = await connect();
    expect((await call(ws, 'fs.readFile', { path: '/etc/passwd' })).error?.code).toBe('bad-request');
    expect((await call(ws, 'project.create', { name: '../../outside' })).error?.message).toMatch(/not a usable project name/);
    await call(ws, 'project.create', { name: 'handles' });
    const forged = await call(ws, 'project.import', { files: [{ handle: 'deadbeef', name: '/etc/passwd', size: 1 }] });
    expect(forged.error?.message).toMatch(/was not dropped or picked/);
    ws.close();
  });

  it('imports an uploaded stack, saves each edit, and keeps undo/redo across reopening', async () => {
    const ws = await connect();
    const created = await call(ws, 'project.create', { name: 'persist' });
    expect(created.ok).toBe(true);
    const handle = await upload(SAMPLE_IMAGE, 'sample.tif');
    const events: string[] = [];
    ws.on('message', (d: Buffer) => { const m = decodeFrame(new Uint8Array(d)) as { event?: { type: string } }; if (m.event) events.push(m.event.type); });
    const state = (await call(ws, 'project.import', { files: [handle] })).res;
    expect(state.volume.shape).toEqual([15, 128, 128, 1]);
    expect(events).toContain('import.progress');
    const labelId = state.labels.id;
    const stroke = (value: number, row: number) => call(ws, 'labels.edit', { labelId, op: { kind: 'stroke', axis: 'z', index: 3, points: [[row, 10], [row, 100]], radius: 2, value } });
    expect((await stroke(2, 20)).res.labels.revision).toBe(1);
    expect((await stroke(1, 60)).res.labels.revision).toBe(2);
    const undone = await call(ws, 'labels.undo', { labelId });
    expect(undone.res.direction).toBe('backward');
    expect(undone.res.labels.canRedo).toBe(true);
    expect((await call(ws, 'labels.edit', { labelId, op: { kind: 'stroke', axis: 'z', index: 3, points: [[1, 1]], radius: 1, value: 9 } })).error?.message).toMatch(/no class 9/);
    await call(ws, 'project.close', {});
    const reopened = (await call(ws, 'project.open', { id: 'persist' })).res;
    expect(reopened.labels.revision).toBe(3);
    expect(reopened.labels.canRedo).toBe(true);
    const dense = (await call(ws, 'labels.read', { labelId })).res.data as Uint8Array;
    const at = (z: number, y: number, x: number) => dense[(z * 128 + y) * 128 + x];
    expect(at(3, 20, 50)).toBe(2);
    expect(at(3, 60, 50)).toBe(0); // the undone background stroke
    expect((await call(ws, 'labels.redo', { labelId })).res.labels.revision).toBe(4);
    const info = (await call(ws, 'app.info', {})).res;
    expect(info.recent.map((p: { id: string }) => p.id)).toContain('persist');
    ws.close();
  });

  it('renames and deletes projects, the open one too, and refuses a taken or unusable name', async () => {
    const ws = await connect();
    const ids = async () => ((await call(ws, 'app.info', {})).res.recent as { id: string }[]).map((p) => p.id);
    await call(ws, 'project.create', { name: 'to rename' });
    await call(ws, 'project.create', { name: 'taken' }); // now open: 'to rename' is closed
    expect((await call(ws, 'project.rename', { id: 'to rename', name: 'taken' })).error?.message).toMatch(/already exists/);
    expect((await call(ws, 'project.rename', { id: 'to rename', name: '../escape' })).error?.message).toMatch(/not a usable project name/);
    const renamed = (await call(ws, 'project.rename', { id: 'to rename', name: 'renamed' })).res as { id: string }[];
    expect(renamed.map((p) => p.id)).toContain('renamed');
    expect(renamed.map((p) => p.id)).not.toContain('to rename');
    expect(existsSync(join(projectsDir, 'renamed.lumen'))).toBe(true);
    // the open project keeps working under its new name
    expect((await call(ws, 'project.rename', { id: 'taken', name: 'open one' })).ok).toBe(true);
    expect((await call(ws, 'project.state', {})).res.name).toBe('open one');
    // deleting the open project closes it and removes its file
    const left = (await call(ws, 'project.delete', { id: 'open one' })).res as { id: string }[];
    expect(left.map((p) => p.id)).not.toContain('open one');
    expect(existsSync(join(projectsDir, 'open one.lumen'))).toBe(false);
    expect((await call(ws, 'project.state', {})).error?.message).toMatch(/open or create a project first/);
    expect((await call(ws, 'project.delete', { id: 'renamed' })).ok).toBe(true);
    expect(await ids()).not.toContain('renamed');
    expect((await call(ws, 'project.delete', { id: 'renamed' })).error?.message).toMatch(/there is no project "renamed"/);
    ws.close();
  });

  it('imports a learning-curve result into the project, keeps it across reopening, and refuses a config file', async () => {
    const ws = await connect();
    await call(ws, 'project.create', { name: 'experiments' });
    const config = await call(ws, 'experiments.import', { file: await upload(join(PROJECT_ROOT, 'docs/experiments/drive-learning-curve.json'), 'config.json') });
    expect(config.error?.code).toBe('bad-input');
    expect(config.error?.message).toMatch(/config\.json is not a Lumen experiment result/);
    expect((await call(ws, 'project.state', {})).res.experiments).toEqual([]);
    const imported = (await call(ws, 'experiments.import', { file: await upload(join(PROJECT_ROOT, 'docs/results/drive-learning-curve.json'), 'drive-learning-curve.json') })).res;
    expect(imported.name).toBe('DRIVE learning curve');
    expect(imported.source).toBe('drive-learning-curve.json');
    expect(imported.summary).toHaveLength(16);
    await call(ws, 'project.close', {});
    const reopened = (await call(ws, 'project.open', { id: 'experiments' })).res;
    expect(reopened.experiments).toHaveLength(1);
    const n1 = reopened.experiments[0].summary.find((r: { n: number; strategy: string }) => r.n === 1 && r.strategy === 'synthetic-pretrain');
    expect(n1.dice.mean).toBeCloseTo(0.738, 3);
    ws.close();
  });

  it('refuses a damaged file with a readable message and imports nothing', async () => {
    const ws = await connect();
    await call(ws, 'project.create', { name: 'damaged' });
    const bad = join(tmp('lumen-bad-'), 'bad.tif');
    writeFileSync(bad, Buffer.concat([readFileSync(SAMPLE_IMAGE).subarray(0, 4000)]));
    const r = await call(ws, 'project.import', { files: [await upload(bad, 'my stack.tif')] });
    expect(r.ok).toBe(false);
    expect(r.error!.message.length).toBeGreaterThan(10);
    // the user's file by its name, never the upload folder it was copied to
    expect(r.error!.message).toContain('my stack.tif');
    expect(r.error!.message).not.toContain(tmpdir());
    expect(r.error!.code).not.toBe('internal');
    expect((await call(ws, 'project.state', {})).res.volume).toBeNull();
    ws.close();
  });
});

describe('the bundled sample and the Electron shell', () => {
  it('opens the sample in one call', async () => {
    const ws = await connect();
    const r = await call(ws, 'project.openSample', {});
    expect(r.res.volume.shape).toEqual([15, 128, 128, 1]);
    expect(r.res.labels.classes.map((c: { name: string }) => c.name)).toEqual(['background', 'foreground']);
    ws.close();
  });

  it('keeps the window sandboxed: context isolation, sandbox, no Node in the renderer, a CSP', () => {
    const main = readFileSync(join(__dirname, '../../src-main/electron/main.ts'), 'utf8');
    expect(main).toMatch(/contextIsolation: true/);
    expect(main).toMatch(/sandbox: true/);
    expect(main).toMatch(/nodeIntegration: false/);
    expect(main).toMatch(/content-security-policy/);
    const preload = readFileSync(join(__dirname, '../../src-main/electron/preload.ts'), 'utf8');
    expect(preload).not.toMatch(/from 'node:|require\(/);
  });
});

describe('label tools, training, models and export through the host', () => {
  let fast: RunningServer;
  beforeAll(async () => {
    const renderer = tmp('lumen-renderer-');
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Lumen</title>');
    fast = await startServer({ port: 0, projectsDir: tmp('lumen-projects-'), rendererDir: renderer, effortScale: 0.2, log: () => {} });
  });
  afterAll(async () => { await fast?.close(); });

  it('flood fill, 3D brush, copy to next slice, train → prediction, accept a region, ONNX out and in, TIFF/NIfTI export', async () => {
    const prev = server;
    server = fast;
    try {
      const { ws, events } = await connectCollectingEvents();
      const s = (await call(ws, 'project.openSample', {})).res;
      const labelId = s.labels.id;
      const edit = async (op: unknown) => { const r = await call(ws, 'labels.edit', { labelId, op }); expect(r.error).toBeUndefined(); return r.res; };
      // flood from the brightest voxel of slice 7 within [60% of max, max]
      const img = (await call(ws, 'volume.read', { volumeId: s.volume.id })).res;
      const pixels = new Uint8Array(img.data);
      let best = 0;
      for (let i = 7 * 128 * 128; i < 8 * 128 * 128; i++) if (pixels[i]! > pixels[best]!) best = i;
      const r0 = Math.floor((best % (128 * 128)) / 128), c0 = best % 128;
      const flood = await edit({ kind: 'flood', axis: 'z', index: 7, seed: [r0, c0], value: 2, low: Math.round(img.max * 0.6), high: img.max });
      expect(flood.delta.length).toBeGreaterThan(0);
      await edit({ kind: 'stroke', axis: 'z', index: 7, points: [[2, 2], [2, 120]], radius: 1, value: 1 });
      await edit({ kind: 'stroke', axis: 'z', index: 7, points: [[125, 2], [125, 120]], radius: 1, value: 1 });
      await edit({ kind: 'copy-slice', axis: 'z', index: 7, direction: 1 });
      await edit({ kind: 'ball', centers: [[3, 64, 64]], radius: 2, value: 1 });
      const dense = new Uint8Array((await call(ws, 'labels.read', { labelId })).res.data);
      const slice = (z: number) => dense.subarray(z * 128 * 128, (z + 1) * 128 * 128);
      expect(slice(8)).toEqual(slice(7)); // copied
      expect(dense[(3 * 128 + 64) * 128 + 64]).toBe(1); // the ball's centre
      expect(dense[(2 * 128 + 64) * 128 + 64]).toBe(1); // …one slice above

      const { runId } = (await call(ws, 'train.start', { strategy: 'auto', effort: 'quick', device: 'cpu' })).res;
      const deadline = Date.now() + 170_000;
      while (!events.some((e) => (e.type === 'train.done' || e.type === 'train.failed') && e.runId === runId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      const end = events.find((e) => e.type === 'train.done' || e.type === 'train.failed')!;
      expect(end.type, JSON.stringify(end)).toBe('train.done');
      expect(events.some((e) => e.type === 'train.progress')).toBe(true);
      const state = (await call(ws, 'project.state', {})).res;
      expect(state.models).toHaveLength(1);
      expect(state.runs[0].status).toBe('finished');
      expect(state.prediction).not.toBeNull();
      const pred = new Uint8Array((await call(ws, 'prediction.read', { volumeId: state.prediction.volumeId })).res.data);
      const hit = pred.findIndex((v, i) => v > 0 && dense[i] === 0 && Math.floor(i / (128 * 128)) === 11);
      if (hit >= 0) {
        const accepted = await edit({ kind: 'accept-prediction', axis: 'z', index: 11, seed: [Math.floor((hit % 16384) / 128), hit % 128], value: 2 });
        expect(accepted.delta).not.toBeNull();
      }

      const onnx = (await call(ws, 'models.exportOnnx', { modelId: state.models[0].id })).res;
      expect(onnx.fileName).toMatch(/\.onnx$/);
      const onnxPath = join(tmp('lumen-onnx-'), onnx.fileName);
      writeFileSync(onnxPath, onnx.bytes);
      const imported = await call(ws, 'models.importOnnx', { file: await upload(onnxPath, onnx.fileName) });
      expect(imported.res.strategy).toBe(state.models[0].strategy); // provenance travels with the file
      const notOnnx = await call(ws, 'models.importOnnx', { file: await upload(SAMPLE_IMAGE, 'fake.onnx') });
      expect(notOnnx.error?.message).toMatch(/not an ONNX model/);

      for (const format of ['tiff', 'nifti'] as const) {
        const out = (await call(ws, 'export.volume', { what: 'prediction', format })).res;
        const path = join(tmp('lumen-export-'), out.fileName);
        writeFileSync(path, out.bytes);
        const { readVolume } = await import('../../src-shared/io/index.ts');
        const v = await readVolume(path);
        expect(v.shape.slice(0, 3)).toEqual([15, 128, 128]);
      }
      ws.close();
    } finally {
      server = prev;
    }
  }, 200_000);

  it('stops a training run on request: the run is marked cancelled, nothing is added, its loss curve is kept', async () => {
    const prev = server;
    server = fast;
    try {
      const { ws, events } = await connectCollectingEvents();
      const before = (await call(ws, 'project.state', {})).res;
      const { runId } = (await call(ws, 'train.start', { strategy: 'scratch', effort: 'thorough', device: 'cpu' })).res;
      expect((await call(ws, 'train.start', { strategy: 'auto', effort: 'quick', device: 'cpu' })).error?.message).toMatch(/already going/);
      const t0 = Date.now();
      const losses = () => events.filter((e) => e.type === 'train.progress').map((e) => (e.progress as { loss?: number }).loss).filter((l): l is number => l !== undefined);
      while (losses().length < 3 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
      await call(ws, 'train.stop', {});
      while (!events.some((e) => e.type === 'train.failed' || e.type === 'train.done') && Date.now() - t0 < 90_000) await new Promise((r) => setTimeout(r, 100));
      const end = events.find((e) => e.type === 'train.failed' || e.type === 'train.done')!;
      expect(end).toMatchObject({ type: 'train.failed', runId, cancelled: true });
      const after = (await call(ws, 'project.state', {})).res;
      expect(after.models.length).toBe(before.models.length);
      expect(after.runs.find((r: { id: number }) => r.id === runId).status).toBe('cancelled');
      // the loss chart comes back after reopening: the losses the run reported before it stopped, in order
      const charts = (await call(ws, 'runs.steps', { runId })).res;
      expect(charts.loss.length).toBeGreaterThanOrEqual(3);
      expect(charts.loss).toEqual(losses().slice(0, charts.loss.length));
      ws.close();
    } finally {
      server = prev;
    }
  }, 120_000);
});
