// Volumes in and out: the one entry point the app, CLI, inference and store use.
// openVolume streams (headers now, slabs later); readVolume reads everything; writeVolume and
// openVolumeWriter pick the format from the output file's extension.
import type { DType, Geometry, Shape4, SourceInfo, Volume } from '../volume.ts';
import { LumenError } from '../errors.ts';
import { detectFormat, formatFromExtension } from './detect.ts';
import { checkFinite } from './finite.ts';
import { checkFitsInMemory, type MemoryOptions } from './memory-budget.ts';
import { checkOutputFolder } from './output-path.ts';
import { openNifti } from './nifti-reader.ts';
import { NiftiStreamWriter } from './nifti-writer.ts';
import { openSlices } from './slices-reader.ts';
import { openTiff } from './tiff-reader.ts';
import { TiffStreamWriter, type TiffCompression } from './tiff-writer.ts';
import type { VolumeFormat, VolumeInfo, VolumeReader } from './reader.ts';
import { writeWhole, type VolumeWriter } from './writer.ts';
import { openOmeZarr } from './zarr/zarr-reader.ts';
import { OmeZarrWriter } from './zarr/zarr-writer.ts';

export type { VolumeFormat, VolumeInfo, VolumeReader } from './reader.ts';
export { detectFormat, formatFromExtension } from './detect.ts';
export { TiffStreamWriter, writeTiff, type TiffWriteOptions, type TiffCompression } from './tiff-writer.ts';
export { NiftiStreamWriter, writeNifti } from './nifti-writer.ts';
export { openTiff } from './tiff-reader.ts';
export { openNifti } from './nifti-reader.ts';
export { openSlices, listSliceFiles } from './slices-reader.ts';
export { countNonFinite } from './finite.ts';
export { checkFitsInMemory, memoryBudget, type MemoryOptions } from './memory-budget.ts';
export { naturalSort } from './natural-sort.ts';
export { checkOutputFolder } from './output-path.ts';
export { openOmeZarr, OmeZarrWriter, createOmeZarr, openOmeZarrForWrite, buildPyramid, type OmeZarrReader, type ZarrLevel } from './zarr/index.ts';

/** Opens a TIFF, NIfTI, PNG or GIF file, an OME-Zarr folder, a folder of 2D slices, or a list of slice files. */
export async function openVolume(input: string | readonly string[]): Promise<VolumeReader> {
  if (typeof input !== 'string') return openSlices(input);
  const format = detectFormat(input);
  switch (format) {
    case 'tiff': return openTiff(input);
    case 'nifti': return openNifti(input);
    case 'slices': return openSlices(input);
    case 'zarr': return openOmeZarr(input);
    case 'png':
    case 'gif': {
      const r = await openSlices([input]);
      (r.info as { format: VolumeFormat }).format = format;
      return r;
    }
  }
}

/**
 * Reads a whole volume. Float data that is entirely NaN/Infinity is refused; a partial count
 * is recorded in source.header.nonFinite. A volume too large for this machine (with `memory`,
 * for what the caller will build from it) is refused from its header, before any allocation.
 */
export async function readVolume(input: string | readonly string[], memory: MemoryOptions = {}): Promise<Volume> {
  const reader = await openVolume(input);
  try {
    checkFitsInMemory(reader.info, typeof input === 'string' ? input : 'these slices', memory);
    const vol = await reader.readSlices(0, reader.info.shape[0]);
    const bad = checkFinite(vol, typeof input === 'string' ? input : 'these slices');
    if (bad > 0) vol.source = { ...(vol.source ?? { format: 'generated' }), header: { ...(vol.source?.header ?? {}), nonFinite: bad } };
    return vol;
  } finally {
    await reader.close();
  }
}

export interface WriteOptions {
  /**
   * The volume (or reader info) this one was derived from, e.g. the image a label map
   * segments: its geometry and NIfTI header are written so the two stay aligned.
   */
  like?: { shape?: Shape4; geometry: Geometry; source?: SourceInfo };
  /** TIFF only: 'none' (default) or 'deflate' */
  compression?: TiffCompression;
  /** TIFF only: force BigTIFF on or off (default: only when over 4 GB) */
  bigTiff?: boolean;
  /** OME-Zarr only: 3 (NGFF 0.5, default) or 2 (NGFF 0.4) */
  zarrFormat?: 2 | 3;
  /** OME-Zarr only: chunk shape z, y, x (default 64³, clipped to the image) */
  chunks?: [number, number, number];
  /** OME-Zarr only: a label map, so pyramid levels take the most frequent label, not the mean */
  labels?: boolean;
}

/** Formats Lumen can write, by output extension. */
export function writableFormat(path: string): 'tiff' | 'nifti' | 'zarr' {
  const f = formatFromExtension(path);
  if (f === 'tiff' || f === 'nifti' || f === 'zarr') return f;
  throw new LumenError('bad-input', `cannot tell which format to write from the name ${path}; use .tif, .tiff, .nii, .nii.gz or .zarr (.ome.zarr)`);
}

export type { VolumeWriter } from './writer.ts';

/** Checks, before any work, that a volume can be written to `path`: a known extension and a writable folder. */
export function checkVolumeOutput(path: string): void {
  writableFormat(path);
  checkOutputFolder(path);
}

/** A slab-by-slab writer for TIFF, NIfTI or OME-Zarr, chosen by the extension of `path`. */
export function openVolumeWriter(path: string, spec: { shape: Shape4; dtype: DType; geometry: Geometry; source?: SourceInfo }, options: WriteOptions = {}): VolumeWriter {
  const like = options.like;
  if (like?.shape && (like.shape[0] !== spec.shape[0] || like.shape[1] !== spec.shape[1] || like.shape[2] !== spec.shape[2])) {
    throw new LumenError('shape-mismatch', `the volume is ${spec.shape.slice(0, 3).join('×')} but the one it should line up with is ${like.shape.slice(0, 3).join('×')}`);
  }
  const geometry = like ? like.geometry : spec.geometry;
  const source = like ? like.source : spec.source;
  const format = writableFormat(path);
  if (format === 'zarr') return new OmeZarrWriter(path, { shape: spec.shape, dtype: spec.dtype, geometry }, { zarrFormat: options.zarrFormat, chunks: options.chunks, labels: options.labels });
  if (format === 'tiff') {
    const w = new TiffStreamWriter(path, { shape: spec.shape, dtype: spec.dtype, geometry }, { compression: options.compression, bigTiff: options.bigTiff });
    return { writeSlices: (s) => w.writeSlices(s), close: () => w.close(), abort: () => w.abort() };
  }
  return new NiftiStreamWriter(path, { shape: spec.shape, dtype: spec.dtype, geometry, source });
}

export async function writeVolume(path: string, vol: Volume, options: WriteOptions = {}): Promise<void> {
  const w = openVolumeWriter(path, vol, options);
  writeWhole(w, vol);
}

/** Streams `reader` into `path` slab by slab (bounded memory); used by `lumen convert`. */
export async function convertVolume(reader: VolumeReader, path: string, options: WriteOptions & { slabBytes?: number } = {}): Promise<void> {
  const { shape, dtype, geometry, source } = reader.info;
  const [d, h, w, c] = shape;
  const sliceBytes = h * w * c * (dtype === 'float64' ? 8 : 4);
  const multiChannelNifti = writableFormat(path) === 'nifti' && c > 1 && !(c === 3 && dtype === 'uint8');
  const step = multiChannelNifti ? d : Math.max(1, Math.floor((options.slabBytes ?? 64 << 20) / sliceBytes));
  const out = openVolumeWriter(path, { shape, dtype, geometry, source }, options);
  try {
    for (let z = 0; z < d; z += step) out.writeSlices(await reader.readSlices(z, Math.min(d, z + step)));
    out.close();
  } catch (e) {
    out.abort();
    throw e;
  }
}
