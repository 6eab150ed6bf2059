// Opening anything that is not a healthy Lumen project must fail with a clear LumenError
// and leave the file exactly as it was: same bytes, no -wal/-shm left beside it.
import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { openSync, writeSync, closeSync, writeFileSync, truncateSync, statSync, readFileSync, copyFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ProjectStore, SCHEMA_VERSION } from '../../src-main/store/index.ts';
import { isLumenError, type LumenErrorCode } from '../../src-shared/errors.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { paintBall } from '../../src-shared/labels/index.ts';
import { tempDir, removeTempDirs, snapshot } from './helpers.ts';
import { rng } from '../labels/helpers.ts';

function expectRefused(path: string, code: LumenErrorCode, message: RegExp): void {
  const dir = join(path, '..');
  const before = snapshot(path, dir);
  let err: unknown;
  try {
    const s = ProjectStore.open(path);
    s.close();
  } catch (e) {
    err = e;
  }
  expect(isLumenError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  expect((err as Error).message).toMatch(message);
  expect(snapshot(path, dir)).toEqual(before);
}

/** A real project with some content, closed (so everything is checkpointed into the main file). */
function makeProject(dir: string): string {
  const path = join(dir, 'p.lumen');
  const s = ProjectStore.create(path);
  const r = rng(5);
  const v = makeVolume([20, 64, 64, 1], 'uint16');
  for (let i = 0; i < v.data.length; i++) v.data[i] = Math.floor(r() * 60000);
  s.addVolume(v, { name: 'noise' });
  const id = s.createLabels({ name: 'l', shape: [20, 64, 64] });
  s.saveLabelEdit(id, paintBall(s.loadLabels(id), { center: [10, 30, 30], radius: 8, value: 2 }));
  s.addModel({ name: 'm', onnx: new Uint8Array(20000).fill(7), config: {}, provenance: {} });
  s.close();
  return path;
}

afterAll(removeTempDirs);

describe('opening files that are not healthy Lumen projects', () => {
  it('a missing file', () => {
    try { ProjectStore.open(join(tempDir(), 'nope.lumen')); expect.unreachable(); }
    catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); }
  });

  it('a text file, random bytes, an empty file, a directory', () => {
    const dir = tempDir();
    const txt = join(dir, 'notes.lumen');
    writeFileSync(txt, 'These are my notes about the mouse brain.\n'.repeat(50));
    expectRefused(txt, 'not-a-project', /not a Lumen project/);
    const rnd = join(dir, 'random.lumen');
    const r = rng(1);
    writeFileSync(rnd, Uint8Array.from({ length: 8192 }, () => Math.floor(r() * 256)));
    expectRefused(rnd, 'not-a-project', /not a Lumen project/);
    const empty = join(dir, 'empty.lumen');
    writeFileSync(empty, '');
    expectRefused(empty, 'not-a-project', /not a Lumen project/);
    try { ProjectStore.open(dir); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'not-a-project')).toBe(true); }
  });

  it('another application\'s SQLite database (rollback and WAL journals)', () => {
    const dir = tempDir();
    for (const mode of ['delete', 'wal']) {
      const other = join(dir, `other-${mode}.db`);
      const db = new Database(other);
      db.pragma(`journal_mode = ${mode}`);
      db.exec("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('magic', 'lumen-project')");
      db.close();
      expectRefused(other, 'not-a-project', /SQLite database but not a Lumen project/);
    }
  });

  it('a project from a newer Lumen', () => {
    const path = makeProject(tempDir());
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expectRefused(path, 'newer-schema', /newer Lumen/);
  });

  it('a project made newer by a transaction still only in its -wal', () => {
    const dir = tempDir();
    const path = makeProject(dir);
    const db = new Database(path);
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    const crashed = join(dir, 'crashed.lumen');
    copyFileSync(path, crashed);
    copyFileSync(`${path}-wal`, `${crashed}-wal`);
    db.close();
    expect(readFileSync(crashed).readUInt32BE(60)).toBe(SCHEMA_VERSION); // the main file alone looks current
    const walBefore = readFileSync(`${crashed}-wal`);
    expectRefused(crashed, 'newer-schema', /newer Lumen/);
    expect(readFileSync(`${crashed}-wal`).equals(walBefore)).toBe(true);
  });

  it('a truncated project', () => {
    const path = makeProject(tempDir());
    const size = statSync(path).size;
    truncateSync(path, Math.floor(size / 2 / 4096) * 4096);
    expectRefused(path, 'damaged', /truncated/);
    truncateSync(path, Math.floor(size / 3) + 17); // not even whole pages
    expectRefused(path, 'damaged', /truncated/);
  });

  it('a project with garbage pages', () => {
    const path = makeProject(tempDir());
    const pageSize = readFileSync(path).readUInt16BE(16);
    const r = rng(9);
    // Overwrite pages 2..5 (the first table b-trees) with noise, keeping the header page.
    const fd = openSync(path, 'r+');
    writeSync(fd, Uint8Array.from({ length: 4 * pageSize }, () => Math.floor(r() * 256)), 0, 4 * pageSize, pageSize);
    closeSync(fd);
    expectRefused(path, 'damaged', /damaged/);
  });

  it('a project whose stored voxels were altered inside a blob', () => {
    const path = makeProject(tempDir());
    // Find the slab blob by its position: flip a byte deep inside the file's data pages
    // until reading the volume notices. SQLite's structure stays valid; the CRC catches it.
    const s = ProjectStore.open(path);
    const id = s.listVolumes()[0]!.id;
    const original = s.readVolume(id);
    s.close();
    const bytes = readFileSync(path);
    const data = Buffer.from(original.data.buffer, original.data.byteOffset, 64);
    // deflate level 1 on noise stores blocks nearly raw, so the voxel bytes appear in the file
    const at = bytes.indexOf(data.subarray(8, 40));
    expect(at).toBeGreaterThan(0);
    const fd = openSync(path, 'r+');
    writeSync(fd, Uint8Array.of(bytes[at + 5]! ^ 0xff), 0, 1, at + 5);
    closeSync(fd);
    const t = ProjectStore.open(path); // structure is fine, so it opens
    const report = t.checkIntegrity();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(['slices 0.. of volume "noise" is damaged in the project file (checksum mismatch)']);
    expect(report.checked).toEqual({ slabs: 1, labelChunks: 1, journalEntries: 1, models: 1 });
    try { t.readVolume(id); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'damaged')).toBe(true); expect((e as Error).message).toMatch(/checksum/); }
    t.close();
  });
});
