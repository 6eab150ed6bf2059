// The live preview through the host, as the window uses it: a real project file, strokes made with
// labels.edit, preview.request answered by preview.result events from the preview worker thread.
// Nothing painted → a sentence and no worker; two classes painted → the planes through the cursor
// on the newest labels revision; requests made while the worker computes collapse to the newest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LumenHost } from '../../src-main/host/lumen-host.ts';
import { FileRegistry } from '../../src-main/host/files.ts';
import { writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import type { HostEvent, LabelChange, PreviewUpdate, ProjectState } from '../../src-shared/api.ts';

const D = 7, H = 48, W = 52;
const dirs: string[] = [];
const tmp = (p: string) => { const d = mkdtempSync(join(tmpdir(), p)); dirs.push(d); return d; };
let host: LumenHost, files: FileRegistry, data: string;
const updates: PreviewUpdate[] = [];

const call = <T>(method: string, req: unknown) => host.call(method, req) as Promise<T>;
/** the next preview event after `seen` updates */
async function nextUpdate(seen: number, timeoutMs = 60_000): Promise<PreviewUpdate> {
  const t0 = Date.now();
  while (updates.length <= seen) {
    if (Date.now() - t0 > timeoutMs) throw new Error('no preview came');
    await new Promise((r) => setTimeout(r, 20));
  }
  return updates[seen]!;
}
/** bright discs (class 2) on a dark noisy background, the same in every slice */
const isDisc = (y: number, x: number) => (y - 16) ** 2 + (x - 16) ** 2 < 64 || (y - 32) ** 2 + (x - 38) ** 2 < 49;

beforeAll(async () => {
  data = tmp('lumen-preview-data-');
  const img = new Uint16Array(D * H * W);
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img[(z * H + y) * W + x] = (isDisc(y, x) ? 900 : 200) + Math.round(rand() * 150);
  await writeVolume(join(data, 'discs.tif'), makeVolume([D, H, W, 1], 'uint16', img));
  files = new FileRegistry();
  host = new LumenHost({ projectsDir: tmp('lumen-preview-projects-'), transport: 'websocket', files });
  host.onEvent((e: HostEvent) => { if (e.type === 'preview.result') updates.push(e.preview); });
});

afterAll(async () => {
  await host?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('live preview through the host', () => {
  it('says what to paint, then previews the three views on the newest labels, newest request first', async () => {
    await call('project.create', { name: 'discs' });
    const f = join(data, 'discs.tif');
    const state = await call<ProjectState>('project.import', { files: [files.register(f, 'discs.tif', statSync(f).size)] });
    const labelId = state.labels!.id;

    await call('preview.request', { cursor: [3, 20, 20] });
    const nothing = await nextUpdate(0);
    expect(nothing.planes).toEqual([]);
    expect(nothing.message).toMatch(/paint some background and a class/);

    // a vessel-like stroke through a disc (class 2), then background beside it, on z = 1
    await call<LabelChange>('labels.edit', { labelId, op: { kind: 'stroke', axis: 'z', index: 1, points: [[16, 12], [16, 20]], radius: 2, value: 2 } });
    await call('preview.request', { cursor: [3, 20, 20] });
    const oneClass = await nextUpdate(1);
    expect(oneClass.message).toMatch(/background/); // the worker's refusal, in the user's words

    const bg = await call<LabelChange>('labels.edit', { labelId, op: { kind: 'stroke', axis: 'z', index: 1, points: [[4, 44], [44, 44], [44, 4], [26, 22], [6, 30]], radius: 2, value: 1 } });
    const seen = updates.length;
    await call('preview.request', { cursor: [3, 20, 20] });
    const p = await nextUpdate(seen);
    expect(p.message).toBeNull();
    expect(p.labelsRevision).toBe(bg.labels.revision);
    expect(p.seconds).toBeGreaterThan(0);
    expect(p.planes.map((q) => [q.axis, q.index])).toEqual([['z', 3], ['y', 20], ['x', 20]]);
    const axial = p.planes[0]!;
    let right = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((axial.labels[y * W + x] === 2) === isDisc(y, x)) right++;
    expect(right / (H * W)).toBeGreaterThan(0.9); // slice 3 was never painted

    // three requests while the worker computes: the first is computed, the last waits, the middle one is dropped
    const before = updates.length;
    await call('preview.request', { cursor: [4, 20, 20] });
    await call('preview.request', { cursor: [5, 20, 20] });
    await call('preview.request', { cursor: [6, 10, 30] });
    const first = await nextUpdate(before);
    const last = await nextUpdate(before + 1);
    expect(first.planes[0]!.index).toBe(4);
    expect(last.planes.map((q) => q.index)).toEqual([6, 10, 30]);
    await new Promise((r) => setTimeout(r, 500));
    expect(updates.length).toBe(before + 2);

    // asking again for what is on screen computes nothing
    await call('preview.request', { cursor: [6, 10, 30] });
    await new Promise((r) => setTimeout(r, 500));
    expect(updates.length).toBe(before + 2);
  });
});
