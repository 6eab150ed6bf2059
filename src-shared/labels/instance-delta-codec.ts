// Bytes form of an InstanceDelta, for the project's instance journal and for sending an edit to
// the renderer. Offsets come in runs (a brush row, a whole object), ids in long runs (a stroke
// writes one id over mostly empty voxels), so offsets are stored as runs and values run-length
// coded, as the class labels' delta-codec.ts does with bytes.
//
// Layout: "LIDT" · u8 version · u8 plane (0 ids, 1 annotated) · varint z, y, x · varint n ·
//   varint runCount · runCount × (varint gap from the previous run's end, varint length - 1) ·
//   RLE(before) · RLE(after), RLE = (varint value, varint run) pairs covering n. Unsigned LEB128.

import { LumenError } from '../errors.ts';
import { readOffsetRuns, writeOffsetRuns } from './offset-runs.ts';
import { VarintReader, VarintWriter } from './varint-bytes.ts';
import { checkInstanceValue, type InstanceDelta, type InstancePlane } from './instance-layer.ts';

const MAGIC = [0x4c, 0x49, 0x44, 0x54]; // "LIDT"
const VERSION = 1;

class Writer extends VarintWriter {
  rle(values: Uint32Array): void {
    for (let i = 0; i < values.length;) {
      let j = i + 1;
      while (j < values.length && values[j] === values[i]) j++;
      this.varint(values[i]!); this.varint(j - i);
      i = j;
    }
  }
}

class Reader extends VarintReader {
  constructor(buf: Uint8Array) { super(buf, 'instance edit'); }
  rle(n: number, plane: InstancePlane): Uint32Array {
    const out = new Uint32Array(n);
    for (let i = 0; i < n;) {
      const v = this.varint(), run = this.varint();
      if (run === 0 || i + run > n) this.fail('bad run length');
      try { checkInstanceValue(plane, v); } catch { this.fail(`value ${v} out of range`); }
      out.fill(v, i, i + run);
      i += run;
    }
    return out;
  }
}

export function encodeInstanceDelta(d: InstanceDelta): Uint8Array {
  const w = new Writer();
  for (const b of MAGIC) w.byte(b);
  w.byte(VERSION);
  w.byte(d.plane === 'ids' ? 0 : 1);
  for (const s of d.shape) w.varint(s);
  w.varint(d.offsets.length);
  writeOffsetRuns(w, d.offsets);
  w.rle(d.before);
  w.rle(d.after);
  return w.bytes();
}

export function decodeInstanceDelta(bytes: Uint8Array): InstanceDelta {
  const r = new Reader(bytes);
  for (const b of MAGIC) if (r.byte() !== b) throw new LumenError('damaged', 'a stored instance edit does not start with the instance-edit signature');
  const version = r.byte();
  if (version !== VERSION) throw new LumenError('newer-schema', `a stored instance edit uses format ${version}; this Lumen reads format ${VERSION}`);
  const p = r.byte();
  if (p > 1) r.fail('unknown plane');
  const plane: InstancePlane = p === 0 ? 'ids' : 'annotated';
  const shape: [number, number, number] = [r.varint(), r.varint(), r.varint()];
  if (shape.some((s) => !Number.isInteger(s) || s <= 0)) r.fail('impossible shape');
  const size = shape[0] * shape[1] * shape[2];
  const n = r.varint();
  if (n > size) r.fail('more voxels than the layer holds');
  const offsets = readOffsetRuns(r, n, size, (why) => r.fail(why === 'outside' ? 'a voxel outside the layer' : 'fewer voxels than it says'));
  const before = r.rle(n, plane), after = r.rle(n, plane);
  if (!r.done) r.fail('trailing bytes');
  return { shape, plane, offsets, before, after };
}
