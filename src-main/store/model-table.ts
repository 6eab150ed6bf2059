// Trained models: the ONNX graph and weights as blobs, with the training config and a
// provenance record (which volumes, which labels at which revision, which strategy) so a
// result in a paper can be traced back to exactly what produced it.

import { LumenError } from '../../src-shared/errors.ts';
import { asBytes, now, type Sql } from './sql.ts';

export interface AddModelOptions {
  name: string;
  onnx: Uint8Array;
  weights?: Uint8Array;
  config: unknown;
  provenance: unknown;
}

export interface ModelInfo {
  id: number;
  name: string;
  config: unknown;
  provenance: unknown;
  onnxBytes: number;
  weightsBytes: number | null;
  createdAt: string;
}

export interface StoredModel extends ModelInfo {
  onnx: Uint8Array;
  weights: Uint8Array | null;
}

interface ModelRow { id: number; name: string; config: string; provenance: string; onnx_bytes: number; weights_bytes: number | null; created_at: string }

const INFO_COLUMNS = 'id, name, config, provenance, length(onnx) AS onnx_bytes, length(weights) AS weights_bytes, created_at';

function toInfo(r: ModelRow): ModelInfo {
  return {
    id: r.id, name: r.name, config: JSON.parse(r.config), provenance: JSON.parse(r.provenance),
    onnxBytes: r.onnx_bytes, weightsBytes: r.weights_bytes, createdAt: r.created_at,
  };
}

export function insertModel(sql: Sql, o: AddModelOptions): number {
  if (!(o.onnx instanceof Uint8Array) || o.onnx.length === 0) throw new LumenError('bad-input', `model "${o.name}" has no ONNX bytes`);
  const res = sql.run(
    'INSERT INTO models (name, onnx, weights, config, provenance, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    o.name, o.onnx, o.weights ?? null, JSON.stringify(o.config ?? null), JSON.stringify(o.provenance ?? null), now(),
  );
  return Number(res.lastInsertRowid);
}

export function listModelInfos(sql: Sql): ModelInfo[] {
  return sql.all<ModelRow>(`SELECT ${INFO_COLUMNS} FROM models ORDER BY id`).map(toInfo);
}

export function getModel(sql: Sql, id: number): StoredModel {
  const r = sql.get<ModelRow>(`SELECT ${INFO_COLUMNS} FROM models WHERE id = ?`, id);
  if (!r) throw new LumenError('bad-input', `the project has no model ${id}`);
  const blobs = sql.get<{ onnx: Buffer; weights: Buffer | null }>('SELECT onnx, weights FROM models WHERE id = ?', id)!;
  return { ...toInfo(r), onnx: asBytes(blobs.onnx), weights: blobs.weights ? asBytes(blobs.weights) : null };
}

export function assertModel(sql: Sql, id: number): void {
  if (!sql.get('SELECT 1 FROM models WHERE id = ?', id)) throw new LumenError('bad-input', `the project has no model ${id}`);
}
