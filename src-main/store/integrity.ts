// A full check of a project, beyond SQLite's quick_check (which validates page structure
// but never looks inside blobs): every slab, label chunk, journal entry and model blob is
// read and its CRC-32 compared. Slower (it reads the whole file), so it is an explicit
// action ("Check project…", `lumen check`), not part of every open.

import { crc32 } from 'node:zlib';
import { isLumenError } from '../../src-shared/errors.ts';
import { decodeDelta, decodeInstanceDelta } from '../../src-shared/labels/index.ts';
import { unpack } from './codec.ts';
import { asBytes, type Sql } from './sql.ts';

export interface IntegrityReport {
  ok: boolean;
  /** one readable line per problem found */
  problems: string[];
  checked: { slabs: number; labelChunks: number; journalEntries: number; models: number };
}

export function checkIntegrity(sql: Sql): IntegrityReport {
  const problems: string[] = [];
  const checked = { slabs: 0, labelChunks: 0, journalEntries: 0, models: 0 };
  const note = (fn: () => void): void => {
    try { fn(); } catch (e) { problems.push(isLumenError(e) ? e.message : String(e)); }
  };
  for (const r of sql.all<{ quick_check: string }>('PRAGMA quick_check')) {
    if (r.quick_check !== 'ok') problems.push(`database structure: ${r.quick_check}`);
  }
  for (const s of sql.stmt(`SELECT v.name, s.z0, s.raw_length, s.crc32, s.data FROM volume_slabs s JOIN volumes v ON v.id = s.volume_id`).iterate() as Iterable<{ name: string; z0: number; raw_length: number; crc32: number; data: Buffer }>) {
    checked.slabs++;
    note(() => unpack(asBytes(s.data), s.raw_length, s.crc32, `slices ${s.z0}.. of volume "${s.name}"`));
  }
  for (const c of sql.stmt(`SELECT l.name, c.chunk, c.raw_length, c.crc32, c.data FROM label_chunks c JOIN label_volumes l ON l.id = c.label_id`).iterate() as Iterable<{ name: string; chunk: number; raw_length: number; crc32: number; data: Buffer }>) {
    checked.labelChunks++;
    note(() => unpack(asBytes(c.data), c.raw_length, c.crc32, `chunk ${c.chunk} of labels "${c.name}"`));
  }
  for (const e of sql.stmt('SELECT seq, delta, crc32 FROM label_edits').iterate() as Iterable<{ seq: number; delta: Buffer; crc32: number }>) {
    checked.journalEntries++;
    note(() => {
      if (crc32(e.delta) !== e.crc32) throw new Error(`label edit ${e.seq} is damaged (checksum mismatch)`);
      decodeDelta(asBytes(e.delta));
    });
  }
  for (const c of sql.stmt(`SELECT l.name, c.plane, c.chunk, c.raw_length, c.crc32, c.data FROM instance_chunks c JOIN instance_layers l ON l.id = c.layer_id`).iterate() as Iterable<{ name: string; plane: string; chunk: number; raw_length: number; crc32: number; data: Buffer }>) {
    checked.labelChunks++;
    note(() => unpack(asBytes(c.data), c.raw_length, c.crc32, `chunk ${c.chunk} (${c.plane}) of instance layer "${c.name}"`));
  }
  for (const e of sql.stmt('SELECT seq, delta, crc32 FROM instance_edits').iterate() as Iterable<{ seq: number; delta: Buffer; crc32: number }>) {
    checked.journalEntries++;
    note(() => {
      if (crc32(e.delta) !== e.crc32) throw new Error(`instance edit ${e.seq} is damaged (checksum mismatch)`);
      decodeInstanceDelta(asBytes(e.delta));
    });
  }
  for (const m of sql.stmt('SELECT name, onnx, onnx_crc32, weights, weights_crc32 FROM models').iterate() as Iterable<{ name: string; onnx: Buffer; onnx_crc32: number; weights: Buffer | null; weights_crc32: number | null }>) {
    checked.models++;
    if (crc32(m.onnx) !== m.onnx_crc32) problems.push(`the network of model "${m.name}" is damaged (checksum mismatch)`);
    if (m.weights && crc32(m.weights) !== m.weights_crc32) problems.push(`the weights of model "${m.name}" are damaged (checksum mismatch)`);
  }
  return { ok: problems.length === 0, problems, checked };
}
