// Reading a whole volume allocates it at once, and whatever works on it (z-scored float copies,
// training targets, probabilities) allocates several times more. A volume too large for this
// machine is refused from its header, before anything is allocated, with a line saying what it
// would need: an allocation failing half way, or the OS killing the process, tells a user nothing.
import { totalmem } from 'node:os';
import { LumenError } from '../errors.ts';
import { BYTES_PER_VOXEL, type Shape4, type DType } from '../volume.ts';
import { formatBytes } from './dtype.ts';

/** The longest typed array V8 allocates, in elements. */
export const MAX_ARRAY_ELEMENTS = 2 ** 32;

/** Memory a single job may plan to use: three quarters of this machine's. */
export function memoryBudget(): number {
  return Math.floor(totalmem() * 0.75);
}

export interface MemoryOptions {
  /** bytes per z·y·x voxel the caller will hold in total, or a function of the channel count
   * (default: the volume's own) */
  workingBytesPerVoxel?: number | ((channels: number) => number);
  /** bytes available (default memoryBudget()) */
  budget?: number;
}

/** Throws 'too-large' unless a volume of `shape` and `dtype` can be held (and worked on) in memory. */
export function checkFitsInMemory(info: { shape: Shape4; dtype: DType }, what: string, o: MemoryOptions = {}): void {
  const [d, h, w, c] = info.shape;
  const voxels = d * h * w;
  const size = `${d}×${h}×${w}${c > 1 ? `×${c}` : ''}`;
  if (!Number.isSafeInteger(voxels * c) || voxels * c > MAX_ARRAY_ELEMENTS) {
    throw new LumenError('too-large', `${what} is ${size} voxels, more than one array can hold (${MAX_ARRAY_ELEMENTS}); crop it or split it into parts`);
  }
  const perVoxel = typeof o.workingBytesPerVoxel === 'function' ? o.workingBytesPerVoxel(c) : o.workingBytesPerVoxel;
  const need = voxels * (perVoxel ?? BYTES_PER_VOXEL[info.dtype] * c);
  const budget = o.budget ?? memoryBudget();
  if (need > budget) {
    throw new LumenError('too-large', `${what} is ${size} voxels and needs about ${formatBytes(need)} of memory here, more than the ${formatBytes(budget)} this machine can spare; crop it or use a machine with more memory`);
  }
}
