// One pyramid step on a slab held in memory (z, y, x, c interleaved): each output voxel is the
// mean (images) or the most frequent value (label maps, where a mean would invent label ids) of
// its block of up to 2×2×2 input voxels; blocks at odd edges are simply smaller.
import type { Shape4, TypedArray } from '../../volume.ts';
import type { Vec3 } from './zarr-reader.ts';

export type DownsampleMode = 'mean' | 'mode';

export function downsampledShape([d, h, w, c]: Shape4, [fz, fy, fx]: Vec3): Shape4 {
  return [Math.ceil(d / fz), Math.ceil(h / fy), Math.ceil(w / fx), c];
}

/** Fills `out` (length of downsampledShape) from `src`; integer means are rounded to nearest. */
export function downsample(src: TypedArray, shape: Shape4, factor: Vec3, mode: DownsampleMode, out: TypedArray): void {
  const [d, h, w, c] = shape;
  const [od, oh, ow] = downsampledShape(shape, factor);
  const [fz, fy, fx] = factor;
  const round = !(out instanceof Float32Array || out instanceof Float64Array);
  const block = new Float64Array(fz * fy * fx);
  let o = 0;
  for (let z = 0; z < od; z++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) for (let ch = 0; ch < c; ch++) {
    let n = 0;
    for (let bz = z * fz; bz < Math.min(d, z * fz + fz); bz++) for (let by = y * fy; by < Math.min(h, y * fy + fy); by++) {
      for (let bx = x * fx; bx < Math.min(w, x * fx + fx); bx++) block[n++] = src[((bz * h + by) * w + bx) * c + ch]!;
    }
    if (mode === 'mode') out[o++] = mostFrequent(block, n);
    else {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += block[i]!;
      out[o++] = round ? Math.round(sum / n) : sum / n;
    }
  }
}

/** The value seen most often; a tie goes to the one seen first (the block's lowest corner). */
function mostFrequent(v: Float64Array, n: number): number {
  let best = v[0]!, bestCount = 0;
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let j = 0; j < n; j++) if (v[j] === v[i]) count++;
    if (count > bestCount) { best = v[i]!; bestCount = count; }
  }
  return best;
}
