// Instance layers in a real project file on disk: objects with ids beyond 255 and 65535 and the
// fully-annotated regions survive closing and reopening, as do undo and redo; a model's objects
// are kept as written and are not edited; a project saved before instance layers existed opens.
import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ProjectStore, MIGRATIONS, SCHEMA_VERSION, runMigrations } from '../../src-main/store/index.ts';
import {
  InstanceLayer, markAnnotatedBox, paintInstanceStroke, mergeInstances, deleteInstance, objectIds,
} from '../../src-shared/labels/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { tempDir, removeTempDirs } from './helpers.ts';

afterAll(removeTempDirs);

const SHAPE: [number, number, number] = [2, 70, 90]; // crosses the 64³ chunk border in y and x

function sameLayer(a: InstanceLayer, b: InstanceLayer): void {
  expect(a.shape).toEqual(b.shape);
  let ids = 0, marked = 0;
  for (let i = 0; i < a.ids.length; i++) { if (a.ids[i] !== b.ids[i]) ids++; if (a.annotated[i] !== b.annotated[i]) marked++; }
  expect({ ids, marked }).toEqual({ ids: 0, marked: 0 });
}

describe('instance layers in the project file', () => {
  it('keeps drawn objects with ids beyond 255 and 65535, the annotated regions and the journal across reopening', () => {
    const path = join(tempDir(), 'nuclei.lumen');
    let store = ProjectStore.create(path);
    const volumeId = store.addVolume(makeVolume([...SHAPE, 1], 'uint16'), { name: 'nuclei.tif' });
    const layerId = store.createInstanceLayer({ name: 'objects', shape: SHAPE, volumeId });
    const mem = store.loadInstanceLayer(layerId);
    const commit = (d: Parameters<ProjectStore['saveInstanceEdit']>[1]) => { const c = store.saveInstanceEdit(layerId, d)!; mem.applyDelta(c.delta); return c; };
    commit(paintInstanceStroke(mem, { axis: 'z', index: 1, points: [[60, 60], [68, 80]], radius: 5, id: 300 })); // across chunks
    commit(paintInstanceStroke(mem, { axis: 'z', index: 1, points: [[10, 10]], radius: 4, id: 70000 }));
    commit(paintInstanceStroke(mem, { axis: 'z', index: 0, points: [[30, 30]], radius: 3, id: 4_000_000_000 }));
    commit(markAnnotatedBox(mem, [1, 0, 0], [1, 69, 40], 1));
    const last = commit(deleteInstance(mem, 4_000_000_000));
    expect(last.revision).toBe(5);
    expect(objectIds(mem.ids)).toEqual([300, 70000]);
    store.close();

    store = ProjectStore.open(path);
    expect(store.listInstanceLayers()).toMatchObject([{ id: layerId, kind: 'drawn', volumeId, revision: 5, canUndo: true, canRedo: false }]);
    sameLayer(store.loadInstanceLayer(layerId), mem);
    const undone = store.undoInstanceEdit(layerId)!; // the deletion, after reopening
    mem.applyDelta(undone.delta, 'backward');
    expect(objectIds(mem.ids)).toEqual([300, 70000, 4_000_000_000]);
    expect(store.instanceLayerInfo(layerId)).toMatchObject({ canRedo: true, revision: 6 });
    store.close();

    store = ProjectStore.open(path);
    const reopened = store.loadInstanceLayer(layerId);
    sameLayer(reopened, mem);
    expect(reopened.idAt(0, 30, 30)).toBe(4_000_000_000);
    expect(reopened.hasRegions).toBe(true);
    const redone = store.redoInstanceEdit(layerId)!;
    mem.applyDelta(redone.delta, redone.direction);
    sameLayer(store.loadInstanceLayer(layerId), mem);
    // a new edit drops the redo branch
    store.undoInstanceEdit(layerId);
    const merged = store.saveInstanceEdit(layerId, mergeInstances(store.loadInstanceLayer(layerId), 300, [70000]))!;
    expect(merged).not.toBeNull();
    expect(store.instanceLayerInfo(layerId).canRedo).toBe(false);
    expect(objectIds(store.loadInstanceLayer(layerId).ids)).toEqual([300, 4_000_000_000]);
    expect(store.checkIntegrity().ok).toBe(true);
    store.close();
  });

  it("stores a model's objects as written and refuses to edit them; refuses a layer that does not fit its image", () => {
    const path = join(tempDir(), 'pred.lumen');
    const store = ProjectStore.create(path);
    const volumeId = store.addVolume(makeVolume([...SHAPE, 1], 'uint8'), { name: 'img' });
    const ids = new Uint32Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
    for (let i = 0; i < ids.length; i++) ids[i] = i % 7 === 0 ? 1000 + (i % 300) : 0;
    const id = store.createInstanceLayer({ name: 'found', kind: 'predicted', shape: SHAPE, volumeId, ids: Uint16Array.from(ids) });
    const layer = store.loadInstanceLayer(id);
    expect(Array.from(layer.ids.subarray(0, 50))).toEqual(Array.from(ids.subarray(0, 50)));
    sameLayer(layer, new InstanceLayer(SHAPE, ids));
    try { store.saveInstanceEdit(id, deleteInstance(layer, 1000)); expect.unreachable(); }
    catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); expect((e as Error).message).toMatch(/not edited/); }
    try { store.createInstanceLayer({ name: 'x', shape: [1, 70, 90], volumeId }); expect.unreachable(); }
    catch (e) { expect(isLumenError(e, 'shape-mismatch')).toBe(true); }
    store.close();
  });

  it('opens a project saved before instance layers existed (schema 2), its content intact, and takes a layer', () => {
    const path = join(tempDir(), 'v2.lumen');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    runMigrations(db, MIGRATIONS, 2);
    db.prepare("INSERT INTO label_volumes (name, shape, classes, created_at) VALUES ('labels', '[2,70,90]', '[]', 'then')").run();
    db.prepare("INSERT INTO runs (config, status, started_at) VALUES ('{}', 'finished', 'then')").run();
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'instance_layers'").pluck().get()).toBe(0);
    db.close();
    const store = ProjectStore.open(path);
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3); // instance layers exist from schema 3 on
    expect(store.listLabels()).toHaveLength(1);
    expect(store.listRuns()).toHaveLength(1);
    expect(store.listInstanceLayers()).toEqual([]);
    const id = store.createInstanceLayer({ name: 'objects', shape: SHAPE });
    store.saveInstanceEdit(id, paintInstanceStroke(store.loadInstanceLayer(id), { axis: 'z', index: 0, points: [[5, 5]], radius: 2, id: 256 }));
    store.close();
    const again = ProjectStore.open(path);
    expect(again.loadInstanceLayer(id).idAt(0, 5, 5)).toBe(256);
    expect(again.checkIntegrity().ok).toBe(true);
    again.close();
  });
});
