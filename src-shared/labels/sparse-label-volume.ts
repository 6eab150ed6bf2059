// Labels for a whole volume, stored as 64³ chunks that exist only where someone painted.
// A 512³ volume is 128 MiB dense but a user typically labels a few slices, so most chunks
// are never allocated. A chunk is freed again when erasing leaves it all zero, tracked by a
// per-chunk count of non-zero voxels so that check costs nothing.

import { LumenError } from '../errors.ts';
import { ChunkGrid, type Shape3 } from './chunk-grid.ts';
import { checkChunkChange, writeChunkChange, type Direction, type LabelDelta } from './delta.ts';
import { assertLabelValue } from './classes.ts';
import type { Axis } from './plane.ts';

export interface LabelChunk {
  readonly id: number;
  /** first voxel z, y, x */
  readonly origin: [number, number, number];
  /** dz, dy, dx (cut at the volume's edge) */
  readonly dims: [number, number, number];
  /** dense bytes of the chunk, z slowest; live view, do not keep across edits */
  readonly data: Uint8Array;
}

interface Slot { data: Uint8Array; nonZero: number }

export class SparseLabelVolume {
  readonly grid: ChunkGrid;
  private readonly slots = new Map<number, Slot>();

  constructor(shape: Shape3) {
    this.grid = new ChunkGrid(shape);
  }

  get shape(): Shape3 { return this.grid.shape; }

  /** Chunks that currently hold memory. */
  get allocatedChunkCount(): number { return this.slots.size; }

  /** Bytes held by chunk data (the bulk of the memory this volume uses). */
  get allocatedBytes(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.data.length;
    return n;
  }

  get(z: number, y: number, x: number): number {
    const [Z, Y, X] = this.grid.shape;
    if (z < 0 || y < 0 || x < 0 || z >= Z || y >= Y || x >= X) throw new RangeError(`voxel ${z},${y},${x} is outside ${Z}×${Y}×${X}`);
    const slot = this.slots.get(this.grid.chunkIdAt(z, y, x));
    return slot ? slot.data[this.offset(z, y, x)]! : 0;
  }

  /** Direct write without recording a delta; edits that must be undoable go through the ops. */
  set(z: number, y: number, x: number, value: number): void {
    const [Z, Y, X] = this.grid.shape;
    if (z < 0 || y < 0 || x < 0 || z >= Z || y >= Y || x >= X) throw new RangeError(`voxel ${z},${y},${x} is outside ${Z}×${Y}×${X}`);
    assertLabelValue(value);
    const id = this.grid.chunkIdAt(z, y, x);
    let slot = this.slots.get(id);
    if (!slot) {
      if (value === 0) return; // writing "unlabeled" to an unallocated chunk changes nothing
      slot = { data: new Uint8Array(this.grid.chunkLength(id)), nonZero: 0 };
      this.slots.set(id, slot);
    }
    const o = this.offset(z, y, x);
    const old = slot.data[o]!;
    slot.data[o] = value;
    slot.nonZero += (value !== 0 ? 1 : 0) - (old !== 0 ? 1 : 0);
    if (slot.nonZero === 0) this.slots.delete(id);
  }

  /** Offset of (z, y, x) inside its chunk, the chunk's own dimensions as strides. */
  offset(z: number, y: number, x: number): number {
    return this.grid.offsetInChunk(z, y, x);
  }

  /** The chunk's bytes if allocated (live view), else undefined. */
  chunkData(id: number): Uint8Array | undefined {
    return this.slots.get(id)?.data;
  }

  /** Replace a whole chunk (used when loading from the store). All-zero or null frees it. */
  setChunk(id: number, data: Uint8Array | null): void {
    if (id < 0 || id >= this.grid.chunkCount || !Number.isInteger(id)) throw new RangeError(`chunk ${id} is outside the grid`);
    if (data === null) { this.slots.delete(id); return; }
    const len = this.grid.chunkLength(id);
    if (data.length !== len) throw new LumenError('shape-mismatch', `chunk ${id} needs ${len} bytes, got ${data.length}`);
    let nonZero = 0;
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) nonZero++;
    if (nonZero === 0) this.slots.delete(id);
    else this.slots.set(id, { data: data.slice(), nonZero });
  }

  /** Allocated chunks in increasing id order. */
  *chunks(): IterableIterator<LabelChunk> {
    for (const id of [...this.slots.keys()].sort((a, b) => a - b)) {
      yield { id, origin: this.grid.chunkOrigin(id), dims: this.grid.chunkDims(id), data: this.slots.get(id)!.data };
    }
  }

  /** Apply a delta (forward = redo / do, backward = undo). Chunks left all zero are freed. */
  applyDelta(delta: LabelDelta, direction: Direction = 'forward'): void {
    if (!this.grid.sameShape(delta.shape)) {
      throw new LumenError('shape-mismatch', `a label edit for ${delta.shape.join('×')} cannot apply to labels of ${this.shape.join('×')}`);
    }
    // Check every chunk before writing any, so a mismatching delta leaves the labels
    // untouched; then write in place (no copies: a filled 512² slice touches 64 chunks).
    for (const c of delta.changes) {
      if (c.chunk >= this.grid.chunkCount) throw new LumenError('damaged', `a label edit refers to chunk ${c.chunk}, beyond the grid`);
      checkChunkChange(this.slots.get(c.chunk)?.data, this.grid.chunkLength(c.chunk), c, direction);
    }
    for (const c of delta.changes) {
      let slot = this.slots.get(c.chunk);
      if (!slot) {
        slot = { data: new Uint8Array(this.grid.chunkLength(c.chunk)), nonZero: 0 };
        this.slots.set(c.chunk, slot);
      }
      slot.nonZero += writeChunkChange(slot.data, c, direction);
      if (slot.nonZero === 0) this.slots.delete(c.chunk);
    }
  }

  /** Dense labels of one plane: axis z → y×x, axis y → z×x, axis x → z×y (row-major). */
  readPlane(axis: Axis, index: number): Uint8Array {
    const [Z, Y, X] = this.grid.shape;
    if (axis === 'z') return this.readBox([index, 0, 0], [index + 1, Y, X]);
    if (axis === 'y') return this.readBox([0, index, 0], [Z, index + 1, X]);
    return this.readBox([0, 0, index], [Z, Y, index + 1]);
  }

  /** Dense labels of the z-slice `z` (y×x). */
  readSlice(z: number): Uint8Array {
    return this.readPlane('z', z);
  }

  /** Dense labels of the box [lo, hi) (z, y, x), row-major z slowest. */
  readBox(lo: readonly [number, number, number], hi: readonly [number, number, number]): Uint8Array {
    const [Z, Y, X] = this.grid.shape;
    const [z0, y0, x0] = lo, [z1, y1, x1] = hi;
    if (z0 < 0 || y0 < 0 || x0 < 0 || z1 > Z || y1 > Y || x1 > X || z0 >= z1 || y0 >= y1 || x0 >= x1) {
      throw new RangeError(`box ${lo.join(',')}..${hi.join(',')} is empty or outside ${Z}×${Y}×${X}`);
    }
    const h = y1 - y0, w = x1 - x0;
    const out = new Uint8Array((z1 - z0) * h * w);
    // Walk only allocated chunks that meet the box; everything else stays 0.
    for (const [id, slot] of this.slots) {
      const [cz, cy, cx] = this.grid.chunkOrigin(id);
      const [dz, dy, dx] = this.grid.chunkDims(id);
      const az = Math.max(z0, cz), bz = Math.min(z1, cz + dz);
      const ay = Math.max(y0, cy), by = Math.min(y1, cy + dy);
      const ax = Math.max(x0, cx), bx = Math.min(x1, cx + dx);
      if (az >= bz || ay >= by || ax >= bx) continue;
      for (let z = az; z < bz; z++) {
        for (let y = ay; y < by; y++) {
          const src = ((z - cz) * dy + (y - cy)) * dx;
          const dst = ((z - z0) * h + (y - y0)) * w;
          out.set(slot.data.subarray(src + ax - cx, src + bx - cx), dst + ax - x0);
        }
      }
    }
    return out;
  }

  /** Labeled voxels per value (1 = background, 2.. classes); unlabeled voxels are not listed. */
  countByClass(): Map<number, number> {
    const hist = new Float64Array(256);
    for (const slot of this.slots.values()) {
      const d = slot.data;
      for (let i = 0; i < d.length; i++) hist[d[i]!]!++;
    }
    const out = new Map<number, number>();
    for (let v = 1; v < 256; v++) if (hist[v]! > 0) out.set(v, hist[v]!);
    return out;
  }

  /** Total labeled (non-zero) voxels, from the per-chunk counts. */
  labeledVoxelCount(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.nonZero;
    return n;
  }

  toDense(): Uint8Array {
    const [Z, Y, X] = this.grid.shape;
    return this.readBox([0, 0, 0], [Z, Y, X]);
  }

  static fromDense(shape: Shape3, data: ArrayLike<number>): SparseLabelVolume {
    const vol = new SparseLabelVolume(shape);
    const [Z, Y, X] = vol.grid.shape;
    if (data.length !== Z * Y * X) throw new LumenError('shape-mismatch', `dense labels have ${data.length} voxels, ${Z}×${Y}×${X} needs ${Z * Y * X}`);
    for (let id = 0; id < vol.grid.chunkCount; id++) {
      const [cz, cy, cx] = vol.grid.chunkOrigin(id);
      const [dz, dy, dx] = vol.grid.chunkDims(id);
      let chunk: Uint8Array | undefined;
      let nonZero = 0;
      for (let z = 0; z < dz; z++) {
        for (let y = 0; y < dy; y++) {
          const src = ((cz + z) * Y + cy + y) * X + cx;
          for (let x = 0; x < dx; x++) {
            const v = data[src + x]!;
            if (v === 0) continue;
            assertLabelValue(v);
            chunk ??= new Uint8Array(dz * dy * dx);
            chunk[(z * dy + y) * dx + x] = v;
            nonZero++;
          }
        }
      }
      if (chunk) vol.slots.set(id, { data: chunk, nonZero });
    }
    return vol;
  }

  clone(): SparseLabelVolume {
    const copy = new SparseLabelVolume(this.shape);
    for (const [id, s] of this.slots) copy.slots.set(id, { data: s.data.slice(), nonZero: s.nonZero });
    return copy;
  }
}
