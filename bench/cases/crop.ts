// Crops and value conversions that make the small and odd-typed cases out of the real volumes.
import { allocate, type DType, type Geometry, type TypedArray, type Volume } from '../../src-shared/volume.ts';

export type Box = { origin: [number, number, number]; size: [number, number, number] };

/** The voxels of `box` (z, y, x) of a z, y, x, c array. */
export function cropArray<T extends TypedArray>(data: T, shape: readonly number[], box: Box): T {
  const [, H, W] = shape, c = shape[3] ?? 1;
  const [z0, y0, x0] = box.origin, [d, h, w] = box.size;
  const out = new (data.constructor as new (n: number) => T)(d * h * w * c);
  for (let z = 0; z < d; z++) for (let y = 0; y < h; y++) {
    const from = (((z0 + z) * H + y0 + y) * W + x0) * c;
    out.set(data.subarray(from, from + w * c), ((z * h + y) * w) * c);
  }
  return out;
}

/** A cropped volume whose affine (if any) still places it where it was; the source header is dropped (it describes the old grid). */
export function cropVolume(vol: Volume, box: Box): Volume {
  return { shape: [...box.size, vol.shape[3]], dtype: vol.dtype, data: cropArray(vol.data, vol.shape, box), geometry: shiftedGeometry(vol.geometry, box.origin) };
}

function shiftedGeometry(g: Geometry, [z0, y0, x0]: [number, number, number]): Geometry {
  if (!g.affine) return { ...g };
  const a = [...g.affine];
  for (let r = 0; r < 3; r++) a[r * 4 + 3] = g.affine[r * 4 + 3]! + g.affine[r * 4]! * x0 + g.affine[r * 4 + 1]! * y0 + g.affine[r * 4 + 2]! * z0;
  return { ...g, affine: a };
}

/** The same voxels as another type through value ↦ round?(scale·value + offset), as an acquisition in that type would store them. */
export function convertVolume(vol: Volume, dtype: DType, scale: number, offset: number): Volume {
  const data = allocate(dtype, vol.data.length);
  const integer = dtype !== 'float32' && dtype !== 'float64';
  for (let i = 0; i < data.length; i++) { const v = scale * vol.data[i]! + offset; data[i] = integer ? Math.round(v) : v; }
  return { shape: [...vol.shape], dtype, data, geometry: vol.geometry };
}

/**
 * The (y, x) window of size h×w (over all z, on a 16-voxel grid) whose foreground share (truth ≥ 2) is
 * closest to the whole stack's: a crop as typical of the stack as any, neither empty nor all vessel.
 */
export function typicalWindow(truth: Uint8Array, shape: readonly number[], h: number, w: number): [number, number] {
  const [D, H, W] = shape as [number, number, number];
  const column = new Int32Array(H * W);
  let total = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i]! >= 2) { column[i % (H * W)]!++; total++; }
  const target = total / truth.length;
  let best: [number, number] = [0, 0], bestGap = Infinity;
  for (let y0 = 0; y0 + h <= H; y0 += 16) for (let x0 = 0; x0 + w <= W; x0 += 16) {
    let n = 0;
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) n += column[y * W + x]!;
    const gap = Math.abs(n / (D * h * w) - target);
    if (gap < bestGap) { bestGap = gap; best = [y0, x0]; }
  }
  return best;
}

/** A stable seed from a case name, so every case paints its own strokes and reruns paint the same. */
export function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}
