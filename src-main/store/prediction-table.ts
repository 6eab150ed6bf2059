// Predictions: a model's output for one source volume, either hard labels or per-class
// probabilities. The voxels are stored as an ordinary embedded volume (role 'prediction'),
// so slab streaming works the same; this table links it to the model and the source.
// A map that describes a label prediction (its uncertainty, kind 'probabilities') links to that
// prediction too (labelsPredictionId) and is deleted with it (schema v4's trigger).

import { LumenError } from '../../src-shared/errors.ts';
import type { Volume } from '../../src-shared/volume.ts';
import { assertModel } from './model-table.ts';
import { now, type Sql } from './sql.ts';
import { insertVolume, readVolumeRange, volumeRow } from './volume-table.ts';

export type PredictionKind = 'labels' | 'probabilities';

export interface AddPredictionOptions {
  name?: string;
  kind: PredictionKind;
  modelId?: number;
  sourceVolumeId?: number;
  /** this map describes that label prediction (its uncertainty): same source, deleted with it */
  labelsPredictionId?: number;
  volume: Volume;
}

export interface PredictionInfo {
  id: number;
  name: string;
  kind: PredictionKind;
  modelId: number | null;
  sourceVolumeId: number | null;
  /** the volume row holding the voxels */
  volumeId: number;
  /** the label prediction this map describes (its uncertainty), else null */
  labelsPredictionId: number | null;
  createdAt: string;
}

interface PredictionRow {
  id: number; name: string; kind: PredictionKind; model_id: number | null; source_volume_id: number | null; output_volume_id: number;
  labels_prediction_id: number | null; created_at: string;
}

function toInfo(r: PredictionRow): PredictionInfo {
  return {
    id: r.id, name: r.name, kind: r.kind, modelId: r.model_id, sourceVolumeId: r.source_volume_id, volumeId: r.output_volume_id,
    labelsPredictionId: r.labels_prediction_id, createdAt: r.created_at,
  };
}

export function insertPrediction(sql: Sql, o: AddPredictionOptions): PredictionInfo {
  if (o.modelId !== undefined) assertModel(sql, o.modelId);
  if (o.sourceVolumeId !== undefined) {
    const src = JSON.parse(volumeRow(sql, o.sourceVolumeId).shape) as number[];
    if (src[0] !== o.volume.shape[0] || src[1] !== o.volume.shape[1] || src[2] !== o.volume.shape[2]) {
      throw new LumenError('shape-mismatch', `a prediction of ${o.volume.shape.slice(0, 3).join('×')} does not fit its source volume of ${src.slice(0, 3).join('×')}`);
    }
  }
  if (o.labelsPredictionId !== undefined) {
    const of = getPredictionInfo(sql, o.labelsPredictionId);
    if (of.kind !== 'labels') throw new LumenError('bad-input', `prediction ${of.id} holds ${of.kind}, not labels: a map can only describe a label prediction`);
    if (of.sourceVolumeId !== (o.sourceVolumeId ?? null)) throw new LumenError('bad-input', `a map of prediction ${of.id} must come from the same image`);
  }
  const name = o.name ?? `${o.kind} ${now()}`;
  const volumeId = insertVolume(sql, o.volume, { name, mode: 'embed', role: 'prediction' });
  const res = sql.run(
    'INSERT INTO predictions (name, kind, model_id, source_volume_id, output_volume_id, labels_prediction_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    name, o.kind, o.modelId ?? null, o.sourceVolumeId ?? null, volumeId, o.labelsPredictionId ?? null, now(),
  );
  return getPredictionInfo(sql, Number(res.lastInsertRowid));
}

export function getPredictionInfo(sql: Sql, id: number): PredictionInfo {
  const r = sql.get<PredictionRow>('SELECT * FROM predictions WHERE id = ?', id);
  if (!r) throw new LumenError('bad-input', `the project has no prediction ${id}`);
  return toInfo(r);
}

export function listPredictionInfos(sql: Sql): PredictionInfo[] {
  return sql.all<PredictionRow>('SELECT * FROM predictions ORDER BY id').map(toInfo);
}

export function readPredictionVolume(sql: Sql, id: number, z0?: number, z1?: number): Volume {
  return readVolumeRange(sql, getPredictionInfo(sql, id).volumeId, z0, z1);
}
