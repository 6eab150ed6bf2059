// Geometry of the 64³ chunk grid that SparseLabelVolume, label deltas and the project
// store all share. Chunks at the far edges are cut to the volume so a thin volume
// (say 1×2048×2048) costs the same as its dense array once fully painted, not 64× more.
// Offsets inside a chunk use the chunk's own (possibly cut) dimensions, z slowest.

export const CHUNK = 64;
export const CHUNK_BITS = 6;
const CHUNK_MASK = CHUNK - 1;

export type Shape3 = readonly [number, number, number];

export class ChunkGrid {
  readonly shape: Shape3;
  /** chunks along z, y, x */
  readonly counts: readonly [number, number, number];
  readonly chunkCount: number;
  readonly voxelCount: number;

  constructor(shape: Shape3) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d <= 0) throw new RangeError(`label shape ${shape.join('×')} must be positive integers`);
    }
    this.shape = [shape[0], shape[1], shape[2]];
    this.counts = [Math.ceil(shape[0] / CHUNK), Math.ceil(shape[1] / CHUNK), Math.ceil(shape[2] / CHUNK)];
    this.chunkCount = this.counts[0] * this.counts[1] * this.counts[2];
    this.voxelCount = shape[0] * shape[1] * shape[2];
  }

  /** Chunk id of an in-volume voxel (coordinates are < 2³¹, so shifts are exact). */
  chunkIdAt(z: number, y: number, x: number): number {
    return ((z >> CHUNK_BITS) * this.counts[1] + (y >> CHUNK_BITS)) * this.counts[2] + (x >> CHUNK_BITS);
  }

  /** chunk grid coordinates cz, cy, cx of a chunk id */
  chunkCoords(id: number): [number, number, number] {
    const cx = id % this.counts[2];
    const rest = (id - cx) / this.counts[2];
    const cy = rest % this.counts[1];
    return [(rest - cy) / this.counts[1], cy, cx];
  }

  /** first voxel (z, y, x) of a chunk */
  chunkOrigin(id: number): [number, number, number] {
    const [cz, cy, cx] = this.chunkCoords(id);
    return [cz * CHUNK, cy * CHUNK, cx * CHUNK];
  }

  /** dimensions (dz, dy, dx) of a chunk, cut at the volume's edge */
  chunkDims(id: number): [number, number, number] {
    const [z0, y0, x0] = this.chunkOrigin(id);
    return [Math.min(CHUNK, this.shape[0] - z0), Math.min(CHUNK, this.shape[1] - y0), Math.min(CHUNK, this.shape[2] - x0)];
  }

  chunkLength(id: number): number {
    const [dz, dy, dx] = this.chunkDims(id);
    return dz * dy * dx;
  }

  /** offset of voxel (z, y, x) inside its chunk */
  offsetInChunk(z: number, y: number, x: number): number {
    const dy = Math.min(CHUNK, this.shape[1] - (y & ~CHUNK_MASK));
    const dx = Math.min(CHUNK, this.shape[2] - (x & ~CHUNK_MASK));
    return ((z & CHUNK_MASK) * dy + (y & CHUNK_MASK)) * dx + (x & CHUNK_MASK);
  }

  contains(z: number, y: number, x: number): boolean {
    return z >= 0 && y >= 0 && x >= 0 && z < this.shape[0] && y < this.shape[1] && x < this.shape[2];
  }

  sameShape(other: Shape3): boolean {
    return other[0] === this.shape[0] && other[1] === this.shape[1] && other[2] === this.shape[2];
  }
}
