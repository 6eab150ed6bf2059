import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeFileSync, appendFileSync, rmSync, readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { inflateSync } from 'fflate';
import { crc32 } from 'node:zlib';
import { ProjectStore, LabelSession, LUMEN_APPLICATION_ID, SCHEMA_VERSION, runMigrations, MIGRATIONS } from '../../src-main/store/index.ts';
import {
  SparseLabelVolume, paintStroke, paintBall, fillSlice, eraseDisk, floodFill, importMask, EditHistory, deltaVoxelCount,
} from '../../src-shared/labels/index.ts';
import { makeVolume, type Volume } from '../../src-shared/volume.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { tempDir, removeTempDirs } from './helpers.ts';
import { expectSameBytes, rng } from '../labels/helpers.ts';

function noisyVolume(shape: [number, number, number, number], seed: number): Volume {
  const r = rng(seed);
  const v = makeVolume(shape, 'uint16');
  for (let i = 0; i < v.data.length; i++) v.data[i] = Math.floor(r() * 4000);
  v.geometry = { spacing: [2, 0.5, 0.5], unit: 'um', affine: [0.5, 0, 0, 1, 0, 0.5, 0, 2, 0, 0, 2, 3, 0, 0, 0, 1] };
  v.source = { format: 'tiff', path: '/data/stack.tif', header: { pages: shape[0] } };
  return v;
}

function expectSameVolume(a: Volume, b: Volume): void {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  expect(a.data.constructor).toBe(b.data.constructor);
  expectSameBytes(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength));
}

afterAll(removeTempDirs);

describe('ProjectStore round trips', () => {
  it('creates a project stamped with the Lumen application id, WAL and schema version', () => {
    const path = join(tempDir(), 'p.lumen');
    const s = ProjectStore.create(path);
    expect(s.schemaVersion).toBe(SCHEMA_VERSION);
    expect(s.quickCheck()).toEqual(['ok']);
    s.close();
    expect(readdirSync(join(path, '..'))).toEqual(['p.lumen']); // no temporary or sidecar files left
    const db = new Database(path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(LUMEN_APPLICATION_ID);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare("SELECT value FROM meta WHERE key = 'magic'").pluck().get()).toBe('lumen-project');
    db.close();
    try { ProjectStore.create(path); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); }
    try { ProjectStore.create(join(path, '..', 'no such folder', 'x.lumen')); expect.unreachable(); }
    catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); }
  });

  it('LabelSession keeps the in-memory labels equal to the committed ones', () => {
    const path = join(tempDir(), 'p.lumen');
    let s = ProjectStore.create(path);
    const id = s.createLabels({ name: 'l', shape: [20, 80, 80] });
    let session = new LabelSession(s, id);
    const L = session.labels;
    expect(session.apply(paintBall(L, { center: [10, 40, 40], radius: 6, value: 2 }), 'ball')).not.toBeNull();
    expect(session.apply(fillSlice(L, { axis: 'z', index: 3, value: 1 }))).not.toBeNull();
    const afterTwo = L.toDense();
    session.undo();
    expectSameBytes(L.toDense(), s.loadLabels(id).toDense());
    session.redo();
    expectSameBytes(L.toDense(), afterTwo);
    // a delta that does not match is refused by the store and never reaches memory
    const stale = paintBall(new SparseLabelVolume([20, 80, 80]), { center: [10, 40, 40], radius: 2, value: 3 });
    try { session.apply(stale); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'damaged')).toBe(true); }
    expectSameBytes(L.toDense(), afterTwo);
    expect(session.info()).toMatchObject({ revision: 4, canUndo: true, canRedo: false });
    s.close();
    s = ProjectStore.open(path);
    session = new LabelSession(s, id);
    expectSameBytes(session.labels.toDense(), afterTwo);
    session.undo();
    session.undo();
    expect(session.labels.allocatedChunkCount).toBe(0);
    s.close();
  });

  it('trimming the journal limits undo depth but keeps the labels', () => {
    const path = join(tempDir(), 'p.lumen');
    const s = ProjectStore.create(path);
    const id = s.createLabels({ name: 'l', shape: [10, 100, 100] });
    const states: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const mem = s.loadLabels(id);
      s.saveLabelEdit(id, paintBall(mem, { center: [5, 20 * i, 50], radius: 4, value: 2 + i }));
      states.push(s.loadLabels(id).toDense());
    }
    s.undoLabelEdit(id); // one on the redo stack, four undoable
    expect(s.trimLabelJournal(id, 2)).toBe(2);
    expectSameBytes(s.loadLabels(id).toDense(), states[3]!);
    expect(s.labelJournal(id).map((j) => j.undone)).toEqual([false, false, true]);
    expect(s.undoLabelEdit(id)).not.toBeNull();
    expect(s.undoLabelEdit(id)).not.toBeNull();
    expect(s.undoLabelEdit(id)).toBeNull();
    expectSameBytes(s.loadLabels(id).toDense(), states[1]!);
    while (s.redoLabelEdit(id)) { /* redo all */ }
    expectSameBytes(s.loadLabels(id).toDense(), states[4]!);
    s.close();
  });

  it('volumes: embed round trip, slab streaming with a shifted affine, reference with checksum', () => {
    const dir = tempDir();
    const path = join(dir, 'p.lumen');
    const s = ProjectStore.create(path);
    const big = noisyVolume([37, 200, 300, 1], 1); // 120 KB per slice → 34-slice slabs, 2 slabs
    const f32 = makeVolume([3, 4, 5, 2], 'float32', Float32Array.from({ length: 120 }, (_, i) => i / 7 - 3));
    const idBig = s.addVolume(big, { name: 'stack' });
    const idF = s.addVolume(f32, { name: 'two channels' });
    const refFile = join(dir, 'orig.tif');
    writeFileSync(refFile, Buffer.from('pretend tiff bytes'));
    const idRef = s.addVolume(makeVolume([2, 2, 2, 1], 'uint8'), { name: 'by reference', mode: 'reference', path: refFile });
    s.close();

    let t = ProjectStore.open(path);
    const infos = t.listVolumes();
    expect(infos.map((v) => v.name)).toEqual(['stack', 'two channels', 'by reference']);
    expect(infos[0]!.geometry).toEqual(big.geometry);
    expect(infos[0]!.source).toEqual(big.source);
    expect(infos[2]!.storage).toBe('reference');
    expect(infos[2]!.reference!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expectSameVolume(t.readVolume(idBig), big);
    expectSameVolume(t.readVolume(idF), f32);
    const part = t.readVolumeSlices(idBig, 30, 36); // straddles the slab boundary at 34
    expect(part.shape).toEqual([6, 200, 300, 1]);
    expectSameBytes(new Uint8Array(part.data.buffer), new Uint8Array(big.data.buffer, 30 * 200 * 300 * 2, 6 * 200 * 300 * 2));
    expect(part.geometry.affine![11]).toBe(3 + 2 * 30); // z translation moved by 30 slices
    expect(() => t.readVolumeSlices(idBig, 36, 38)).toThrow(RangeError);
    try { t.readVolume(idRef); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'unsupported')).toBe(true); }
    expect(t.checkReference(idRef)).toEqual({ ok: true, path: refFile });
    appendFileSync(refFile, 'edited');
    expect(t.checkReference(idRef)).toMatchObject({ ok: false, problem: 'changed' });
    rmSync(refFile);
    expect(t.checkReference(idRef)).toMatchObject({ ok: false, problem: 'missing' });
    // stored blobs are plain raw DEFLATE: fflate (usable in the renderer) decodes them
    t.close();
    const raw = new Database(path, { readonly: true });
    const slab = raw.prepare('SELECT raw_length, crc32, data FROM volume_slabs WHERE volume_id = ?').get(idF) as { raw_length: number; crc32: number; data: Buffer };
    raw.close();
    const inflated = inflateSync(new Uint8Array(slab.data));
    expect(inflated.length).toBe(slab.raw_length);
    expect(crc32(inflated)).toBe(slab.crc32);
    expectSameBytes(inflated, new Uint8Array(f32.data.buffer));
    t = ProjectStore.open(path);
    t.deleteVolume(idF);
    expect(t.listVolumes()).toHaveLength(2);
    try { t.readVolume(idF); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); }
    t.close();
  });

  it('labels: edits persist chunk by chunk, reopen gives identical labels, undo/redo survive reopen', () => {
    const path = join(tempDir(), 'p.lumen');
    const shape: [number, number, number] = [70, 150, 140];
    let s = ProjectStore.create(path);
    const volId = s.addVolume(noisyVolume([...shape, 1], 2), { name: 'img' });
    const labId = s.createLabels({ name: 'nuclei', shape, volumeId: volId, classes: [{ value: 1, name: 'background' }, { value: 2, name: 'nucleus', color: '#ff0' }] });
    try { s.createLabels({ name: 'bad', shape: [1, 2, 3], volumeId: volId }); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'shape-mismatch')).toBe(true); }

    const mem = new SparseLabelVolume(shape);
    const hist = new EditHistory(mem);
    const img = s.readVolume(volId);
    const mask = new Uint8Array(shape[0] * shape[1] * shape[2]);
    for (let z = 60; z < 70; z++) for (let i = 0; i < 150 * 140; i += 3) mask[z * 150 * 140 + i] = 1;
    // ops are made against the current state, so each is built, applied and saved in turn
    const edits = [
      () => paintStroke(mem, { axis: 'z', index: 10, radius: 5, value: 2, points: [[10, 10], [120, 130]] }),
      () => paintBall(mem, { center: [30, 70, 70], radius: 12, value: 3 }),
      () => fillSlice(mem, { axis: 'y', index: 100, value: 1 }),
      () => eraseDisk(mem, { axis: 'y', index: 100, center: [30, 70], radius: 9 }),
      () => floodFill(mem, img, { seed: [5, 5, 5], min: 0, max: 4000, value: 4, plane: 'x' }),
      () => importMask(mem, { data: mask, shape }, { classValue: 5 }),
    ];
    const states: Uint8Array[] = [mem.toDense()];
    for (let i = 0; i < edits.length; i++) {
      const d = edits[i]!();
      expect(deltaVoxelCount(d), `edit ${i}`).toBeGreaterThan(0);
      hist.apply(d);
      const c = s.saveLabelEdit(labId, d, `edit ${i}`)!;
      expect(c.revision).toBe(i + 1);
      states.push(mem.toDense());
    }
    expect(s.saveLabelEdit(labId, paintBall(mem, { center: [0, 0, 0], radius: 0, value: mem.get(0, 0, 0) }))).toBeNull();
    s.close();

    s = ProjectStore.open(path);
    expectSameBytes(s.loadLabels(labId).toDense(), states[6]!);
    const info = s.labelInfo(labId);
    expect(info).toMatchObject({ name: 'nuclei', volumeId: volId, shape, revision: 6, canUndo: true, canRedo: false });
    expect(info.classes[1]).toEqual({ value: 2, name: 'nucleus', color: '#ff0' });
    const journal = s.labelJournal(labId);
    expect(journal.map((j) => j.note)).toEqual(['edit 0', 'edit 1', 'edit 2', 'edit 3', 'edit 4', 'edit 5']);
    expect(journal.map((j) => j.voxels)).toEqual(edits.map((_, i) => deltaVoxelCount(s.journalDelta(journal[i]!.seq))));
    // undo three, reopen, check, redo one, reopen, check
    for (let k = 0; k < 3; k++) {
      const u = s.undoLabelEdit(labId)!;
      mem.applyDelta(u.delta, 'backward');
    }
    expectSameBytes(mem.toDense(), states[3]!);
    s.close();
    s = ProjectStore.open(path);
    expectSameBytes(s.loadLabels(labId).toDense(), states[3]!);
    expect(s.labelInfo(labId)).toMatchObject({ canUndo: true, canRedo: true, revision: 9 });
    s.redoLabelEdit(labId);
    s.close();
    s = ProjectStore.open(path);
    expectSameBytes(s.loadLabels(labId).toDense(), states[4]!);
    // a new edit discards the redo branch (two undone entries) and gets a fresh sequence number
    const fresh = s.loadLabels(labId);
    const lastSeq = s.labelJournal(labId).at(-1)!.seq;
    const c = s.saveLabelEdit(labId, paintBall(fresh, { center: [50, 50, 50], radius: 4, value: 7 }))!;
    expect(c.seq).toBeGreaterThan(lastSeq);
    expect(s.labelJournal(labId).filter((j) => j.undone)).toHaveLength(0);
    expect(s.redoLabelEdit(labId)).toBeNull();
    // undo everything → empty labels, nothing stored
    while (s.undoLabelEdit(labId)) { /* keep undoing */ }
    expect(s.loadLabels(labId).allocatedChunkCount).toBe(0);
    expect(s.trimLabelJournal(labId, 0)).toBe(0); // all on the redo stack, nothing to trim
    s.setLabelClasses(labId, [{ value: 2, name: 'cell' }]);
    expect(s.listLabels()[0]!.classes).toEqual([{ value: 2, name: 'cell' }]);
    // a delta for other labels is refused and changes nothing
    try { s.saveLabelEdit(labId, paintBall(new SparseLabelVolume([5, 5, 5]), { center: [1, 1, 1], radius: 1, value: 2 })); expect.unreachable(); }
    catch (e) { expect(isLumenError(e, 'shape-mismatch')).toBe(true); }
    // a delta whose 'before' values no longer match the stored labels (applied twice) is
    // refused, and the failed transaction leaves labels, journal and revision untouched
    s.redoLabelEdit(labId);
    const twice = paintBall(s.loadLabels(labId), { center: [10, 20, 20], radius: 6, value: 9 });
    s.saveLabelEdit(labId, twice);
    const before = s.loadLabels(labId).toDense();
    const rev = s.labelInfo(labId).revision;
    const journalLength = s.labelJournal(labId).length;
    try { s.saveLabelEdit(labId, twice); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'damaged')).toBe(true); }
    expect(s.labelInfo(labId).revision).toBe(rev);
    expect(s.labelJournal(labId)).toHaveLength(journalLength);
    expectSameBytes(s.loadLabels(labId).toDense(), before);
    s.deleteLabels(labId);
    expect(s.listLabels()).toHaveLength(0);
    s.close();
  });

  it('models, training runs and predictions round-trip and reopen identically', () => {
    const path = join(tempDir(), 'p.lumen');
    let s = ProjectStore.create(path);
    const vol = noisyVolume([8, 16, 16, 1], 3);
    const volId = s.addVolume(vol, { name: 'img' });
    const onnx = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 255);
    const weights = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 255);
    const config = { epochs: 3, lr: 1e-3, patch: [32, 64, 64], strategy: 'sparse-ce' };
    const provenance = { volumes: [volId], labels: [{ id: 1, revision: 12 }], lumen: '0.1.0' };
    const runId = s.startRun({ config });
    s.appendRunSteps(runId, [{ step: 0, loss: 1.5 }, { step: 1, loss: 1.2, extra: { lr: 0.001 } }]);
    s.appendRunSteps(runId, [{ step: 2, loss: Number.NaN }]);
    try { s.appendRunSteps(runId, [{ step: 1, loss: 0.1 }]); expect.unreachable(); } catch (e) { expect((e as Error).message).toMatch(/UNIQUE/); }
    const modelId = s.addModel({ name: 'unet-1', onnx, weights, config, provenance });
    s.addModel({ name: 'graph only', onnx: onnx.subarray(0, 10), config: {}, provenance: {} });
    s.finishRun(runId, { status: 'finished', metrics: { dice: 0.87 }, modelId });
    try { s.appendRunSteps(runId, [{ step: 3, loss: 0.5 }]); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); }
    const probs = makeVolume([8, 16, 16, 2], 'float32', Float32Array.from({ length: 8 * 16 * 16 * 2 }, (_, i) => (i % 100) / 100));
    const pred = s.addPrediction({ kind: 'probabilities', modelId, sourceVolumeId: volId, volume: probs, name: 'p1' });
    try {
      s.addPrediction({ kind: 'labels', modelId, sourceVolumeId: volId, volume: makeVolume([2, 2, 2, 1], 'uint8') });
      expect.unreachable();
    } catch (e) { expect(isLumenError(e, 'shape-mismatch')).toBe(true); }
    try { s.addPrediction({ kind: 'labels', modelId: 999, volume: makeVolume([2, 2, 2, 1], 'uint8') }); expect.unreachable(); }
    catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); }
    s.close();

    s = ProjectStore.open(path);
    const models = s.listModels();
    expect(models.map((m) => [m.name, m.onnxBytes, m.weightsBytes])).toEqual([['unet-1', 5000, 3000], ['graph only', 10, null]]);
    const m = s.getModel(modelId);
    expect(m.config).toEqual(config);
    expect(m.provenance).toEqual(provenance);
    expectSameBytes(m.onnx, onnx);
    expectSameBytes(m.weights!, weights);
    const run = s.getRun(runId);
    expect(run).toMatchObject({ modelId, config, status: 'finished', metrics: { dice: 0.87 }, stepCount: 3 });
    expect(run.finishedAt).not.toBeNull();
    const steps = s.runSteps(runId);
    expect(steps.slice(0, 2)).toEqual([{ step: 0, loss: 1.5 }, { step: 1, loss: 1.2, extra: { lr: 0.001 } }]);
    expect(steps[2]!.loss).toBeNaN();
    expect(s.listRuns()).toHaveLength(1);
    expect(s.listPredictions()).toEqual([pred]);
    expect(pred).toMatchObject({ kind: 'probabilities', modelId, sourceVolumeId: volId, name: 'p1' });
    expectSameVolume(s.readPrediction(pred.id), probs);
    expect(s.listVolumes('image')).toHaveLength(1);
    expect(s.listVolumes('prediction')).toHaveLength(1);
    expect(s.checkIntegrity()).toMatchObject({ ok: true, problems: [], checked: { slabs: 2, models: 2 } });
    // deleting a model keeps its run and prediction, unlinked
    s.deleteModel(modelId);
    expect(s.getRun(runId).modelId).toBeNull();
    expect(s.predictionInfo(pred.id).modelId).toBeNull();
    const second = s.addPrediction({ kind: 'labels', sourceVolumeId: volId, volume: makeVolume([8, 16, 16, 1], 'uint8') });
    s.deletePrediction(second.id);
    expect(s.listPredictions()).toHaveLength(1);
    expect(s.listVolumes('prediction')).toHaveLength(1);
    // deleting the source volume removes its predictions and their voxels
    s.deleteVolume(volId);
    expect(s.listPredictions()).toHaveLength(0);
    expect(s.listVolumes()).toHaveLength(0);
    expect(s.quickCheck()).toEqual(['ok']);
    s.close();
  });

  it('beginVolume imports slice by slice in one transaction; abort leaves nothing', () => {
    const path = join(tempDir(), 'p.lumen');
    const s = ProjectStore.create(path);
    const vol = noisyVolume([50, 256, 256, 1], 4); // 128 KiB slices → 32-slice slabs
    const per = 256 * 256;
    const w = s.beginVolume({ shape: vol.shape, dtype: vol.dtype, geometry: vol.geometry }, { name: 'streamed' });
    expect(w.slabDepth).toBe(32);
    try { s.createLabels({ name: 'x', shape: [1, 1, 1] }); expect.unreachable(); } catch (e) { expect((e as Error).message).toMatch(/import is in progress/); }
    for (const [a, b] of [[0, 1], [1, 7], [7, 40], [40, 50]] as const) w.writeSlices(vol.data.subarray(a * per, b * per));
    const id = w.commit();
    expectSameVolume(s.readVolume(id), vol);
    expect(s.readVolumeSlices(id, 31, 33).data).toEqual(vol.data.subarray(31 * per, 33 * per));

    const a = s.beginVolume({ shape: vol.shape, dtype: vol.dtype, geometry: vol.geometry }, { name: 'aborted' });
    a.writeSlices(vol.data.subarray(0, 40 * per));
    a.abort();
    const b = s.beginVolume({ shape: [2, 4, 4, 1], dtype: 'uint16', geometry: vol.geometry }, { name: 'short' });
    b.writeSlices(new Uint16Array(16));
    try { b.commit(); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'shape-mismatch')).toBe(true); }
    const c = s.beginVolume({ shape: [2, 4, 4, 1], dtype: 'uint16', geometry: vol.geometry }, { name: 'too long' });
    try { c.writeSlices(new Uint16Array(48)); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'shape-mismatch')).toBe(true); }
    try { c.commit(); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); }
    expect(s.listVolumes().map((v) => v.name)).toEqual(['streamed']);
    s.createLabels({ name: 'writes work again', shape: [1, 1, 1] });
    s.close();
  });

  it('read-only open reads but refuses writes', () => {
    const path = join(tempDir(), 'p.lumen');
    const s = ProjectStore.create(path);
    s.createLabels({ name: 'l', shape: [4, 4, 4] });
    s.close();
    const r = ProjectStore.open(path, { readonly: true });
    expect(r.listLabels()).toHaveLength(1);
    try { r.createLabels({ name: 'x', shape: [1, 1, 1] }); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); }
    r.close();
  });

  it('migrations run in one transaction up to the target version', () => {
    const path = join(tempDir(), 'm.lumen');
    const db = new Database(path);
    const next = SCHEMA_VERSION + 1;
    const extra = [...MIGRATIONS, { version: next, up: (d: Database.Database) => d.exec('CREATE TABLE extra (x)') }];
    expect(runMigrations(db, extra, SCHEMA_VERSION)).toBe(SCHEMA_VERSION);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const failing = [...MIGRATIONS, { version: next, up: (d: Database.Database) => { d.exec('CREATE TABLE extra (x)'); throw new Error('boom'); } }];
    expect(() => runMigrations(db, failing, next)).toThrow('boom');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION); // rolled back
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'").pluck().get()).toBe(0);
    expect(runMigrations(db, extra, next)).toBe(next);
    expect(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe(String(next));
    db.close();
  });

  it('a version-1 project opens upgraded, keeps its content and takes imported experiments', () => {
    const path = join(tempDir(), 'v1.lumen');
    const db = new Database(path);
    runMigrations(db, MIGRATIONS, 1);
    db.prepare("INSERT INTO runs (config, status, started_at) VALUES ('{}', 'finished', 'then')").run();
    db.close();
    const s = ProjectStore.open(path);
    expect(s.schemaVersion).toBe(SCHEMA_VERSION);
    expect(s.listRuns()).toHaveLength(1);
    expect(s.listExperiments()).toEqual([]);
    const id = s.addExperiment({ name: 'curve', source: 'curve.json', result: { cells: [1] } });
    s.close();
    const again = ProjectStore.open(path);
    expect(again.listExperiments()).toMatchObject([{ id, name: 'curve', source: 'curve.json', result: { cells: [1] } }]);
    again.close();
  });
});
