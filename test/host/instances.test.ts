// Instance mode's host services on a real project file, without a browser: objects drawn through
// api.ts requests (checked against REQUEST_SCHEMAS as from the page), undo/redo, an imported label
// image with ids beyond 65535, a wrong-shaped one refused in one line with nothing lost, and the
// objects exported as a label image and a CSV, all surviving a restart of the host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiFailure, LumenHost } from '../../src-main/host/lumen-host.ts';
import { FileRegistry } from '../../src-main/host/files.ts';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { decodeInstanceDelta, objectIds } from '../../src-shared/labels/index.ts';
import type { FileHandle, InstanceChange, ProjectState } from '../../src-shared/api.ts';

const dirs: string[] = [];
const tmp = (p: string) => { const d = mkdtempSync(join(tmpdir(), p)); dirs.push(d); return d; };
const H = 48, W = 64;
let projects: string, files: FileRegistry, host: LumenHost, data: string;

function register(path: string, name: string): FileHandle { return files.register(path, name, statSync(path).size); }
const call = <T>(method: string, req: unknown) => host.call(method, req) as Promise<T>;
const edit = (op: unknown) => call<InstanceChange>('instances.edit', { op });

beforeAll(async () => {
  projects = tmp('lumen-inst-projects-');
  data = tmp('lumen-inst-data-');
  const img = new Uint16Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img[y * W + x] = ((y - 20) ** 2 + (x - 20) ** 2 < 64 || (y - 30) ** 2 + (x - 45) ** 2 < 81) ? 900 : 100;
  await writeVolume(join(data, 'cells.tif'), makeVolume([1, H, W, 1], 'uint16', img, { spacing: [1, 0.5, 0.5], unit: 'um' }));
  files = new FileRegistry();
  host = new LumenHost({ projectsDir: projects, transport: 'websocket', files });
});

afterAll(async () => {
  await host?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('instance mode on the host', () => {
  it('draws, fills, merges, deletes and marks regions through api requests, with undo and redo', async () => {
    await call('project.create', { name: 'cells' });
    const state = await call<ProjectState>('project.import', { files: [register(join(data, 'cells.tif'), 'cells.tif')] });
    expect(state.instances).toMatchObject({ layerId: null, objects: 0, nextId: 1, markedVoxels: 0, canUndo: false });
    expect(state.labels?.classes.map((c) => c.value)).toEqual([1, 2]); // class labels as before

    const a = await edit({ kind: 'paint-new', axis: 'z', index: 0, points: [[20, 16], [20, 24]], radius: 2 });
    expect(a.id).toBe(1);
    expect(a.instances).toMatchObject({ objects: 1, nextId: 2, revision: 1, canUndo: true });
    const b = await edit({ kind: 'fill', axis: 'z', index: 0, seed: [30, 45], low: 500, high: 1000 });
    expect(b.id).toBe(2);
    const filled = decodeInstanceDelta(b.delta!);
    expect(filled.offsets.length).toBeGreaterThan(200); // the whole bright disc, r 9
    expect(Array.from(new Set(filled.after))).toEqual([2]);
    const extended = await edit({ kind: 'paint', axis: 'z', index: 0, points: [[20, 24], [20, 30]], radius: 1, id: 1 });
    expect(extended.instances.objects).toBe(2);
    await edit({ kind: 'paint-new', axis: 'z', index: 0, points: [[5, 5]], radius: 1 }); // a slip
    expect((await edit({ kind: 'delete', id: 3 })).instances.objects).toBe(2);
    const merged = await edit({ kind: 'merge', into: 1, from: 2 });
    expect(merged.instances.objects).toBe(1);
    const region = await edit({ kind: 'region', axis: 'z', index: 0, from: [10, 10], to: [40, 55], value: 1 });
    expect(region.instances.markedVoxels).toBe(31 * 46);
    const undone = await call<InstanceChange>('instances.undo', {});
    expect(undone).toMatchObject({ direction: 'backward', instances: { markedVoxels: 0 } });
    await call('instances.undo', {}); // the merge
    const redone = await call<InstanceChange>('instances.redo', {});
    expect(redone.instances.objects).toBe(1);
    await call('instances.undo', {});
    const read = await call<{ ids: Uint8Array; objects: number }>('instances.read', {});
    const ids = new Uint32Array(read.ids.slice().buffer);
    expect(objectIds(ids)).toEqual([1, 2]);
    expect(read.objects).toBe(2);
    // bad requests are refused before any service runs
    await expect(host.call('instances.edit', { op: { kind: 'merge', into: 1 } })).rejects.toThrow(/from is missing/);
    await expect(edit({ kind: 'merge', into: 1, from: 77 })).rejects.toThrow(/no object 77/);
  });

  it('imports a label image with ids beyond 65535; a wrong shape is refused in one line and nothing is lost', async () => {
    const before = (await call<ProjectState>('project.state', {})).instances!;
    const wrong = join(data, 'wrong.tif');
    await writeVolume(wrong, makeVolume([1, H, W + 1, 1], 'uint16'));
    const err = await host.call('instances.import', { file: register(wrong, 'wrong.tif') }).catch((e) => e) as ApiFailure;
    expect(err).toBeInstanceOf(ApiFailure);
    expect(err.code).toBe('shape-mismatch');
    expect(err.message).toBe('wrong.tif is 1×48×65 but the image is 1×48×64: an instance label image must have the image\'s shape');
    const after = (await call<ProjectState>('project.state', {})).instances!;
    expect(after).toEqual(before);

    const labels = new Uint32Array(H * W);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) labels[y * W + x] = x < 20 ? 0 : x < 40 ? 300 : 70_000 + (y < 24 ? 0 : 1);
    const good = join(data, 'objects.tif');
    await writeVolume(good, makeVolume([1, H, W, 1], 'uint32', labels));
    const imported = await call<InstanceChange>('instances.import', { file: register(good, 'objects.tif') });
    expect(imported.instances).toMatchObject({ objects: 3, nextId: 70_002, revision: after.revision + 1 });
  });

  it('exports the objects as a uint32 label image and a CSV row per object, after a restart', async () => {
    await host.close();
    files = new FileRegistry();
    host = new LumenHost({ projectsDir: projects, transport: 'websocket', files });
    const state = await call<ProjectState>('project.open', { id: 'cells' });
    expect(state.instances).toMatchObject({ objects: 3, canUndo: true });
    const tif = await call<{ fileName: string; bytes: Uint8Array }>('export.instances', { what: 'drawn', format: 'tiff' });
    expect(tif.fileName).toBe('cells-objects-drawn.tif');
    const path = join(data, tif.fileName);
    writeFileSync(path, tif.bytes);
    const vol = await readVolume(path);
    expect(vol.dtype).toBe('uint32');
    expect(vol.geometry.spacing).toEqual([1, 0.5, 0.5]);
    expect(objectIds(vol.data)).toEqual([300, 70_000, 70_001]);
    const csv = new TextDecoder().decode((await call<{ bytes: Uint8Array }>('export.objects', { what: 'drawn' })).bytes).trim().split('\n');
    expect(csv[0]).toMatch(/^id,voxels,volume_um3,/);
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['300,960', '70000,576', '70001,576']);
    await expect(host.call('export.objects', { what: 'predicted' })).rejects.toThrow(/train instances first/);
    await expect(host.call('instances.train', { effort: 'quick', device: 'cpu', pretrainedModelId: 99 })).rejects.toThrow(/no model 99/);
  });
});
