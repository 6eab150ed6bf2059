// Lumen's own chunk encoder: raw little-endian bytes, optionally gzip (Zarr v3's core codec) or
// zlib (numcodecs' zlib, read by every Zarr v2 library). Synchronous on purpose: VolumeWriter
// is synchronous, and so is building the pyramid in close().
import { gunzipSync, gzipSync, unzlibSync, zlibSync } from 'fflate';
import type { DType, TypedArray } from '../../volume.ts';
import { BYTES_PER_VOXEL, allocate } from '../../volume.ts';
import { HOST_LITTLE_ENDIAN, bytesOf, swapBytes } from '../dtype.ts';

export type ChunkCompression = 'raw' | 'gzip' | 'zlib';

const LEVEL = 1; // chunks are rewritten often while a pyramid is built; speed over the last few %

export function encodeChunk(values: TypedArray, dtype: DType, compression: ChunkCompression): Uint8Array {
  let bytes = bytesOf(values);
  if (!HOST_LITTLE_ENDIAN) { bytes = bytes.slice(); swapBytes(bytes, BYTES_PER_VOXEL[dtype]); }
  if (compression === 'gzip') return gzipSync(bytes, { level: LEVEL });
  if (compression === 'zlib') return zlibSync(bytes, { level: LEVEL });
  return bytes;
}

/** Inverse of encodeChunk; throws (fflate's error) on damaged data and returns undefined on a wrong length. */
export function decodeChunk(bytes: Uint8Array, dtype: DType, length: number, compression: ChunkCompression): TypedArray | undefined {
  const raw = compression === 'gzip' ? gunzipSync(bytes) : compression === 'zlib' ? unzlibSync(bytes) : bytes;
  if (raw.length !== length * BYTES_PER_VOXEL[dtype]) return undefined;
  const out = allocate(dtype, length);
  const view = bytesOf(out);
  view.set(raw);
  if (!HOST_LITTLE_ENDIAN) swapBytes(view, BYTES_PER_VOXEL[dtype]);
  return out;
}
