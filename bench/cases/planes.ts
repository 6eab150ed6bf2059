// Whole labeled planes along any axis of a z, y, x volume: the "paint a few slices" layouts.
import type { Axis } from './types.ts';

type Shape3 = readonly [number, number, number];

/** Calls fn(voxelIndex, u, v) for every voxel of plane `index` along `axis`; (u, v) are the plane's own 2D coordinates. */
export function forEachInPlane(shape: Shape3, axis: Axis, index: number, fn: (i: number, u: number, v: number) => void): void {
  const [D, H, W] = shape;
  if (axis === 0) { for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) fn((index * H + y) * W + x, y, x); }
  else if (axis === 1) { for (let z = 0; z < D; z++) for (let x = 0; x < W; x++) fn((z * H + index) * W + x, z, x); }
  else { for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) fn((z * H + y) * W + index, z, y); }
}

/** The 2D size (rows, columns) of a plane along `axis`, in forEachInPlane's (u, v) order. */
export function planeSize(shape: Shape3, axis: Axis): [number, number] {
  const [D, H, W] = shape;
  return axis === 0 ? [H, W] : axis === 1 ? [D, W] : [D, H];
}

/** Copies the truth's class values on the given planes into `sparse`. */
export function labelPlanes(truth: Uint8Array, sparse: Uint8Array, shape: Shape3, axis: Axis, indices: readonly number[]): void {
  for (const index of indices) forEachInPlane(shape, axis, index, (i) => { sparse[i] = truth[i]!; });
}

/**
 * Plane positions at the given quantiles of the foreground voxels' coordinate along `axis`: where
 * someone painting "a few slices through the structure" would put them, whatever its extent.
 */
export function foregroundQuantiles(truth: Uint8Array, shape: Shape3, axis: Axis, quantiles: readonly number[]): number[] {
  const n = shape[axis], counts = new Float64Array(n);
  const [, H, W] = shape;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i]! < 2) continue;
    const coord = axis === 0 ? Math.floor(i / (H * W)) : axis === 1 ? Math.floor(i / W) % H : i % W;
    counts[coord]!++;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  return quantiles.map((q) => {
    let acc = 0;
    for (let k = 0; k < n; k++) { acc += counts[k]!; if (acc >= q * total) return k; }
    return n - 1;
  });
}

/** The classes (≥ 2) that appear nowhere in `sparse`, though they are in the truth. */
export function unlabeledClasses(truth: Uint8Array, sparse: Uint8Array): number[] {
  const inTruth = new Set<number>(), painted = new Set<number>();
  for (let i = 0; i < truth.length; i++) { inTruth.add(truth[i]!); if (sparse[i]) painted.add(sparse[i]!); }
  return [...inTruth].filter((c) => c >= 2 && !painted.has(c)).sort((a, b) => a - b);
}
