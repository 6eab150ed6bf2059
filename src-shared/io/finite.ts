// Float stacks sometimes arrive full of NaN (failed deconvolution, masked exports). A volume
// with no finite value cannot be normalised or segmented, so it is reported as bad input;
// a volume with some NaNs is kept and the count recorded for the caller to decide.
import type { Volume } from '../volume.ts';
import { LumenError } from '../errors.ts';
import { isFloat } from './dtype.ts';

/** Number of NaN/±Infinity voxels (0 for integer volumes). */
export function countNonFinite(vol: Volume): number {
  if (!isFloat(vol.dtype)) return 0;
  let n = 0;
  const d = vol.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) n++;
  return n;
}

export function checkFinite(vol: Volume, where: string): number {
  const bad = countNonFinite(vol);
  if (bad > 0 && bad === vol.data.length) {
    throw new LumenError('bad-input', `${where} contains no usable numbers: all ${bad} voxels are NaN or infinite`);
  }
  return bad;
}
