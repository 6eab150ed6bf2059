// NIfTI-1/2 (.nii, .nii.gz) as a lazy VolumeReader. NIfTI stores x fastest, then y, then z,
// so one z-slab is one contiguous byte range: .nii slabs are read directly, .nii.gz slabs are
// inflated in order by a GzipCursor. Extra dimensions (t, vector components) become channels.
import type { DType, Shape4, TypedArray, Volume } from '../volume.ts';
import { BYTES_PER_VOXEL } from '../volume.ts';
import { LumenError } from '../errors.ts';
import { FileBytes } from './file-bytes.ts';
import { GzipCursor } from './gzip-cursor.ts';
import { HOST_LITTLE_ENDIAN, allocateChecked, bytesOf, formatBytes, swapBytes } from './dtype.ts';
import { niftiAffine, niftiDtype, niftiUnit, parseNiftiHeader, type NiftiHeaderFields } from './nifti-header.ts';
import { checkSpacing } from './spacing.ts';
import { checkSlabRange, slabBuffer, type VolumeInfo, type VolumeReader } from './reader.ts';

/** Most a gzip stream can inflate per compressed byte (deflate's limit is ~1032). */
const MAX_GZIP_RATIO = 1100;

export async function openNifti(path: string): Promise<VolumeReader> {
  const file = new FileBytes(path);
  try {
    return new NiftiReader(file);
  } catch (e) {
    file.close();
    throw e;
  }
}

class NiftiReader implements VolumeReader {
  readonly info: VolumeInfo;
  private readonly gz: GzipCursor | undefined;
  private readonly h: NiftiHeaderFields;
  /** dtype stored in the file (before scl_slope/scl_inter) */
  private readonly fileDtype: DType;
  /** channels packed in each voxel (RGB datatypes) vs stored as extra dimensions */
  private readonly packed: number;
  private readonly planes: number;
  private readonly scale: { slope: number; inter: number } | undefined;

  constructor(private readonly file: FileBytes) {
    const where = file.path;
    if (file.size < 4) throw new LumenError('truncated', `${where} is only ${file.size} bytes, too short to be a NIfTI file`);
    const magic = file.read(0, 2, 'the file header');
    this.gz = magic[0] === 0x1f && magic[1] === 0x8b ? new GzipCursor(file) : undefined;
    const head = this.readBytes(0, 540, true);
    const h = parseNiftiHeader(head, where);
    this.h = h;
    const { dtype, channels: packed } = niftiDtype(h, where);
    this.fileDtype = dtype;
    this.packed = packed;

    const nd = h.dims[0]!;
    if (!(nd >= 1 && nd <= 7)) throw new LumenError('bad-input', `${where} says it has ${nd} dimensions; NIfTI allows 1 to 7`);
    const dim = (i: number) => (i <= nd ? h.dims[i]! : 1);
    for (let i = 1; i <= nd; i++) {
      const d = h.dims[i]!;
      if (!(Number.isSafeInteger(d) && d >= 1)) throw new LumenError('bad-input', `${where} gives dimension ${i} a size of ${d}; sizes must be whole numbers of at least 1`);
    }
    const [nx, ny, nz] = [dim(1), dim(2), dim(3)];
    let planes = 1;
    for (let i = 4; i <= nd; i++) planes *= dim(i);
    this.planes = planes;
    const bpv = BYTES_PER_VOXEL[dtype] * packed;
    const dataBytes = nx * ny * nz * planes * bpv;
    const voxOffset = h.voxOffset;
    const minOffset = h.version === 1 ? 348 : 540;
    if (!(Number.isSafeInteger(voxOffset) && voxOffset >= minOffset)) {
      throw new LumenError('bad-input', `${where} says its voxels start at byte ${voxOffset}, inside the header; the header is damaged`);
    }
    // Check the claimed size against what the file can hold BEFORE any allocation.
    if (!this.gz) {
      if (voxOffset + dataBytes > file.size) {
        const have = Math.max(0, file.size - voxOffset);
        const slice = Math.floor(have / Math.max(1, nx * ny * bpv)) + 1;
        throw new LumenError('truncated', `this NIfTI header promises ${nx}×${ny}×${nz}${planes > 1 ? `×${planes}` : ''} voxels (${formatBytes(dataBytes)}) but ${where} holds only ${formatBytes(have)} of voxel data; it ends at slice ${Math.min(slice, nz)} of ${nz}`);
      }
    } else if (voxOffset + dataBytes > file.size * MAX_GZIP_RATIO) {
      throw new LumenError('too-large', `this NIfTI header promises ${formatBytes(dataBytes)} of voxels but ${where} is only ${formatBytes(file.size)} compressed, more than gzip can shrink; the header is damaged`);
    }

    const { unit, factor } = niftiUnit(h.xyztUnits);
    // Negative pixdims occur in old Analyze-derived files; the sign is orientation, not size.
    const px = Math.abs(h.pixDims[1] ?? NaN), py = nd >= 2 ? Math.abs(h.pixDims[2] ?? NaN) : px;
    const pz = nd >= 3 ? Math.abs(h.pixDims[3] ?? NaN) : px;
    const spacing = checkSpacing([pz * factor, py * factor, px * factor], `the NIfTI header of ${where} (pixdim)`);
    const slope = h.sclSlope, inter = h.sclInter;
    // slope 0 means "not set" in the standard; NaN slopes are treated the same way.
    const scaled = Number.isFinite(slope) && slope !== 0 && (slope !== 1 || (Number.isFinite(inter) && inter !== 0));
    this.scale = scaled ? { slope, inter: Number.isFinite(inter) ? inter : 0 } : undefined;
    const outDtype: DType = scaled && dtype !== 'float64' ? 'float32' : dtype;
    const affine = niftiAffine(h);
    const shape: Shape4 = [nz, ny, nx, planes * packed];
    this.info = {
      shape, dtype: outDtype,
      geometry: { spacing, unit, ...(affine ? { affine } : {}) },
      format: 'nifti',
      source: { format: 'nifti', path: where, header: { ...h, gzip: !!this.gz } as unknown as Record<string, unknown> },
    };
  }

  /** Bytes [offset, offset+length) of the uncompressed stream. */
  private readBytes(offset: number, length: number, allowShort = false, into?: Uint8Array): Uint8Array {
    if (!this.gz) {
      if (allowShort) length = Math.max(0, Math.min(length, this.file.size - offset));
      return this.file.read(offset, length, 'voxel data', into);
    }
    const { bytes, got } = this.gz.read(offset, length, into);
    if (got < length) {
      if (allowShort) return bytes.subarray(0, got);
      const [nz, ny, nx] = this.info.shape;
      const sliceBytes = nx * ny * BYTES_PER_VOXEL[this.fileDtype] * this.packed;
      const slice = Math.floor((offset + got - this.h.voxOffset) / sliceBytes) % nz + 1;
      throw new LumenError('truncated', `this NIfTI ends at slice ${slice} of ${nz}: ${this.file.path} holds less voxel data than its header promises`);
    }
    return bytes;
  }

  async readSlices(z0: number, z1: number, into?: TypedArray): Promise<Volume> {
    checkSlabRange(this.info, z0, z1);
    const [nz, ny, nx, c] = this.info.shape;
    const fileBpv = BYTES_PER_VOXEL[this.fileDtype];
    const planeVoxels = nx * ny * this.packed; // values per slice of one plane
    const slabValues = (z1 - z0) * planeVoxels;
    const what = `slices ${z0}–${z1} of ${this.file.path}`;
    // read straight into the caller's buffer when no reordering or scaling follows
    const direct = this.planes === 1 && !this.scale;
    const raw = direct ? slabBuffer(this.info, slabValues, into, what) : allocateChecked(this.fileDtype, slabValues * this.planes, what);
    for (let t = 0; t < this.planes; t++) {
      const dest = raw.subarray(t * slabValues, (t + 1) * slabValues);
      const offset = this.h.voxOffset + (t * nz + z0) * planeVoxels * fileBpv;
      this.readBytes(offset, dest.byteLength, false, bytesOf(dest));
    }
    if (this.h.littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(bytesOf(raw), fileBpv);
    let data: TypedArray = raw;
    if (this.planes > 1) {
      // file order is plane-major; the c axis is fastest in a Volume
      data = this.scale ? allocateChecked(this.fileDtype, raw.length, 'channel reordering') : slabBuffer(this.info, raw.length, into, what);
      const vox = (z1 - z0) * nx * ny;
      for (let t = 0; t < this.planes; t++) {
        for (let i = 0; i < vox; i++) {
          for (let p = 0; p < this.packed; p++) data[i * c + t * this.packed + p] = raw[t * slabValues + i * this.packed + p]!;
        }
      }
    }
    if (this.scale) {
      const { slope, inter } = this.scale;
      const out = this.info.dtype === 'float64' && !into ? data : slabBuffer(this.info, data.length, into, what);
      for (let i = 0; i < data.length; i++) out[i] = data[i]! * slope + inter;
      data = out;
    }
    return { shape: [z1 - z0, ny, nx, c], dtype: this.info.dtype, data, geometry: this.info.geometry, source: this.info.source };
  }

  async close(): Promise<void> {
    this.file.close();
  }
}
