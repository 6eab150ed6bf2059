// Voxel and label bytes go into the database as raw DEFLATE with their raw length and
// CRC-32 beside them. Compression uses Node's native zlib (10-30× faster than fflate in
// JS, which matters: every label edit recompresses the chunks it touched), but the format
// is plain raw DEFLATE, so fflate's inflateSync reads it too (the renderer could decode
// blobs itself; a test checks this). SQLite checks its own page structure but not what is
// inside a blob; the CRC is how a flipped bit in a stored slab becomes a clear "damaged"
// error instead of silently wrong voxels.

import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { LumenError } from '../../src-shared/errors.ts';
import { allocate, type DType, type TypedArray } from '../../src-shared/volume.ts';

export interface PackedBlob {
  data: Uint8Array;
  rawLength: number;
  crc: number;
}

/** Level 6 for labels (long runs, small chunks); image slabs go through packSlab. */
export function pack(raw: Uint8Array, level: 0 | 1 | 6 = 6): PackedBlob {
  return { data: deflateRawSync(raw, { level }), rawLength: raw.length, crc: crc32(raw) };
}

const SAMPLE_BYTES = 256 * 1024;

/**
 * Image slabs: deflate level 1, unless a 256 KiB sample shows the data is close to
 * incompressible (noisy float probabilities, camera noise in 16-bit stacks), in which case
 * level 0 stores it in ~20× less time for the same size.
 */
export function packSlab(raw: Uint8Array): PackedBlob {
  if (raw.length > 2 * SAMPLE_BYTES) {
    const sample = raw.subarray(0, SAMPLE_BYTES);
    if (deflateRawSync(sample, { level: 1 }).length > 0.92 * SAMPLE_BYTES) return pack(raw, 0);
  }
  return pack(raw, 1);
}

export function unpack(blob: Uint8Array, rawLength: number, crc: number, what: string): Uint8Array {
  let raw: Uint8Array;
  try {
    // maxOutputLength: a damaged blob must not be able to inflate into gigabytes
    raw = inflateRawSync(blob, { maxOutputLength: Math.max(1, rawLength) });
  } catch (e) {
    throw new LumenError('damaged', `${what} is damaged in the project file (it does not decompress)`, { cause: e });
  }
  if (raw.length !== rawLength || crc32(raw) !== crc) {
    throw new LumenError('damaged', `${what} is damaged in the project file (checksum mismatch)`);
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** The bytes of a typed array without copying (little-endian, as every supported platform is). */
export function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A typed array of `dtype` over a copy of `bytes` (copied so it is aligned and owned). */
export function typedFromBytes(dtype: DType, bytes: Uint8Array, length: number): TypedArray {
  const out = allocate(dtype, length);
  bytesOf(out).set(bytes.subarray(0, out.byteLength));
  return out;
}

/** CRC-32 of stored bytes, so damage inside a blob is reported instead of used. */
export function checksum(bytes: Uint8Array): number {
  return crc32(bytes);
}

export function verifyChecksum(bytes: Uint8Array, crc: number, what: string): Uint8Array {
  if (crc32(bytes) !== crc) throw new LumenError('damaged', `${what} is damaged in the project file (checksum mismatch)`);
  return bytes;
}
