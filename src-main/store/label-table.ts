// Label volumes in the project: the current state as compressed 64³ chunks (only non-empty
// ones are stored) plus the journal of every edit as a delta row. Saving an edit rewrites
// just the chunks it touched and appends its delta in the same transaction, so after any
// crash the chunks and the journal agree, and undo/redo keep working after reopening.

import { LumenError } from '../../src-shared/errors.ts';
import {
  ChunkGrid, SparseLabelVolume, applyChunkChange, decodeDelta, deltaVoxelCount, encodeDelta, isEmptyDelta,
  type Direction, type LabelDelta, type Shape3,
} from '../../src-shared/labels/index.ts';
import { checksum, pack, unpack, verifyChecksum } from './codec.ts';
import { asBytes, now, type Sql } from './sql.ts';

export interface LabelClass {
  /** 1 = background, 2.. = classes */
  value: number;
  name: string;
  color?: string;
}

export interface LabelInfo {
  id: number;
  name: string;
  /** the image volume these labels annotate, if any */
  volumeId: number | null;
  shape: Shape3;
  classes: LabelClass[];
  /** increases by one with every committed edit, undo and redo */
  revision: number;
  canUndo: boolean;
  canRedo: boolean;
  createdAt: string;
}

export interface CreateLabelsOptions {
  name: string;
  shape: Shape3;
  volumeId?: number;
  classes?: LabelClass[];
}

export interface JournalEntry {
  seq: number;
  /** true for entries on the redo stack */
  undone: boolean;
  voxels: number;
  note: string | null;
  createdAt: string;
}

export interface CommittedEdit {
  seq: number;
  revision: number;
  /** the delta as applied to the stored labels (for undo: already in the backward sense of `direction`) */
  delta: LabelDelta;
  direction: Direction;
}

interface StoredDelta { seq: number; delta: Buffer; crc32: number }

function readDelta(row: StoredDelta): LabelDelta {
  return decodeDelta(verifyChecksum(asBytes(row.delta), row.crc32, `label edit ${row.seq}`));
}

interface LabelRow { id: number; name: string; volume_id: number | null; shape: string; classes: string; revision: number; created_at: string }

function labelRow(sql: Sql, id: number): LabelRow {
  const r = sql.get<LabelRow>('SELECT * FROM label_volumes WHERE id = ?', id);
  if (!r) throw new LumenError('bad-input', `the project has no label volume ${id}`);
  return r;
}

function toInfo(sql: Sql, r: LabelRow): LabelInfo {
  const undo = sql.get('SELECT 1 FROM label_edits WHERE label_id = ? AND undone = 0 LIMIT 1', r.id);
  const redo = sql.get('SELECT 1 FROM label_edits WHERE label_id = ? AND undone = 1 LIMIT 1', r.id);
  return {
    id: r.id, name: r.name, volumeId: r.volume_id, shape: JSON.parse(r.shape) as Shape3,
    classes: JSON.parse(r.classes) as LabelClass[], revision: r.revision,
    canUndo: undo !== undefined, canRedo: redo !== undefined, createdAt: r.created_at,
  };
}

export function insertLabels(sql: Sql, o: CreateLabelsOptions): number {
  const grid = new ChunkGrid(o.shape); // validates the shape
  if (o.volumeId !== undefined) {
    const v = sql.get<{ shape: string }>('SELECT shape FROM volumes WHERE id = ?', o.volumeId);
    if (!v) throw new LumenError('bad-input', `the project has no volume ${o.volumeId}`);
    const s = JSON.parse(v.shape) as number[];
    if (!grid.sameShape([s[0]!, s[1]!, s[2]!])) {
      throw new LumenError('shape-mismatch', `labels of ${o.shape.join('×')} cannot annotate a volume of ${s.slice(0, 3).join('×')}`);
    }
  }
  const res = sql.run(
    'INSERT INTO label_volumes (name, volume_id, shape, classes, revision, created_at) VALUES (?, ?, ?, ?, 0, ?)',
    o.name, o.volumeId ?? null, JSON.stringify(grid.shape), JSON.stringify(o.classes ?? []), now(),
  );
  return Number(res.lastInsertRowid);
}

export function getLabelInfo(sql: Sql, id: number): LabelInfo {
  return toInfo(sql, labelRow(sql, id));
}

export function listLabelInfos(sql: Sql): LabelInfo[] {
  return sql.all<LabelRow>('SELECT * FROM label_volumes ORDER BY id').map((r) => toInfo(sql, r));
}

export function setClasses(sql: Sql, id: number, classes: LabelClass[]): void {
  labelRow(sql, id);
  sql.run('UPDATE label_volumes SET classes = ? WHERE id = ?', JSON.stringify(classes), id);
}

export function loadLabelVolume(sql: Sql, id: number): SparseLabelVolume {
  const r = labelRow(sql, id);
  const vol = new SparseLabelVolume(JSON.parse(r.shape) as Shape3);
  const rows = sql.all<{ chunk: number; raw_length: number; crc32: number; data: Buffer }>(
    'SELECT chunk, raw_length, crc32, data FROM label_chunks WHERE label_id = ? ORDER BY chunk', id,
  );
  for (const c of rows) {
    if (c.chunk >= vol.grid.chunkCount || c.raw_length !== vol.grid.chunkLength(c.chunk)) {
      throw new LumenError('damaged', `labels "${r.name}" have a chunk that does not fit their shape`);
    }
    vol.setChunk(c.chunk, unpack(asBytes(c.data), c.raw_length, c.crc32, `a chunk of labels "${r.name}"`));
  }
  return vol;
}

/** Rewrite the stored chunks a delta touches (call inside a transaction). */
function applyToChunks(sql: Sql, labelId: number, name: string, delta: LabelDelta, direction: Direction): void {
  const grid = new ChunkGrid(delta.shape);
  for (const change of delta.changes) {
    const row = sql.get<{ raw_length: number; crc32: number; data: Buffer }>(
      'SELECT raw_length, crc32, data FROM label_chunks WHERE label_id = ? AND chunk = ?', labelId, change.chunk,
    );
    const length = grid.chunkLength(change.chunk);
    const data = row ? unpack(asBytes(row.data), row.raw_length, row.crc32, `a chunk of labels "${name}"`) : new Uint8Array(length);
    if (data.length !== length) throw new LumenError('damaged', `labels "${name}" have a chunk that does not fit their shape`);
    applyChunkChange(data, change, direction);
    let empty = true;
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) { empty = false; break; }
    if (empty) {
      sql.run('DELETE FROM label_chunks WHERE label_id = ? AND chunk = ?', labelId, change.chunk);
    } else {
      const p = pack(data, 6);
      sql.run(
        `INSERT INTO label_chunks (label_id, chunk, raw_length, crc32, data) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (label_id, chunk) DO UPDATE SET raw_length = excluded.raw_length, crc32 = excluded.crc32, data = excluded.data`,
        labelId, change.chunk, p.rawLength, p.crc, p.data,
      );
    }
  }
}

function bumpRevision(sql: Sql, id: number): number {
  sql.run('UPDATE label_volumes SET revision = revision + 1 WHERE id = ?', id);
  return sql.get<{ revision: number }>('SELECT revision FROM label_volumes WHERE id = ?', id)!.revision;
}

/** A new edit: apply, drop the redo branch, append to the journal (call inside a transaction). */
export function commitEdit(sql: Sql, labelId: number, delta: LabelDelta, note?: string): CommittedEdit | null {
  const r = labelRow(sql, labelId);
  const shape = JSON.parse(r.shape) as Shape3;
  if (!new ChunkGrid(shape).sameShape(delta.shape)) {
    throw new LumenError('shape-mismatch', `a label edit for ${delta.shape.join('×')} cannot apply to labels "${r.name}" of ${shape.join('×')}`);
  }
  if (isEmptyDelta(delta)) return null;
  applyToChunks(sql, labelId, r.name, delta, 'forward');
  sql.run('DELETE FROM label_edits WHERE label_id = ? AND undone = 1', labelId);
  const bytes = encodeDelta(delta);
  const res = sql.run(
    'INSERT INTO label_edits (label_id, undone, voxels, note, delta, crc32, created_at) VALUES (?, 0, ?, ?, ?, ?, ?)',
    labelId, deltaVoxelCount(delta), note ?? null, bytes, checksum(bytes), now(),
  );
  return { seq: Number(res.lastInsertRowid), revision: bumpRevision(sql, labelId), delta, direction: 'forward' };
}

/** Undo (direction backward) or redo (forward) one journal step (call inside a transaction). */
export function stepJournal(sql: Sql, labelId: number, direction: Direction): CommittedEdit | null {
  const r = labelRow(sql, labelId);
  const row = direction === 'backward'
    ? sql.get<StoredDelta>('SELECT seq, delta, crc32 FROM label_edits WHERE label_id = ? AND undone = 0 ORDER BY seq DESC LIMIT 1', labelId)
    : sql.get<StoredDelta>('SELECT seq, delta, crc32 FROM label_edits WHERE label_id = ? AND undone = 1 ORDER BY seq ASC LIMIT 1', labelId);
  if (!row) return null;
  const delta = readDelta(row);
  applyToChunks(sql, labelId, r.name, delta, direction);
  sql.run('UPDATE label_edits SET undone = ? WHERE seq = ?', direction === 'backward' ? 1 : 0, row.seq);
  return { seq: row.seq, revision: bumpRevision(sql, labelId), delta, direction };
}

export function journalEntries(sql: Sql, labelId: number): JournalEntry[] {
  labelRow(sql, labelId);
  return sql.all<{ seq: number; undone: number; voxels: number; note: string | null; created_at: string }>(
    'SELECT seq, undone, voxels, note, created_at FROM label_edits WHERE label_id = ? ORDER BY seq', labelId,
  ).map((e) => ({ seq: e.seq, undone: e.undone === 1, voxels: e.voxels, note: e.note, createdAt: e.created_at }));
}

export function journalDelta(sql: Sql, seq: number): LabelDelta {
  const row = sql.get<StoredDelta>('SELECT seq, delta, crc32 FROM label_edits WHERE seq = ?', seq);
  if (!row) throw new LumenError('bad-input', `the journal has no edit ${seq}`);
  return readDelta(row);
}

/**
 * Forget all but the newest `keep` undoable edits (and nothing of the redo stack). The
 * stored chunks stay the truth; only how far back undo can go shrinks.
 */
export function trimJournal(sql: Sql, labelId: number, keep: number): number {
  labelRow(sql, labelId);
  const res = sql.run(
    `DELETE FROM label_edits WHERE label_id = ? AND undone = 0 AND seq NOT IN
       (SELECT seq FROM label_edits WHERE label_id = ? AND undone = 0 ORDER BY seq DESC LIMIT ?)`,
    labelId, labelId, Math.max(0, keep),
  );
  return res.changes;
}
