// An OME-Zarr pyramid too large to hold whole is shown at a coarser level: the finest one whose
// voxels, at the caller's working bytes per voxel, fit in its memory budget. (Block-wise
// prediction segments the full resolution without holding it; see docs/cluster.md.)
import { LumenError } from '../../errors.ts';
import type { Shape4 } from '../../volume.ts';
import { formatBytes } from '../dtype.ts';

export function finestLevelThatFits(levels: readonly { shape: Shape4 }[], bytesPerVoxel: (channels: number) => number, budget: number, what: string): number {
  const need = (s: Shape4) => s[0] * s[1] * s[2] * bytesPerVoxel(s[3]);
  const i = levels.findIndex((l) => need(l.shape) <= budget);
  if (i >= 0) return i;
  const last = levels[levels.length - 1]!.shape;
  throw new LumenError('too-large', `${what} is too large to open here even at its coarsest pyramid level (${last.slice(0, 3).join('×')}, about ${formatBytes(need(last))} with the work done on it, more than the ${formatBytes(budget)} this machine can spare); segment it with lumen predict --blocks or lumen cluster submit`);
}
