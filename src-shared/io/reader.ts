// The streaming contract every format reader implements. Headers are read at open time only,
// so `info` is cheap even for a multi-GB stack; voxels arrive slab by slab through readSlices,
// which lets import, inference and the store work with memory bounded by one slab.
import type { DType, Geometry, Shape4, SourceInfo, TypedArray, Volume } from '../volume.ts';
import { LumenError } from '../errors.ts';
import { allocateChecked } from './dtype.ts';

export type VolumeFormat = 'tiff' | 'nifti' | 'png' | 'gif' | 'slices' | 'zarr';

export interface VolumeInfo {
  /** z, y, x, c */
  shape: Shape4;
  dtype: DType;
  geometry: Geometry;
  format: VolumeFormat;
  source: SourceInfo;
}

export interface VolumeReader {
  readonly info: VolumeInfo;
  /**
   * Slices z0 (inclusive) to z1 (exclusive) as a volume of depth z1 - z0, same geometry.
   * `into` (same dtype, at least that many voxels) is filled instead of allocating, so a
   * streaming loop can reuse one buffer and keep memory flat without waiting for GC.
   */
  readSlices(z0: number, z1: number, into?: TypedArray): Promise<Volume>;
  close(): Promise<void>;
}

/** Rejects slab ranges outside the stack before any reader allocates for them. */
export function checkSlabRange(info: VolumeInfo, z0: number, z1: number): void {
  const depth = info.shape[0];
  if (!Number.isInteger(z0) || !Number.isInteger(z1) || z0 < 0 || z1 > depth || z0 >= z1) {
    throw new LumenError('bad-input', `asked for slices ${z0}–${z1} but the stack has slices 0–${depth}`);
  }
}

/** Reads every slice; for files that fit in memory. */
export async function readAll(reader: VolumeReader): Promise<Volume> {
  return reader.readSlices(0, reader.info.shape[0]);
}

/** The output array for a slab: a view of `into` when given (checked), else a new array. */
export function slabBuffer(info: VolumeInfo, length: number, into: TypedArray | undefined, what: string): TypedArray {
  if (!into) return allocateChecked(info.dtype, length, what);
  const ok = ARRAY_NAME[info.dtype] === into.constructor.name && into.length >= length;
  if (!ok) throw new LumenError('shape-mismatch', `the buffer given for ${what} is ${into.constructor.name}[${into.length}] but ${info.dtype}[${length}] is needed`);
  return into.subarray(0, length);
}

const ARRAY_NAME: Record<DType, string> = {
  uint8: 'Uint8Array', int8: 'Int8Array', uint16: 'Uint16Array', int16: 'Int16Array',
  uint32: 'Uint32Array', int32: 'Int32Array', float32: 'Float32Array', float64: 'Float64Array',
};
