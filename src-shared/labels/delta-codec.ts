// Bytes form of a LabelDelta, for the project's edit journal and for undo stacks that are
// sent between processes. Offsets are strictly increasing inside a chunk and mostly come
// in runs (a brush row, a whole slice of a chunk), so they are stored as runs of
// consecutive offsets; before/after values come in long runs too (a brush writes one
// class over mostly-unlabeled voxels), so they are run-length coded. A brush stroke of a
// few thousand voxels encodes to a few hundred bytes, a filled 512² slice to about 1 KiB.
//
// Layout: "LDLT" · u8 version · varint z, y, x · varint chunkCount ·
//   per chunk: varint chunk id (gap from previous + 1) · varint n · varint runCount ·
//              runCount × (varint gap from previous run's end, varint length - 1) ·
//              RLE(before) · RLE(after), RLE = (u8 value, varint run) pairs covering n.
// Varints are unsigned LEB128.

import { LumenError } from '../errors.ts';
import { ChunkGrid } from './chunk-grid.ts';
import { readOffsetRuns, writeOffsetRuns } from './offset-runs.ts';
import { VarintReader, VarintWriter } from './varint-bytes.ts';
import type { ChunkChange, LabelDelta } from './delta.ts';

const MAGIC = [0x4c, 0x44, 0x4c, 0x54]; // "LDLT"
const VERSION = 1;

class ByteWriter extends VarintWriter {
  rle(values: Uint8Array): void {
    let i = 0;
    while (i < values.length) {
      const v = values[i]!;
      let j = i + 1;
      while (j < values.length && values[j] === v) j++;
      this.byte(v);
      this.varint(j - i);
      i = j;
    }
  }
}

class ByteReader extends VarintReader {
  constructor(buf: Uint8Array) { super(buf, 'label edit'); }

  rle(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      const v = this.byte();
      const run = this.varint();
      if (run === 0 || i + run > n) this.fail('bad run length');
      out.fill(v, i, i + run);
      i += run;
    }
    return out;
  }
}

export function encodeDelta(delta: LabelDelta): Uint8Array {
  const w = new ByteWriter();
  for (const b of MAGIC) w.byte(b);
  w.byte(VERSION);
  for (const d of delta.shape) w.varint(d);
  w.varint(delta.changes.length);
  let prevChunk = -1;
  for (const c of delta.changes) {
    if (c.chunk <= prevChunk) throw new RangeError('delta chunks must be strictly increasing');
    w.varint(c.chunk - prevChunk - 1);
    prevChunk = c.chunk;
    w.varint(c.offsets.length);
    writeOffsetRuns(w, c.offsets);
    w.rle(c.before);
    w.rle(c.after);
  }
  return w.bytes();
}

export function decodeDelta(bytes: Uint8Array): LabelDelta {
  const r = new ByteReader(bytes);
  for (const b of MAGIC) {
    if (r.byte() !== b) throw new LumenError('damaged', 'a stored label edit does not start with the label-edit signature');
  }
  const version = r.byte();
  if (version !== VERSION) throw new LumenError('newer-schema', `a stored label edit uses format ${version}; this Lumen reads format ${VERSION}`);
  const shape: [number, number, number] = [r.varint(), r.varint(), r.varint()];
  let grid: ChunkGrid;
  try {
    grid = new ChunkGrid(shape);
  } catch {
    throw new LumenError('damaged', `a stored label edit has an impossible shape ${shape.join('×')}`);
  }
  const count = r.varint();
  if (count > grid.chunkCount) throw new LumenError('damaged', 'a stored label edit lists more chunks than the volume has');
  const changes: ChunkChange[] = [];
  let chunk = -1;
  for (let k = 0; k < count; k++) {
    chunk += r.varint() + 1;
    if (chunk >= grid.chunkCount) throw new LumenError('damaged', 'a stored label edit refers to a chunk outside the volume');
    const len = grid.chunkLength(chunk);
    const n = r.varint();
    if (n > len) throw new LumenError('damaged', 'a stored label edit changes more voxels than a chunk holds');
    const offsets = readOffsetRuns(r, n, len, (why) => {
      throw new LumenError('damaged', why === 'outside' ? 'a stored label edit refers to a voxel outside its chunk' : 'a stored label edit lists fewer voxels than it says');
    });
    const before = r.rle(n);
    const after = r.rle(n);
    changes.push({ chunk, offsets, before, after });
  }
  if (!r.done) throw new LumenError('damaged', 'a stored label edit has trailing bytes');
  return { shape, changes };
}
