// A label delta is the exact, reversible record of one edit: for every voxel whose value
// changed, its offset and the value before and after. Grouping by chunk keeps it small
// and lets the project store rewrite only the chunks an edit touched. Undo applies the
// `before` values, redo the `after` values; because both are recorded, replaying is exact
// no matter what the edit was (brush, flood fill, mask import...).

import { LumenError } from '../errors.ts';
import { ChunkGrid, type Shape3 } from './chunk-grid.ts';

export interface ChunkChange {
  /** chunk id in the ChunkGrid of the delta's shape */
  readonly chunk: number;
  /** strictly increasing voxel offsets inside the chunk */
  readonly offsets: Uint32Array;
  readonly before: Uint8Array;
  readonly after: Uint8Array;
}

export interface LabelDelta {
  readonly shape: Shape3;
  /** sorted by chunk id, at most one entry per chunk, never empty entries */
  readonly changes: readonly ChunkChange[];
}

export type Direction = 'forward' | 'backward';

export function emptyDelta(shape: Shape3): LabelDelta {
  return { shape: [shape[0], shape[1], shape[2]], changes: [] };
}

export function deltaVoxelCount(delta: LabelDelta): number {
  let n = 0;
  for (const c of delta.changes) n += c.offsets.length;
  return n;
}

export function isEmptyDelta(delta: LabelDelta): boolean {
  return delta.changes.length === 0;
}

/** The delta that undoes `delta`. */
export function invertDelta(delta: LabelDelta): LabelDelta {
  return {
    shape: delta.shape,
    changes: delta.changes.map((c) => ({ chunk: c.chunk, offsets: c.offsets, before: c.after, after: c.before })),
  };
}

/**
 * Check that a chunk holds the values a change expects to find (`before` going forward,
 * `after` going backward). A delta applied to labels it was not made from is a bug or a
 * damaged journal, and silently writing it would make undo drift away from the truth.
 * `data` undefined stands for an unallocated (all-zero) chunk.
 */
export function checkChunkChange(data: Uint8Array | undefined, length: number, change: ChunkChange, direction: Direction = 'forward'): void {
  const from = direction === 'forward' ? change.before : change.after;
  const { offsets } = change;
  for (let i = 0; i < offsets.length; i++) {
    const o = offsets[i]!;
    const found = o < length ? (data ? data[o]! : 0) : undefined;
    if (found !== from[i]) {
      throw new LumenError('damaged', `a label edit does not match the labels it is applied to (chunk ${change.chunk}, voxel ${o}: found ${found}, expected ${from[i]})`);
    }
  }
}

/**
 * Write a (checked) change into a chunk's bytes. Returns the change in the number of
 * non-zero voxels, so callers can free chunks that became empty without a scan.
 */
export function writeChunkChange(data: Uint8Array, change: ChunkChange, direction: Direction = 'forward'): number {
  const from = direction === 'forward' ? change.before : change.after;
  const to = direction === 'forward' ? change.after : change.before;
  const { offsets } = change;
  let nonZeroChange = 0;
  for (let i = 0; i < offsets.length; i++) {
    const a = from[i]!, b = to[i]!;
    data[offsets[i]!] = b;
    nonZeroChange += (b !== 0 ? 1 : 0) - (a !== 0 ? 1 : 0);
  }
  return nonZeroChange;
}

/** Check, then write, one chunk's change in place (see checkChunkChange / writeChunkChange). */
export function applyChunkChange(data: Uint8Array, change: ChunkChange, direction: Direction = 'forward'): number {
  checkChunkChange(data, data.length, change, direction);
  return writeChunkChange(data, change, direction);
}

/**
 * Compose edits made one after the other into a single delta (e.g. the dabs of one brush
 * stroke become one undo step). For each voxel the first `before` and the last `after`
 * win; voxels that end where they started drop out.
 */
export function mergeDeltas(deltas: readonly LabelDelta[]): LabelDelta {
  if (deltas.length === 0) throw new RangeError('mergeDeltas needs at least one delta');
  const shape = deltas[0]!.shape;
  const grid = new ChunkGrid(shape);
  for (const d of deltas) {
    if (!grid.sameShape(d.shape)) throw new LumenError('shape-mismatch', `cannot merge label edits of shapes ${shape.join('×')} and ${d.shape.join('×')}`);
  }
  const perChunk = new Map<number, ChunkChange[]>();
  for (const d of deltas) {
    for (const c of d.changes) {
      let list = perChunk.get(c.chunk);
      if (!list) perChunk.set(c.chunk, (list = []));
      list.push(c);
    }
  }
  const changes: ChunkChange[] = [];
  for (const chunk of [...perChunk.keys()].sort((a, b) => a - b)) {
    const list = perChunk.get(chunk)!;
    const merged = list.length === 1 ? list[0]! : mergeChunkChanges(chunk, grid.chunkLength(chunk), list);
    if (merged.offsets.length > 0) changes.push(merged);
  }
  return { shape: [shape[0], shape[1], shape[2]], changes };
}

function mergeChunkChanges(chunk: number, length: number, list: ChunkChange[]): ChunkChange {
  // Dense scratch per chunk (≤ 256 KiB each): simpler and faster than merging sorted lists
  // pairwise, and a chunk is the most one merge step ever needs.
  const first = new Int16Array(length).fill(-1);
  const last = new Int16Array(length).fill(-1);
  for (const c of list) {
    for (let i = 0; i < c.offsets.length; i++) {
      const o = c.offsets[i]!;
      if (first[o] === -1) first[o] = c.before[i]!;
      last[o] = c.after[i]!;
    }
  }
  let n = 0;
  for (let o = 0; o < length; o++) if (first[o] !== -1 && first[o] !== last[o]) n++;
  const offsets = new Uint32Array(n), before = new Uint8Array(n), after = new Uint8Array(n);
  for (let o = 0, k = 0; o < length; o++) {
    if (first[o] !== -1 && first[o] !== last[o]) {
      offsets[k] = o; before[k] = first[o]!; after[k] = last[o]!; k++;
    }
  }
  return { chunk, offsets, before, after };
}
