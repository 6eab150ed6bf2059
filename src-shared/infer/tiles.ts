// The patch grid of a sliding window. Per axis, patch starts are spread evenly from 0 to
// (size - patch) so the first and last patch sit exactly on the volume's borders and every
// neighbouring pair overlaps by at least `overlap` of a patch. The grid is the Cartesian product of
// the per-axis starts, which is what lets blend-weights.ts normalise with three 1D sums.
// An axis shorter than the patch gets one start at 0: the patch hangs over the end, and the input
// there is padded (with 0, the mean after z-scoring) and the output cropped.
import { LumenError } from '../errors.ts';

export interface AxisGrid {
  /** volume extent along this axis */
  size: number;
  /** patch extent along this axis */
  patch: number;
  starts: number[];
}

/**
 * Starts along one axis. `overlap` is the fraction of a patch shared with its neighbour (0 ≤ o < 1);
 * `trim` voxels at each patch side inside the volume are discarded (weight 0), so neighbours must
 * overlap by at least 2·trim for every voxel to stay covered.
 */
export function axisStarts(size: number, patch: number, overlap: number, trim = 0): number[] {
  if (!(Number.isInteger(size) && size >= 1 && Number.isInteger(patch) && patch >= 1)) {
    throw new LumenError('bad-input', `cannot tile an axis of ${size} voxels with patches of ${patch}`);
  }
  if (!(overlap >= 0 && overlap < 1)) throw new LumenError('bad-input', `overlap must be in [0, 1), not ${overlap}`);
  if (size <= patch) return [0];
  let step = Math.max(1, Math.floor(patch * (1 - overlap)));
  if (trim > 0) {
    if (2 * trim >= patch) throw new LumenError('bad-input', `a trim of ${trim} leaves nothing of a ${patch}-voxel patch`);
    step = Math.min(step, patch - 2 * trim);
  }
  const n = Math.ceil((size - patch) / step) + 1;
  const starts: number[] = [];
  for (let i = 0; i < n; i++) starts.push(Math.round((i * (size - patch)) / (n - 1)));
  return starts;
}

export interface PatchGrid {
  axes: AxisGrid[];
  /** number of patches (product of the per-axis counts) */
  count: number;
}

/** The grid over spatial `shape` (z, y, x), with `overlap` and `trim` per axis or for all. */
export function patchGrid(shape: readonly number[], patch: readonly number[], overlap: number | readonly number[], trim: number | readonly number[] = 0): PatchGrid {
  if (patch.length !== shape.length) throw new LumenError('bad-input', `a ${patch.length}-axis patch for a ${shape.length}-axis volume`);
  const pick = (v: number | readonly number[], i: number) => (typeof v === 'number' ? v : v[i]!);
  const axes = shape.map((size, i) => ({ size, patch: patch[i]!, starts: axisStarts(size, patch[i]!, pick(overlap, i), pick(trim, i)) }));
  return { axes, count: axes.reduce((n, a) => n * a.starts.length, 1) };
}

/**
 * A patch size for `model` near `wanted`: each axis rounded up to the network's size multiple.
 * Axes longer than the volume are shrunk to the smallest multiple covering it (a stack with 12
 * z-slices gets a 16-deep patch, not 128): anisotropic patches for thin stacks.
 */
export function fitPatch(wanted: readonly number[], multiple: readonly number[], shape: readonly number[]): number[] {
  return wanted.map((w, i) => {
    const m = multiple[i] ?? 1;
    if (!(Number.isInteger(w) && w >= 1)) throw new LumenError('bad-input', `patch sizes must be positive integers, not ${wanted.join(',')}`);
    const cover = Math.ceil(shape[i]! / m) * m;
    return Math.min(Math.ceil(w / m) * m, cover);
  });
}
