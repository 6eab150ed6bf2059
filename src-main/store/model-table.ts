// Trained models: the ONNX graph and weights as blobs, with the training config and a
// provenance record (which volumes, which labels at which revision, which strategy) so a
// result in a paper can be traced back to exactly what produced it.

import { LumenError } from '../../src-shared/errors.ts';
import { checksum, verifyChecksum } from './codec.ts';
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
    'INSERT INTO models (name, onnx, onnx_crc32, weights, weights_crc32, config, provenance, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    o.name, o.onnx, checksum(o.onnx), o.weights ?? null, o.weights ? checksum(o.weights) : null,
    JSON.stringify(o.config ?? null), JSON.stringify(o.provenance ?? null), now(),
  );
  return Number(res.lastInsertRowid);
}

export function listModelInfos(sql: Sql): ModelInfo[] {
  return sql.all<ModelRow>(`SELECT ${INFO_COLUMNS} FROM models ORDER BY id`).map(toInfo);
}

export function getModel(sql: Sql, id: number): StoredModel {
  const r = sql.get<ModelRow>(`SELECT ${INFO_COLUMNS} FROM models WHERE id = ?`, id);
  if (!r) throw new LumenError('bad-input', `the project has no model ${id}`);
  const b = sql.get<{ onnx: Buffer; onnx_crc32: number; weights: Buffer | null; weights_crc32: number | null }>(
    'SELECT onnx, onnx_crc32, weights, weights_crc32 FROM models WHERE id = ?', id)!;
  return {
    ...toInfo(r),
    onnx: verifyChecksum(asBytes(b.onnx), b.onnx_crc32, `the network of model "${r.name}"`),
    weights: b.weights ? verifyChecksum(asBytes(b.weights), b.weights_crc32 ?? -1, `the weights of model "${r.name}"`) : null,
  };
}

export function assertModel(sql: Sql, id: number): void {
  if (!sql.get('SELECT 1 FROM models WHERE id = ?', id)) throw new LumenError('bad-input', `the project has no model ${id}`);
}
