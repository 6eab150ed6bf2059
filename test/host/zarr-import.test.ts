// An OME-Zarr folder opened in the app: the browser sends the folder's files with their paths
// (one upload batch), the host puts the tree back together and imports it; a pyramid whose full
// resolution would not fit in the host's memory budget opens at the finest level that does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { makeVolume } from '../../src-shared/volume.ts';
import { writeVolume } from '../../src-shared/io/index.ts';
import { FileRegistry } from '../../src-main/host/files.ts';
import { LumenHost } from '../../src-main/host/lumen-host.ts';
import { startServer, type RunningServer } from '../../src-main/server.ts';
import type { FileHandle, ProjectState } from '../../src-shared/api.ts';

let dir: string;
const [D, H, W] = [6, 300, 280];

/** Every file below `root`, as paths relative to root's parent (what webkitRelativePath holds). */
function treeFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else out.push(p); } };
  walk(root);
  return out.map((p) => relative(join(root, '..'), p));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-zarr-import-'));
  const data = Uint8Array.from({ length: D * H * W }, (_, i) => (i * 7) % 251);
  // 300×280 in-plane: level 0 and a 2× level (150×140)
  writeVolume(join(dir, 'stack.zarr'), makeVolume([D, H, W, 1], 'uint8', data, { spacing: [2, 0.5, 0.5], unit: 'um' }), { chunks: [2, 64, 64] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function importTree(host: LumenHost, files: FileRegistry, copyRoot?: string): Promise<ProjectState> {
  await host.call('project.create', { name: `p${Math.random().toString(36).slice(2, 8)}` });
  const handles: FileHandle[] = treeFiles(join(dir, 'stack.zarr')).map((rel) => {
    const at = join(copyRoot ?? dir, rel);
    return files.register(at, rel, statSync(at).size);
  });
  return (await host.call('project.import', { files: handles })) as ProjectState;
}

describe('OME-Zarr in the app', () => {
  it('a picked folder imports as one image, at full resolution when it fits', async () => {
    const files = new FileRegistry();
    const host = new LumenHost({ projectsDir: join(dir, 'projects-a'), transport: 'websocket', files });
    try {
      const state = await importTree(host, files);
      expect(state.volume?.format).toBe('zarr');
      expect(state.volume?.shape).toEqual([D, H, W, 1]);
      expect(state.volume?.spacing).toEqual([2, 0.5, 0.5]);
      expect(state.volume?.pyramid).toBeUndefined();
    } finally { await host.close(); }
  });

  it('a pyramid too large for the memory budget opens at the finest level that fits, and says so', async () => {
    const files = new FileRegistry();
    // level 0 needs 6·300·280·44 B ≈ 22.2 MB here (1 B of image + 43 B the app holds per voxel), level 1 (3·150·140 or 6·150·140) at most 5.5 MB
    const host = new LumenHost({ projectsDir: join(dir, 'projects-b'), transport: 'websocket', files, memoryBudgetBytes: 6e6 });
    try {
      const state = await importTree(host, files);
      expect(state.volume?.pyramid).toEqual({ level: 1, levels: 2, fullShape: [D, H, W] });
      expect(state.volume?.shape.slice(1, 3)).toEqual([150, 140]);
      expect(state.volume?.spacing[1]).toBe(1);
      const tiny = new LumenHost({ projectsDir: join(dir, 'projects-c'), transport: 'websocket', files, memoryBudgetBytes: 1e4 });
      try {
        await expect(importTree(tiny, files)).rejects.toThrow(/too large to open here even at its coarsest pyramid level.*lumen predict --blocks/);
      } finally { await tiny.close(); }
    } finally { await host.close(); }
  });
});

describe('folder uploads through the server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    const renderer = join(dir, 'renderer');
    rmSync(renderer, { recursive: true, force: true });
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Lumen</title>');
    server = await startServer({ port: 0, projectsDir: join(dir, 'projects-d'), rendererDir: renderer, log: () => {} });
  });
  afterAll(async () => { await server?.close(); });

  const post = (query: string, body: Buffer<ArrayBuffer>) => fetch(`http://127.0.0.1:${server.port}/upload?token=${server.token}&${query}`, {
    method: 'POST', body, headers: { origin: `http://127.0.0.1:${server.port}` },
  });

  it('keeps the tree of one batch (zarr\'s .zarray-style names included) and refuses paths that climb out', async () => {
    const handles: FileHandle[] = [];
    for (const rel of treeFiles(join(dir, 'stack.zarr'))) {
      const r = await post(`name=x&batch=abcdef123456&path=${encodeURIComponent(rel)}`, readFileSync(join(dir, rel)));
      expect(r.status).toBe(200);
      handles.push(await r.json() as FileHandle);
    }
    expect(handles[0]!.name.startsWith('stack.zarr/')).toBe(true);
    await server.host.call('project.create', { name: 'uploaded' });
    const state = (await server.host.call('project.import', { files: handles })) as ProjectState;
    expect(state.volume?.format).toBe('zarr');
    expect(state.volume?.name).toBe('stack.zarr');
    for (const bad of ['stack.zarr/../../etc/passwd', '../x', 'a//b', 'a/./b']) {
      expect((await post(`batch=abcdef123456&path=${encodeURIComponent(bad)}`, Buffer.alloc(1))).status).toBe(400);
    }
    expect((await post('batch=no&path=a/b', Buffer.alloc(1))).status).toBe(400);
  });
});
