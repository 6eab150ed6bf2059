// Where the sliding window reads from and writes to. Any VolumeReader (TIFF, BigTIFF, NIfTI,
// slice folders) is a SlabSource; so is a volume in memory, or a project-store volume read slab by
// slab. Sinks take finished z-slices in order: a TiffStreamWriter/NiftiStreamWriter via
// openVolumeWriter, a store volume writer, or an array in memory.
import type { DType, Geometry, Shape4, SourceInfo, TypedArray, Volume } from '../volume.ts';
import { makeVolume } from '../volume.ts';

export interface SlabSourceInfo { shape: Shape4; dtype: DType; geometry: Geometry; source?: SourceInfo }

export interface SlabSource {
  readonly info: SlabSourceInfo;
  /** slices [z0, z1) as a volume of depth z1 - z0 */
  readSlices(z0: number, z1: number): Promise<Volume> | Volume;
}

export interface SliceSink {
  /** the next whole z-slices in order (z, y, x, c interleaved, the sink's dtype) */
  writeSlices(slab: Volume): void | Promise<void>;
  /** all slices written: finish the file / commit */
  close(): void | Promise<void>;
  /** give up: remove whatever was written (no partial file is left behind) */
  abort(): void | Promise<void>;
}

/** A volume in memory as a source; it reads boxes too (window-part.ts's RegionSource). */
export function memorySource(vol: Volume): SlabSource & { readRegion(start: readonly number[], end: readonly number[]): Volume } {
  const [, h, w, c] = vol.shape;
  const sliceLen = h * w * c;
  return {
    info: { shape: vol.shape, dtype: vol.dtype, geometry: vol.geometry, source: vol.source },
    readSlices: (z0, z1) => makeVolume([z1 - z0, h, w, c], vol.dtype, vol.data.subarray(z0 * sliceLen, z1 * sliceLen) as TypedArray, vol.geometry),
    readRegion: (start, end) => cropVolume(vol, start, end),
  };
}

/** The box [start, end) (z, y, x) of `vol`, all channels, copied. */
export function cropVolume(vol: Volume, start: readonly number[], end: readonly number[]): Volume {
  const [, h, w, c] = vol.shape;
  const [z0, y0, x0] = start as [number, number, number], [z1, y1, x1] = end as [number, number, number];
  const out = makeVolume([z1 - z0, y1 - y0, x1 - x0, c], vol.dtype, undefined, vol.geometry);
  const row = (x1 - x0) * c;
  let at = 0;
  for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++, at += row) {
    const from = ((z * h + y) * w + x0) * c;
    out.data.set(vol.data.subarray(from, from + row) as never, at);
  }
  return out;
}

/** A sink collecting into one in-memory volume of `shape` and `dtype`. */
export function memorySink(shape: Shape4, dtype: DType, geometry: Geometry): SliceSink & { volume: Volume } {
  const volume = makeVolume(shape, dtype, undefined, geometry);
  let at = 0;
  return {
    volume,
    writeSlices(slab) { volume.data.set(slab.data as never, at); at += slab.data.length; },
    close() {},
    abort() {},
  };
}
