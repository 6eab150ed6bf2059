// Instance layers in the project: per image volume, the objects a user drew or imported
// ('drawn') and those a model found ('predicted'). Stored as the class labels are: compressed 64³
// chunks, only non-empty ones, ids as uint32 and the fully-annotated regions as 0/1 bytes; every
// edit of a drawn layer rewrites just the chunks it touched and appends its delta to the journal
// in the same transaction, so undo/redo survive reopening and a crash leaves both in agreement.

import { LumenError } from '../../src-shared/errors.ts';
import {
  ChunkGrid, InstanceLayer, decodeInstanceDelta, encodeInstanceDelta, isEmptyInstanceDelta,
  type InstanceDelta, type InstanceDirection, type InstancePlane, type Shape3,
} from '../../src-shared/labels/index.ts';
import { checksum, pack, unpack, verifyChecksum } from './codec.ts';
import { asBytes, now, type Sql } from './sql.ts';

export type InstanceLayerKind = 'drawn' | 'predicted';

export interface InstanceLayerInfo {
  id: number;
  name: string;
  kind: InstanceLayerKind;
  /** the image volume the objects lie in, if any */
  volumeId: number | null;
  /** the model that found them (predicted layers) */
  modelId: number | null;
  shape: Shape3;
  /** +1 with every committed edit, undo and redo */
  revision: number;
  canUndo: boolean;
  canRedo: boolean;
  createdAt: string;
}

export interface CreateInstanceLayerOptions {
  name: string;
  kind?: InstanceLayerKind;
  shape: Shape3;
  volumeId?: number;
  modelId?: number;
  /** initial object ids (z, y, x), e.g. a prediction; default all 0 */
  ids?: ArrayLike<number>;
}

export interface CommittedInstanceEdit {
  seq: number;
  revision: number;
  /** as applied to the stored layer; apply it in memory in `direction` */
  delta: InstanceDelta;
  direction: InstanceDirection;
}

interface LayerRow { id: number; name: string; kind: InstanceLayerKind; volume_id: number | null; model_id: number | null; shape: string; revision: number; created_at: string }
interface ChunkRow { chunk: number; plane: InstancePlane; raw_length: number; crc32: number; data: Buffer }
interface StoredDelta { seq: number; delta: Buffer; crc32: number }

const BYTES: Record<InstancePlane, number> = { ids: 4, annotated: 1 };

function layerRow(sql: Sql, id: number): LayerRow {
  const r = sql.get<LayerRow>('SELECT * FROM instance_layers WHERE id = ?', id);
  if (!r) throw new LumenError('bad-input', `the project has no instance layer ${id}`);
  return r;
}

function toInfo(sql: Sql, r: LayerRow): InstanceLayerInfo {
  const undo = sql.get('SELECT 1 FROM instance_edits WHERE layer_id = ? AND undone = 0 LIMIT 1', r.id);
  const redo = sql.get('SELECT 1 FROM instance_edits WHERE layer_id = ? AND undone = 1 LIMIT 1', r.id);
  return {
    id: r.id, name: r.name, kind: r.kind, volumeId: r.volume_id, modelId: r.model_id, shape: JSON.parse(r.shape) as Shape3,
    revision: r.revision, canUndo: undo !== undefined, canRedo: redo !== undefined, createdAt: r.created_at,
  };
}

/** A chunk's values as a typed array of its plane's type (a copy). */
function chunkValues(plane: InstancePlane, raw: Uint8Array): Uint32Array | Uint8Array {
  if (plane === 'annotated') return raw.slice();
  const out = new Uint32Array(raw.length / 4);
  new Uint8Array(out.buffer).set(raw);
  return out;
}

function writeChunk(sql: Sql, layerId: number, plane: InstancePlane, chunk: number, values: Uint32Array | Uint8Array): void {
  let empty = true;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) { empty = false; break; }
  if (empty) {
    sql.run('DELETE FROM instance_chunks WHERE layer_id = ? AND plane = ? AND chunk = ?', layerId, plane, chunk);
    return;
  }
  const p = pack(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 6);
  sql.run(
    `INSERT INTO instance_chunks (layer_id, plane, chunk, raw_length, crc32, data) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (layer_id, plane, chunk) DO UPDATE SET raw_length = excluded.raw_length, crc32 = excluded.crc32, data = excluded.data`,
    layerId, plane, chunk, p.rawLength, p.crc, p.data,
  );
}

/** Every non-empty chunk of a dense plane, written (call inside a transaction). */
function writeDense(sql: Sql, layerId: number, plane: InstancePlane, grid: ChunkGrid, values: ArrayLike<number>): void {
  const [, Y, X] = grid.shape;
  for (let id = 0; id < grid.chunkCount; id++) {
    const [cz, cy, cx] = grid.chunkOrigin(id), [dz, dy, dx] = grid.chunkDims(id);
    const chunk = plane === 'ids' ? new Uint32Array(dz * dy * dx) : new Uint8Array(dz * dy * dx);
    let any = false;
    for (let z = 0, k = 0; z < dz; z++) for (let y = 0; y < dy; y++) {
      const row = ((cz + z) * Y + cy + y) * X + cx;
      for (let x = 0; x < dx; x++, k++) { const v = values[row + x]!; if (v !== 0) { chunk[k] = v; any = true; } }
    }
    if (any) writeChunk(sql, layerId, plane, id, chunk);
  }
}

export function insertInstanceLayer(sql: Sql, o: CreateInstanceLayerOptions): number {
  const grid = new ChunkGrid(o.shape); // validates the shape
  if (o.volumeId !== undefined) {
    const v = sql.get<{ shape: string }>('SELECT shape FROM volumes WHERE id = ?', o.volumeId);
    if (!v) throw new LumenError('bad-input', `the project has no volume ${o.volumeId}`);
    const s = JSON.parse(v.shape) as number[];
    if (!grid.sameShape([s[0]!, s[1]!, s[2]!])) {
      throw new LumenError('shape-mismatch', `objects of ${o.shape.join('×')} cannot lie in an image of ${s.slice(0, 3).join('×')}`);
    }
  }
  if (o.modelId !== undefined && !sql.get('SELECT 1 FROM models WHERE id = ?', o.modelId)) throw new LumenError('bad-input', `the project has no model ${o.modelId}`);
  if (o.ids && o.ids.length !== grid.voxelCount) throw new LumenError('shape-mismatch', `object ids of ${o.ids.length} voxels do not fill ${o.shape.join('×')}`);
  const res = sql.run(
    'INSERT INTO instance_layers (name, kind, volume_id, model_id, shape, revision, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)',
    o.name, o.kind ?? 'drawn', o.volumeId ?? null, o.modelId ?? null, JSON.stringify(grid.shape), now(),
  );
  const id = Number(res.lastInsertRowid);
  if (o.ids) writeDense(sql, id, 'ids', grid, o.ids);
  return id;
}

export function getInstanceLayerInfo(sql: Sql, id: number): InstanceLayerInfo {
  return toInfo(sql, layerRow(sql, id));
}

export function listInstanceLayerInfos(sql: Sql): InstanceLayerInfo[] {
  return sql.all<LayerRow>('SELECT * FROM instance_layers ORDER BY id').map((r) => toInfo(sql, r));
}

export function loadInstanceLayer(sql: Sql, id: number): InstanceLayer {
  const r = layerRow(sql, id);
  const grid = new ChunkGrid(JSON.parse(r.shape) as Shape3);
  const [, Y, X] = grid.shape;
  const ids = new Uint32Array(grid.voxelCount), annotated = new Uint8Array(grid.voxelCount);
  for (const c of sql.all<ChunkRow>('SELECT chunk, plane, raw_length, crc32, data FROM instance_chunks WHERE layer_id = ? ORDER BY plane, chunk', id)) {
    if (c.chunk >= grid.chunkCount || c.raw_length !== grid.chunkLength(c.chunk) * BYTES[c.plane]) {
      throw new LumenError('damaged', `instance layer "${r.name}" has a chunk that does not fit its shape`);
    }
    const values = chunkValues(c.plane, unpack(asBytes(c.data), c.raw_length, c.crc32, `a chunk of instance layer "${r.name}"`));
    const target = c.plane === 'ids' ? ids : annotated;
    const [cz, cy, cx] = grid.chunkOrigin(c.chunk), [dz, dy, dx] = grid.chunkDims(c.chunk);
    for (let z = 0, k = 0; z < dz; z++) for (let y = 0; y < dy; y++, k += dx) {
      target.set(values.subarray(k, k + dx), ((cz + z) * Y + cy + y) * X + cx);
    }
  }
  return new InstanceLayer(grid.shape, ids, annotated);
}

/** Rewrite the stored chunks a delta touches, checking each voxel holds what the delta expects (call inside a transaction). */
function applyToChunks(sql: Sql, layerId: number, name: string, d: InstanceDelta, direction: InstanceDirection): void {
  const grid = new ChunkGrid(d.shape);
  const [, Y, X] = grid.shape;
  const perChunk = new Map<number, number[]>();
  for (let k = 0; k < d.offsets.length; k++) {
    const o = d.offsets[k]!;
    const x = o % X, rest = (o - x) / X, y = rest % Y, z = (rest - y) / Y;
    const c = grid.chunkIdAt(z, y, x);
    let list = perChunk.get(c);
    if (!list) perChunk.set(c, (list = []));
    list.push(k, grid.offsetInChunk(z, y, x));
  }
  const from = direction === 'forward' ? d.before : d.after, to = direction === 'forward' ? d.after : d.before;
  for (const [chunk, list] of perChunk) {
    const row = sql.get<ChunkRow>('SELECT chunk, plane, raw_length, crc32, data FROM instance_chunks WHERE layer_id = ? AND plane = ? AND chunk = ?', layerId, d.plane, chunk);
    const length = grid.chunkLength(chunk);
    const values = row
      ? chunkValues(d.plane, unpack(asBytes(row.data), row.raw_length, row.crc32, `a chunk of instance layer "${name}"`))
      : d.plane === 'ids' ? new Uint32Array(length) : new Uint8Array(length);
    if (values.length !== length) throw new LumenError('damaged', `instance layer "${name}" has a chunk that does not fit its shape`);
    for (let j = 0; j < list.length; j += 2) {
      const k = list[j]!, at = list[j + 1]!;
      if (values[at] !== from[k]) throw new LumenError('damaged', `an instance edit does not match the stored layer "${name}" (voxel ${d.offsets[k]}: found ${values[at]}, expected ${from[k]})`);
      values[at] = to[k]!;
    }
    writeChunk(sql, layerId, d.plane, chunk, values);
  }
}

function bumpRevision(sql: Sql, id: number): number {
  sql.run('UPDATE instance_layers SET revision = revision + 1 WHERE id = ?', id);
  return sql.get<{ revision: number }>('SELECT revision FROM instance_layers WHERE id = ?', id)!.revision;
}

/** A new edit of a drawn layer: apply, drop the redo branch, append to the journal (call inside a transaction). */
export function commitInstanceEdit(sql: Sql, layerId: number, d: InstanceDelta, note?: string): CommittedInstanceEdit | null {
  const r = layerRow(sql, layerId);
  if (r.kind !== 'drawn') throw new LumenError('bad-input', `instance layer "${r.name}" holds a model's objects and is not edited; edit the drawn objects instead`);
  const shape = JSON.parse(r.shape) as Shape3;
  if (!new ChunkGrid(shape).sameShape(d.shape)) {
    throw new LumenError('shape-mismatch', `an instance edit for ${d.shape.join('×')} cannot apply to instance layer "${r.name}" of ${shape.join('×')}`);
  }
  if (isEmptyInstanceDelta(d)) return null;
  applyToChunks(sql, layerId, r.name, d, 'forward');
  sql.run('DELETE FROM instance_edits WHERE layer_id = ? AND undone = 1', layerId);
  const bytes = encodeInstanceDelta(d);
  const res = sql.run(
    'INSERT INTO instance_edits (layer_id, undone, voxels, note, delta, crc32, created_at) VALUES (?, 0, ?, ?, ?, ?, ?)',
    layerId, d.offsets.length, note ?? null, bytes, checksum(bytes), now(),
  );
  return { seq: Number(res.lastInsertRowid), revision: bumpRevision(sql, layerId), delta: d, direction: 'forward' };
}

/** Undo (backward) or redo (forward) one journal step (call inside a transaction). */
export function stepInstanceJournal(sql: Sql, layerId: number, direction: InstanceDirection): CommittedInstanceEdit | null {
  const r = layerRow(sql, layerId);
  const row = direction === 'backward'
    ? sql.get<StoredDelta>('SELECT seq, delta, crc32 FROM instance_edits WHERE layer_id = ? AND undone = 0 ORDER BY seq DESC LIMIT 1', layerId)
    : sql.get<StoredDelta>('SELECT seq, delta, crc32 FROM instance_edits WHERE layer_id = ? AND undone = 1 ORDER BY seq ASC LIMIT 1', layerId);
  if (!row) return null;
  const d = decodeInstanceDelta(verifyChecksum(asBytes(row.delta), row.crc32, `instance edit ${row.seq}`));
  applyToChunks(sql, layerId, r.name, d, direction);
  sql.run('UPDATE instance_edits SET undone = ? WHERE seq = ?', direction === 'backward' ? 1 : 0, row.seq);
  return { seq: row.seq, revision: bumpRevision(sql, layerId), delta: d, direction };
}
