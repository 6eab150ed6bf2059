// Blending weights of the sliding window. Each patch's output is multiplied by a weight that is
// high at its centre and low at its borders (Gaussian, σ = patch/8 per axis as in nnU-Net), summed
// into the output, and divided by the summed weights: where patches overlap, the one that sees a
// voxel from further inside wins, so no seams appear at patch borders.
// The weight of a patch is a product of 1D profiles (one per axis) and the grid is a product of
// per-axis starts, so the summed weight at a voxel is a product of three 1D sums: no weight
// volume is ever stored, which keeps memory independent of the volume's size.
import type { AxisGrid } from './tiles.ts';

export type BlendMode = 'gaussian' | 'constant';

/** 1D profile over one patch axis; `sigmaScale` × patch is the Gaussian's σ. Peak 1. */
export function profile1d(patch: number, mode: BlendMode, sigmaScale = 1 / 8): Float32Array {
  const w = new Float32Array(patch);
  if (mode === 'constant' || patch === 1) return w.fill(1);
  const c = (patch - 1) / 2;
  const sigma = Math.max(1e-6, patch * sigmaScale);
  for (let i = 0; i < patch; i++) w[i] = Math.exp(-0.5 * ((i - c) / sigma) ** 2);
  return w;
}

/**
 * The weight profile of the patch at `start` on this axis: the base profile with `trim` voxels
 * zeroed on each side that lies inside the volume (sides on the volume's border keep theirs).
 */
export function patchProfile(base: Float32Array, axis: AxisGrid, start: number, trim: number): Float32Array {
  if (trim <= 0) return base;
  const w = Float32Array.from(base);
  if (start > 0) w.fill(0, 0, trim);
  if (start + axis.patch < axis.size) w.fill(0, axis.patch - trim);
  return w;
}

/** Sum over the grid's patches of their profiles, at every position 0..size-1 of the axis. */
export function weightSum(base: Float32Array, axis: AxisGrid, trim: number): Float64Array {
  const sum = new Float64Array(axis.size);
  for (const s of axis.starts) {
    const w = patchProfile(base, axis, s, trim);
    const end = Math.min(axis.size, s + axis.patch);
    for (let i = s; i < end; i++) sum[i]! += w[i - s]!;
  }
  return sum;
}
