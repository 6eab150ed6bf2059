// NIfTI-1 writer (.nii, or .nii.gz through fflate's streaming gzip). When the volume (or the
// `like` volume it was segmented from) came from a NIfTI file, its qform, sform, pixdim and
// units are copied so the label map overlays its source exactly in ITK-SNAP, Slicer, Fiji and
// napari. Otherwise the header is built from Geometry (affine → sform + qform, or pixdim only).
import { closeSync, openSync, writeSync, unlinkSync } from 'node:fs';
import { Gzip } from 'fflate';
import type { DType, Geometry, Shape4, SourceInfo, Volume } from '../volume.ts';
import { BYTES_PER_VOXEL } from '../volume.ts';
import { LumenError } from '../errors.ts';
import { HOST_LITTLE_ENDIAN, allocateChecked, bytesOf } from './dtype.ts';
import { NIFTI_CODE_OF, affineToQuatern, type NiftiHeaderFields } from './nifti-header.ts';
import { checkSpacing } from './spacing.ts';
import { writeWhole } from './writer.ts';

export interface NiftiWriteSpec {
  shape: Shape4;
  dtype: DType;
  geometry: Geometry;
  /** where the geometry came from; a NIfTI header here is copied for alignment */
  source?: SourceInfo;
}

const VOX_OFFSET = 352;

/** Builds the 348-byte NIfTI-1 header plus the 4-byte (empty) extension flag. */
export function buildNiftiHeader(spec: NiftiWriteSpec): Uint8Array {
  const [nz, ny, nx, c] = spec.shape;
  const { dtype, geometry } = spec;
  const rgb = c === 3 && dtype === 'uint8';
  const buf = new Uint8Array(VOX_OFFSET);
  const dv = new DataView(buf.buffer);
  const le = true;
  dv.setInt32(0, 348, le);
  const nd = c > 1 && !rgb ? 4 : 3;
  const dims = [nd, nx, ny, nz, nd === 4 ? c : 1, 1, 1, 1];
  dims.forEach((d, i) => dv.setInt16(40 + 2 * i, d, le));
  if (dims.some((d) => d > 32767)) throw new LumenError('too-large', `NIfTI-1 sizes are limited to 32767 per axis; this volume is ${nx}×${ny}×${nz}`);
  dv.setInt16(70, rgb ? 128 : NIFTI_CODE_OF[dtype], le);
  dv.setInt16(72, BYTES_PER_VOXEL[dtype] * 8 * (rgb ? 3 : 1), le);

  const src = spec.source?.format === 'nifti' ? (spec.source.header as unknown as NiftiHeaderFields | undefined) : undefined;
  const [sz, sy, sx] = geometry.spacing;
  const unitCode = geometry.unit === 'mm' ? 2 : geometry.unit === 'um' ? 3 : 0;
  // pixdim[0] is qfac (±1); pixdim[4] (time step) is kept from the source if any
  const pixdim = [1, sx, sy, sz, src?.pixDims[4] ?? 0, 0, 0, 0];
  let qform = 0, sform = 0;
  let quat = { b: 0, c: 0, d: 0 }, qoff = [0, 0, 0];
  let srow: number[] = [sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, sz, 0];
  // Copy the source header's orientation only if it still describes this grid: same x, y, z
  // sizes and voxel sizes. A resampled or cropped volume gets a header built from its Geometry.
  const factor = ({ 1: 1000, 3: 1 } as Record<number, number>)[(src?.xyztUnits ?? 0) & 7] ?? 1;
  const sameGrid = !!src && typeof src.qformCode === 'number' && Array.isArray(src.dims) && Array.isArray(src.pixDims)
    && src.dims[1] === nx && (src.dims[2] ?? 1) === ny && (src.dims[3] ?? 1) === nz
    && [sx, sy, sz].every((v, i) => Math.abs(v - Math.abs(src.pixDims[i + 1]! * factor)) <= 1e-6 * Math.max(1, v));
  if (src && sameGrid) {
    qform = src.qformCode; sform = src.sformCode;
    quat = { b: src.quaternB, c: src.quaternC, d: src.quaternD };
    qoff = [src.qoffsetX, src.qoffsetY, src.qoffsetZ];
    pixdim[0] = src.pixDims[0] === -1 ? -1 : 1;
    srow = [...src.srow];
    dv.setUint8(39, src.dimInfo & 0xff);
  } else if (geometry.affine && geometry.affine.length === 16 && geometry.affine.every(Number.isFinite)) {
    const q = affineToQuatern(geometry.affine);
    qform = 1; sform = 1;
    quat = { b: q.b, c: q.c, d: q.d };
    qoff = q.offset;
    pixdim[0] = q.qfac;
    srow = geometry.affine.slice(0, 12);
  }
  pixdim.forEach((p, i) => dv.setFloat32(76 + 4 * i, p, le));
  dv.setFloat32(108, VOX_OFFSET, le);
  dv.setFloat32(112, 1, le); // scl_slope: voxels are written as they are
  dv.setFloat32(116, 0, le);
  dv.setUint8(123, (unitCode & 7) | ((src?.xyztUnits ?? 0) & 0x38));
  const descrip = new TextEncoder().encode('Lumen'.slice(0, 79));
  buf.set(descrip, 148);
  dv.setInt16(252, qform, le);
  dv.setInt16(254, sform, le);
  [quat.b, quat.c, quat.d, qoff[0]!, qoff[1]!, qoff[2]!].forEach((v, i) => dv.setFloat32(256 + 4 * i, v, le));
  srow.forEach((v, i) => dv.setFloat32(280 + 4 * i, v, le));
  buf.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0": header and data in one file
  return buf;
}

/**
 * Writes a NIfTI-1 slab by slab. With one channel (or RGB uint8) z-slabs are contiguous in the
 * file, so memory stays bounded; other multi-channel volumes must be written in one call
 * because NIfTI stores each channel as a whole separate volume.
 */
export class NiftiStreamWriter {
  private fd: number | undefined;
  private gzip: Gzip | undefined;
  private pos = 0;
  private slices = 0;
  private error: unknown;

  constructor(readonly path: string, readonly spec: NiftiWriteSpec, options: { gzip?: boolean; level?: number } = {}) {
    if (!HOST_LITTLE_ENDIAN) throw new LumenError('unsupported', 'NIfTI writing needs a little-endian machine');
    checkSpacing(spec.geometry.spacing, 'the volume to write');
    const header = buildNiftiHeader(spec);
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new LumenError('bad-input', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
    }
    const gz = options.gzip ?? /\.gz$/i.test(path);
    if (gz) {
      this.gzip = new Gzip({ level: (options.level ?? 6) as 6 }, (chunk) => {
        try { this.rawWrite(chunk); } catch (e) { this.error = e; }
      });
    }
    this.put(header);
  }

  private rawWrite(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd!, bytes, done, bytes.length - done, this.pos + done);
    this.pos += bytes.length;
  }

  private put(bytes: Uint8Array, final = false): void {
    if (this.fd === undefined) throw new LumenError('bad-input', `${this.path} is already closed`);
    if (this.gzip) {
      // fflate may keep a reference to the chunk; pass a copy when it is a view of caller memory
      this.gzip.push(bytes.slice(), final);
      if (this.error) throw this.error;
    } else this.rawWrite(bytes);
  }

  writeSlices(slab: Volume): void {
    const [nz, ny, nx, c] = this.spec.shape;
    const rgb = c === 3 && this.spec.dtype === 'uint8';
    if (slab.dtype !== this.spec.dtype || slab.shape[1] !== ny || slab.shape[2] !== nx || slab.shape[3] !== c) {
      throw new LumenError('shape-mismatch', `slab ${slab.shape.join('×')} ${slab.dtype} does not fit a NIfTI of ${this.spec.shape.join('×')} ${this.spec.dtype}`);
    }
    if (this.slices + slab.shape[0] > nz) throw new LumenError('shape-mismatch', `writing ${this.slices + slab.shape[0]} slices into a NIfTI declared with ${nz}`);
    if (c === 1 || rgb) {
      for (let off = 0; off < slab.data.length; off += 1 << 24) this.put(bytesOf(slab.data.subarray(off, off + (1 << 24))));
    } else {
      if (this.slices !== 0 || slab.shape[0] !== nz) throw new LumenError('unsupported', 'multi-channel NIfTI must be written in one piece');
      // Volume is channel-fastest; NIfTI wants each channel as a whole volume.
      const vox = nz * ny * nx;
      const plane = allocateChecked(this.spec.dtype, vox, 'one channel');
      for (let ch = 0; ch < c; ch++) {
        for (let i = 0; i < vox; i++) plane[i] = slab.data[i * c + ch]!;
        this.put(bytesOf(plane));
      }
    }
    this.slices += slab.shape[0];
  }

  close(): void {
    if (this.fd === undefined) return;
    if (this.gzip) this.put(new Uint8Array(0), true);
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
    if (this.slices !== this.spec.shape[0]) throw new LumenError('shape-mismatch', `${this.path} was closed after ${this.slices} of ${this.spec.shape[0]} slices`);
  }

  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    try { unlinkSync(this.path); } catch { /* already gone */ }
  }
}

export function writeNifti(path: string, vol: Volume, options: { like?: { geometry: Geometry; source?: SourceInfo }; gzip?: boolean } = {}): void {
  const like = options.like;
  const spec: NiftiWriteSpec = {
    shape: vol.shape, dtype: vol.dtype,
    geometry: like ? { ...like.geometry } : vol.geometry,
    source: like?.source ?? vol.source,
  };
  const w = new NiftiStreamWriter(path, spec, { gzip: options.gzip });
  writeWhole(w, vol);
}
