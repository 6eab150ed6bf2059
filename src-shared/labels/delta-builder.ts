// Every edit op describes its result by calling `set` on a DeltaBuilder instead of writing
// the labels; the builder remembers the value each voxel had, so the finished delta is
// reversible. Ops can then be pure ("labels + parameters → delta"), which is what lets the
// app, the CLI and the store's journal share them.
//
// Most ops visit voxels in increasing offset order within a chunk; the builder notices and
// then needs no sort, and skips unchanged voxels as it goes. Anything else (flood fill,
// overlapping brush dabs) is sorted and de-duplicated at finish, the last `set` winning.

import { CHUNK } from './chunk-grid.ts';
import { assertLabelValue } from './classes.ts';
import type { ChunkChange, LabelDelta } from './delta.ts';
import type { SparseLabelVolume } from './sparse-label-volume.ts';

class Record {
  n = 0;
  offsets = new Uint32Array(64);
  before = new Uint8Array(64);
  after = new Uint8Array(64);
  sorted = true;
  last = -1;

  push(o: number, b: number, a: number): void {
    if (this.n === this.offsets.length) {
      const cap = this.n * 2;
      const offsets = new Uint32Array(cap); offsets.set(this.offsets); this.offsets = offsets;
      const before = new Uint8Array(cap); before.set(this.before); this.before = before;
      const after = new Uint8Array(cap); after.set(this.after); this.after = after;
    }
    if (o <= this.last) this.sorted = false;
    this.last = o;
    this.offsets[this.n] = o; this.before[this.n] = b; this.after[this.n] = a;
    this.n++;
  }
}

const MAX_RECORDS_PER_CHUNK = 1 << 21; // keeps offset·2²¹ + index exact in a float64 sort key

export class DeltaBuilder {
  private readonly records = new Map<number, Record>();
  private lastId = -1;
  private lastRecord: Record | undefined;

  constructor(readonly labels: SparseLabelVolume) {}

  /** Say that voxel (z, y, x) should become `value`. Out-of-volume voxels are ignored (brush edges). */
  set(z: number, y: number, x: number, value: number): void {
    const [Z, Y, X] = this.labels.shape;
    if (z < 0 || y < 0 || x < 0 || z >= Z || y >= Y || x >= X) return;
    const id = this.labels.grid.chunkIdAt(z, y, x);
    const o = this.labels.offset(z, y, x);
    const data = this.labels.chunkData(id);
    const before = data ? data[o]! : 0;
    let rec = id === this.lastId ? this.lastRecord : this.records.get(id);
    if (!rec) {
      if (before === value) return;
      assertLabelValue(value);
      rec = new Record();
      this.records.set(id, rec);
    } else if (before === value && rec.sorted && o > rec.last) {
      // Cannot have been recorded before (offsets so far are all smaller): nothing to undo.
      return;
    } else {
      assertLabelValue(value);
    }
    this.lastId = id;
    this.lastRecord = rec;
    rec.push(o, before, value);
  }

  /** Voxel count recorded so far (an upper bound on the changed voxels). */
  get size(): number {
    let n = 0;
    for (const r of this.records.values()) n += r.n;
    return n;
  }

  finish(): LabelDelta {
    const changes: ChunkChange[] = [];
    for (const id of [...this.records.keys()].sort((a, b) => a - b)) {
      const change = finishChunk(id, this.records.get(id)!);
      if (change.offsets.length > 0) changes.push(change);
    }
    const [Z, Y, X] = this.labels.shape;
    return { shape: [Z, Y, X], changes };
  }
}

function finishChunk(chunk: number, r: Record): ChunkChange {
  let order: ArrayLike<number>;
  if (r.sorted) {
    order = Uint32Array.from({ length: r.n }, (_, i) => i);
  } else {
    if (r.n >= MAX_RECORDS_PER_CHUNK) throw new RangeError(`an edit wrote one ${CHUNK}³ chunk more than ${MAX_RECORDS_PER_CHUNK} times`);
    const keys = new Float64Array(r.n);
    for (let i = 0; i < r.n; i++) keys[i] = r.offsets[i]! * MAX_RECORDS_PER_CHUNK + i;
    keys.sort();
    // Keep the last record of each offset (largest index sorts last within an offset).
    const keep: number[] = [];
    for (let k = 0; k < keys.length; k++) {
      const i = keys[k]! % MAX_RECORDS_PER_CHUNK;
      const nextSame = k + 1 < keys.length && Math.floor(keys[k + 1]! / MAX_RECORDS_PER_CHUNK) === r.offsets[i];
      if (!nextSame) keep.push(i);
    }
    order = keep;
  }
  let n = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (r.before[i] !== r.after[i]) n++;
  }
  const offsets = new Uint32Array(n), before = new Uint8Array(n), after = new Uint8Array(n);
  for (let k = 0, j = 0; k < order.length; k++) {
    const i = order[k]!;
    if (r.before[i] === r.after[i]) continue;
    offsets[j] = r.offsets[i]!; before[j] = r.before[i]!; after[j] = r.after[i]!; j++;
  }
  return { chunk, offsets, before, after };
}
