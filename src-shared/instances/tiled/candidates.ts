// The candidates of a streamed StarDist prediction: as each blended output slice arrives, the
// voxels on the decoding grid whose object probability is above the threshold are kept with
// their R distances; the rest of the slice is dropped. Candidates arrive in raster order of the
// grid (z, then y, then x), so a candidate's position in the store orders it exactly as its grid
// index orders it in instancesFromPrediction (to-instances.ts): sorting by decreasing probability,
// ties by position, gives the very same NMS order as the in-memory decoder.
//
// Memory: 4·(R + 1) bytes of distances and probability plus 12 bytes of centre per candidate.

/** Candidates on the grid: centres [z, y, x] in image voxels, probabilities, channel-last distances. */
export class CandidateStore {
  count = 0;
  private capacity: number;
  private centreBuf: Int32Array;
  private probBuf: Float32Array;
  private distBuf: Float32Array;

  constructor(readonly rays: number, initialCapacity = 4096) {
    this.capacity = Math.max(16, initialCapacity);
    this.centreBuf = new Int32Array(3 * this.capacity);
    this.probBuf = new Float32Array(this.capacity);
    this.distBuf = new Float32Array(this.capacity * rays);
  }

  get centres(): Int32Array { return this.centreBuf.subarray(0, 3 * this.count); }
  get probs(): Float32Array { return this.probBuf.subarray(0, this.count); }
  get dists(): Float32Array { return this.distBuf.subarray(0, this.count * this.rays); }
  get bytes(): number { return this.capacity * (12 + 4 + 4 * this.rays); }

  private grow(): void {
    const cap = this.capacity * 2;
    const c = new Int32Array(3 * cap); c.set(this.centreBuf); this.centreBuf = c;
    const p = new Float32Array(cap); p.set(this.probBuf); this.probBuf = p;
    const d = new Float32Array(cap * this.rays); d.set(this.distBuf); this.distBuf = d;
    this.capacity = cap;
  }

  /**
   * Takes the candidates of one output slice, planar [1 + R][h][w] (probability, then the
   * distances along each ray), whose plane starts at image voxel (y0, x0); `z` is the slice's
   * image z. Only grid voxels (z, y, x multiples of the grid) are read; a sampled plane
   * (plane.step, streamSlidingWindow's `sample`) holds nothing else. Distances below 0 are
   * clamped to 0, as onGrid (train/predict-instances.ts) does.
   */
  addSlice(z: number, out: Float32Array, plane: { y0: number; x0: number; h: number; w: number; step?: readonly [number, number] }, grid: readonly [number, number, number], threshold: number): number {
    if (z % grid[0] !== 0) return 0;
    const { y0, x0, h, w } = plane, hw = h * w, R = this.rays;
    // plane index step, image voxels per plane index, first grid row/column inside the plane
    const [sy, sx] = plane.step ? [1, 1] : [grid[1], grid[2]];
    const [vy, vx] = plane.step ?? [1, 1];
    if (plane.step && (plane.step[0] !== grid[1] || plane.step[1] !== grid[2] || y0 % grid[1] || x0 % grid[2])) throw new RangeError('the sampled plane is not on the decoding grid');
    const yStart = plane.step ? 0 : (sy - (y0 % sy)) % sy, xStart = plane.step ? 0 : (sx - (x0 % sx)) % sx;
    let added = 0;
    for (let y = yStart; y < h; y += sy) {
      const row = y * w;
      for (let x = xStart; x < w; x += sx) {
        const i = row + x, p = out[i]!;
        if (!(p > threshold)) continue;
        if (this.count === this.capacity) this.grow();
        const n = this.count++;
        this.centreBuf[3 * n] = z; this.centreBuf[3 * n + 1] = y0 + y * vy; this.centreBuf[3 * n + 2] = x0 + x * vx;
        this.probBuf[n] = p;
        const d = this.distBuf, at = n * R;
        for (let k = 0, j = hw + i; k < R; k++, j += hw) { const v = out[j]!; d[at + k] = v > 0 ? v : 0; }
        added++;
      }
    }
    return added;
  }

  /** lets the buffers go (the store is empty afterwards) */
  clear(): void {
    this.count = 0;
    this.capacity = 16;
    this.centreBuf = new Int32Array(3 * 16);
    this.probBuf = new Float32Array(16);
    this.distBuf = new Float32Array(16 * this.rays);
  }

  /** positions by decreasing probability, ties by position (= grid index): the NMS order */
  order(): Int32Array {
    const prob = this.probBuf;
    const order = Int32Array.from({ length: this.count }, (_, i) => i);
    return order.sort((a, b) => prob[b]! - prob[a]! || a - b);
  }
}
