// Schema 4: an uncertainty map stored as a prediction of kind 'probabilities' that points at the
// label prediction it describes. Linked, read back after reopening, refused when the link makes no
// sense, deleted with its prediction by every route (no orphaned volume), and a project saved by
// schema 3 opens upgraded with its predictions intact.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, ProjectStore, SCHEMA_VERSION, runMigrations } from '../../src-main/store/index.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

afterAll(removeTempDirs);

const SHAPE = [4, 6, 5] as const;
const image = () => makeVolume([...SHAPE, 1], 'uint8', Uint8Array.from({ length: 120 }, (_, i) => i));
const labels = () => makeVolume([...SHAPE, 1], 'uint8', Uint8Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 1 : 0)));
const unsure = () => makeVolume([...SHAPE, 1], 'float32', Float32Array.from({ length: 120 }, (_, i) => (i % 10) / 10));

/** A project with an image, a label prediction and its uncertainty map. */
function project(): { s: ProjectStore; path: string; volumeId: number; predId: number; mapId: number } {
  const path = join(tempDir(), 'p.lumen');
  const s = ProjectStore.create(path);
  const volumeId = s.addVolume(image(), { name: 'img' });
  const predId = s.addPrediction({ name: 'prediction run 1', kind: 'labels', sourceVolumeId: volumeId, volume: labels() }).id;
  const mapId = s.addPrediction({ name: 'uncertainty run 1', kind: 'probabilities', sourceVolumeId: volumeId, labelsPredictionId: predId, volume: unsure() }).id;
  return { s, path, volumeId, predId, mapId };
}

describe('uncertainty maps linked to their label prediction', () => {
  it('keeps the link and the float voxels across reopening', () => {
    const p = project();
    p.s.close();
    const s = ProjectStore.open(p.path);
    expect(s.listPredictions().map((x) => [x.name, x.kind, x.labelsPredictionId])).toEqual([
      ['prediction run 1', 'labels', null], ['uncertainty run 1', 'probabilities', p.predId],
    ]);
    const back = s.readPrediction(p.mapId);
    expect(back.dtype).toBe('float32');
    expect(Array.from(back.data)).toEqual(Array.from(unsure().data));
    expect(s.checkIntegrity().ok).toBe(true);
    s.close();
  });

  it('refuses a link to a prediction that is not labels, or of another image, with a readable error', () => {
    const { s, volumeId, predId, mapId } = project();
    const other = s.addVolume(image(), { name: 'other' });
    const attempts = [
      () => s.addPrediction({ kind: 'probabilities', sourceVolumeId: volumeId, labelsPredictionId: mapId, volume: unsure() }),
      () => s.addPrediction({ kind: 'probabilities', sourceVolumeId: other, labelsPredictionId: predId, volume: unsure() }),
      () => s.addPrediction({ kind: 'probabilities', sourceVolumeId: volumeId, labelsPredictionId: 999, volume: unsure() }),
    ];
    const messages = attempts.map((f) => { try { f(); return 'accepted'; } catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); return (e as Error).message; } });
    expect(messages[0]).toMatch(/not labels/);
    expect(messages[1]).toMatch(/same image/);
    expect(messages[2]).toMatch(/no prediction 999/);
    expect(s.listPredictions()).toHaveLength(2); // nothing half-added
    s.close();
  });

  it('goes with its prediction, volume and all, whichever way the prediction is deleted', () => {
    for (const how of ['prediction', 'prediction volume', 'image'] as const) {
      const { s, volumeId, predId } = project();
      const predVolume = s.predictionInfo(predId).volumeId;
      if (how === 'prediction') s.deletePrediction(predId);
      else if (how === 'prediction volume') s.deleteVolume(predVolume);
      else s.deleteVolume(volumeId);
      expect(s.listPredictions(), how).toEqual([]);
      expect(s.listVolumes('prediction'), how).toEqual([]); // no orphaned map voxels
      expect(s.listVolumes('image').length, how).toBe(how === 'image' ? 0 : 1);
      expect(s.quickCheck()).toEqual(['ok']);
      s.close();
    }
  });

  it('deleting the map alone keeps the label prediction', () => {
    const { s, predId, mapId } = project();
    s.deletePrediction(mapId);
    expect(s.listPredictions().map((x) => x.id)).toEqual([predId]);
    expect(s.listVolumes('prediction')).toHaveLength(1);
    s.close();
  });

  it('opens a schema-3 project upgraded: its predictions intact and unlinked, and takes a linked map', () => {
    // a file as schema 3 wrote it: the old migrations only, a prediction row with the old columns
    const path3 = join(tempDir(), 'v3-with-prediction.lumen');
    const raw = new Database(path3);
    raw.pragma('journal_mode = WAL');
    runMigrations(raw, MIGRATIONS, 3);
    raw.prepare(`INSERT INTO volumes (id, name, role, storage, shape, dtype, geometry, slab_depth, created_at)
      VALUES (1, 'img', 'image', 'embed', '[1,1,1,1]', 'uint8', '{"spacing":[1,1,1],"unit":"unknown"}', 1, 'then'),
             (2, 'pred', 'prediction', 'embed', '[1,1,1,1]', 'uint8', '{"spacing":[1,1,1],"unit":"unknown"}', 1, 'then')`).run();
    raw.prepare("INSERT INTO predictions (name, kind, source_volume_id, output_volume_id, created_at) VALUES ('prediction run 1', 'labels', 1, 2, 'then')").run();
    expect(raw.pragma('user_version', { simple: true })).toBe(3);
    raw.close();
    const s = ProjectStore.open(path3);
    expect(s.schemaVersion).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(4);
    const [pred] = s.listPredictions();
    expect(pred).toMatchObject({ name: 'prediction run 1', kind: 'labels', labelsPredictionId: null, sourceVolumeId: 1, volumeId: 2 });
    const map = s.addPrediction({ kind: 'probabilities', sourceVolumeId: 1, labelsPredictionId: pred!.id, volume: makeVolume([1, 1, 1, 1], 'float32', Float32Array.of(0.5)) });
    expect(map.labelsPredictionId).toBe(pred!.id);
    s.deletePrediction(pred!.id);
    expect(s.listPredictions()).toEqual([]);
    s.close();
  });
});
