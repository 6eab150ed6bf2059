// Small helpers for moving raw bytes into typed arrays: byte order and dtype lookups
// shared by the TIFF and NIfTI readers and writers.
import type { DType, TypedArray } from '../volume.ts';
import { BYTES_PER_VOXEL, allocate } from '../volume.ts';
import { LumenError } from '../errors.ts';

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of each `size`-byte element in place (for big-endian files). */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!; bytes[a] = bytes[b]!; bytes[b] = t;
    }
  }
}

/** A byte view over a typed array's own memory, for reading files straight into it. */
export function bytesOf(arr: TypedArray): Uint8Array {
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

/** Allocates a typed array, refusing sizes the machine cannot hold with a readable reason. */
export function allocateChecked(dtype: DType, length: number, what: string): TypedArray {
  const bytes = length * BYTES_PER_VOXEL[dtype];
  if (!Number.isSafeInteger(length) || length < 0) throw new LumenError('too-large', `${what} has an impossible size (${length} voxels)`);
  try {
    return allocate(dtype, length);
  } catch (e) {
    throw new LumenError('too-large', `${what} needs ${formatBytes(bytes)} of memory, more than can be allocated; read it in smaller slabs`, { cause: e });
  }
}

export function formatBytes(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toFixed(1)} TB`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} bytes`;
}

/** TIFF BitsPerSample + SampleFormat (1 unsigned, 2 signed, 3 float) → dtype, or undefined. */
export function dtypeFromTiff(bits: number, sampleFormat: number): DType | undefined {
  const key = `${sampleFormat}:${bits}`;
  const map: Record<string, DType> = {
    '1:8': 'uint8', '1:16': 'uint16', '1:32': 'uint32',
    '2:8': 'int8', '2:16': 'int16', '2:32': 'int32',
    '3:32': 'float32', '3:64': 'float64',
  };
  return map[key];
}

export function tiffSampleFormat(dtype: DType): number {
  return dtype.startsWith('float') ? 3 : dtype.startsWith('int') ? 2 : 1;
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}
