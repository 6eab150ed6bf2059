// Grid helpers shared by the imaging models: separable Gaussian blur with a per-axis sigma,
// smooth random fields (value noise on a coarse lattice), and percentiles.
import type { Rand } from './rng.ts';

export type Shape3 = readonly [number, number, number];

function kernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) { const v = Math.exp(-(i * i) / (2 * sigma * sigma)); k[i + r] = v; s += v; }
  for (let i = 0; i < k.length; i++) k[i]! /= s;
  return k;
}

/** Blurs `data` (z, y, x order) in place along one axis; edges are clamped. */
function blurAxis(data: Float32Array, shape: Shape3, axis: 0 | 1 | 2, sigma: number): void {
  const [Z, Y, X] = shape;
  const n = axis === 0 ? Z : axis === 1 ? Y : X;
  if (sigma < 0.2 || n < 2) return;
  const k = kernel(sigma), r = (k.length - 1) >> 1;
  if (axis === 2) {
    // rows are contiguous: pad one row at a time
    const line = new Float32Array(X + 2 * r);
    for (let base = 0; base < data.length; base += X) {
      for (let i = 0; i < X; i++) line[i + r] = data[base + i]!;
      const first = line[r]!, last = line[r + X - 1]!;
      for (let i = 0; i < r; i++) { line[i] = first; line[r + X + i] = last; }
      for (let i = 0; i < X; i++) {
        let acc = 0;
        for (let j = 0; j < k.length; j++) acc += k[j]! * line[i + j]!;
        data[base + i] = acc;
      }
    }
    return;
  }
  // z or y: add whole shifted planes / rows (contiguous inner loops) into the output
  const block = axis === 0 ? Y * X : X; // length of one contiguous run
  const outer = axis === 0 ? 1 : Z; // independent stacks of n runs
  const src = new Float32Array(n * block);
  for (let o = 0; o < outer; o++) {
    const off = o * n * block;
    src.set(data.subarray(off, off + n * block));
    for (let i = 0; i < n; i++) {
      const dst = off + i * block;
      data.fill(0, dst, dst + block);
      for (let j = 0; j < k.length; j++) {
        const m = Math.min(n - 1, Math.max(0, i + j - r)) * block, w = k[j]!;
        for (let q = 0; q < block; q++) data[dst + q]! += w * src[m + q]!;
      }
    }
  }
}

/** Separable Gaussian blur in place; sigmas in voxels along z, y, x. */
export function gaussianBlur(data: Float32Array, shape: Shape3, sigma: readonly [number, number, number]): Float32Array {
  blurAxis(data, shape, 2, sigma[2]);
  blurAxis(data, shape, 1, sigma[1]);
  blurAxis(data, shape, 0, sigma[0]);
  return data;
}

const smooth = (t: number) => t * t * (3 - 2 * t);

/**
 * Smooth random field in [-1, 1]: random values on a lattice with `cell` voxels between knots
 * (per axis), interpolated with a smoothstep. Sum several with halving cells for fractal noise.
 */
export function valueNoise(shape: Shape3, cell: readonly [number, number, number], rand: Rand): Float32Array {
  const [Z, Y, X] = shape;
  const cz = Math.max(cell[0], 1e-3), cy = Math.max(cell[1], 1e-3), cx = Math.max(cell[2], 1e-3);
  const LZ = Math.floor((Z - 1) / cz) + 2, LY = Math.floor((Y - 1) / cy) + 2, LX = Math.floor((X - 1) / cx) + 2;
  const lat = new Float32Array(LZ * LY * LX);
  for (let i = 0; i < lat.length; i++) lat[i] = 2 * rand() - 1;
  const out = new Float32Array(Z * Y * X);
  // per-axis lookup tables: lattice index and weight
  const tab = (n: number, c: number) => {
    const i0 = new Int32Array(n), w = new Float32Array(n);
    for (let i = 0; i < n; i++) { const f = i / c; i0[i] = Math.floor(f); w[i] = smooth(f - Math.floor(f)); }
    return { i0, w };
  };
  const tz = tab(Z, cz), ty = tab(Y, cy), tx = tab(X, cx);
  let o = 0;
  for (let z = 0; z < Z; z++) {
    const z0 = tz.i0[z]!, wz = tz.w[z]!, z1 = Math.min(z0 + 1, LZ - 1);
    for (let y = 0; y < Y; y++) {
      const y0 = ty.i0[y]!, wy = ty.w[y]!, y1 = Math.min(y0 + 1, LY - 1);
      const r00 = (z0 * LY + y0) * LX, r01 = (z0 * LY + y1) * LX, r10 = (z1 * LY + y0) * LX, r11 = (z1 * LY + y1) * LX;
      for (let x = 0; x < X; x++) {
        const x0 = tx.i0[x]!, wx = tx.w[x]!, x1 = Math.min(x0 + 1, LX - 1);
        const a = lat[r00 + x0]! + wx * (lat[r00 + x1]! - lat[r00 + x0]!);
        const b = lat[r01 + x0]! + wx * (lat[r01 + x1]! - lat[r01 + x0]!);
        const c = lat[r10 + x0]! + wx * (lat[r10 + x1]! - lat[r10 + x0]!);
        const d = lat[r11 + x0]! + wx * (lat[r11 + x1]! - lat[r11 + x0]!);
        const ab = a + wy * (b - a), cd = c + wy * (d - c);
        out[o++] = ab + wz * (cd - ab);
      }
    }
  }
  return out;
}

/** Fractal value noise: `octaves` layers, each with half the cell and `gain` times the amplitude; roughly in [-1, 1]. */
export function fractalNoise(shape: Shape3, cell: readonly [number, number, number], octaves: number, rand: Rand, gain = 0.5): Float32Array {
  const out = new Float32Array(shape[0] * shape[1] * shape[2]);
  let amp = 1, norm = 0;
  for (let o = 0; o < octaves; o++) {
    const s = 2 ** o;
    const f = valueNoise(shape, [cell[0] / s, cell[1] / s, cell[2] / s], rand);
    for (let i = 0; i < out.length; i++) out[i]! += amp * f[i]!;
    norm += amp; amp *= gain;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}

/** The q-quantile (0..1) of a sample of `data` (every `stride`-th value). */
export function quantile(data: ArrayLike<number>, q: number, maxSamples = 65536): number {
  const stride = Math.max(1, Math.floor(data.length / maxSamples));
  const s: number[] = [];
  for (let i = 0; i < data.length; i += stride) s.push(data[i]!);
  s.sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
}
