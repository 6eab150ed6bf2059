// NIfTI-1/2 headers: parsed with nifti-reader-js, then reduced to the plain fields Lumen needs
// to place voxels in the world and to write a label map back that lines up with its source
// in Fiji, napari, ITK-SNAP and 3D Slicer (qform, sform, pixdim, units).
import * as nifti from 'nifti-reader-js';
import type { DType } from '../volume.ts';
import { LumenError } from '../errors.ts';

/** The header fields kept in SourceInfo.header (JSON-safe numbers and strings only). */
export interface NiftiHeaderFields {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7] */
  dims: number[];
  /** pixdim[0..7]; pixdim[0] is qfac */
  pixDims: number[];
  datatypeCode: number;
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  xyztUnits: number;
  dimInfo: number;
  intentCode: number;
  qformCode: number;
  sformCode: number;
  quaternB: number; quaternC: number; quaternD: number;
  qoffsetX: number; qoffsetY: number; qoffsetZ: number;
  /** srow_x, srow_y, srow_z: 12 numbers */
  srow: number[];
  description: string;
  calMin: number;
  calMax: number;
}

export const NIFTI_DTYPES: Record<number, { dtype: DType; channels: number; name: string }> = {
  2: { dtype: 'uint8', channels: 1, name: 'uint8' },
  4: { dtype: 'int16', channels: 1, name: 'int16' },
  8: { dtype: 'int32', channels: 1, name: 'int32' },
  16: { dtype: 'float32', channels: 1, name: 'float32' },
  64: { dtype: 'float64', channels: 1, name: 'float64' },
  128: { dtype: 'uint8', channels: 3, name: 'RGB' },
  256: { dtype: 'int8', channels: 1, name: 'int8' },
  512: { dtype: 'uint16', channels: 1, name: 'uint16' },
  768: { dtype: 'uint32', channels: 1, name: 'uint32' },
  2304: { dtype: 'uint8', channels: 4, name: 'RGBA' },
};
const UNSUPPORTED_NAMES: Record<number, string> = {
  1: 'binary (1-bit)', 32: 'complex', 1024: '64-bit integer', 1280: '64-bit unsigned integer',
  1536: '128-bit float', 1792: 'complex128', 2048: 'complex256',
};

export const NIFTI_CODE_OF: Record<DType, number> = {
  uint8: 2, int16: 4, int32: 8, float32: 16, float64: 64, int8: 256, uint16: 512, uint32: 768,
};

/** Which NIfTI version the first bytes announce, or undefined if they are not a NIfTI header. */
export function niftiVersion(head: Uint8Array): { version: 1 | 2; littleEndian: boolean } | undefined {
  if (head.length < 4) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  for (const le of [true, false]) {
    const n = dv.getInt32(0, le);
    if (n === 348) return { version: 1, littleEndian: le };
    if (n === 540) return { version: 2, littleEndian: le };
  }
  return undefined;
}

export function parseNiftiHeader(head: Uint8Array, where: string): NiftiHeaderFields {
  const v = niftiVersion(head);
  if (!v) throw new LumenError('bad-input', `${where} is not a NIfTI file (its first 4 bytes are not 348 or 540)`);
  const size = v.version === 1 ? 348 : 540;
  if (head.length < size) throw new LumenError('truncated', `${where} ends inside its NIfTI header (${head.length} of ${size} bytes)`);
  // Exactly the fixed header: nifti-reader-js then skips extensions, which we do not need.
  const bytes = head.slice(0, size);
  const magicAt = v.version === 1 ? 344 : 4;
  const magic = String.fromCharCode(...bytes.subarray(magicAt, magicAt + 3));
  if (magic === 'ni1' || magic === 'ni2') throw new LumenError('unsupported', `${where} is the header half of a .hdr/.img pair; Lumen reads single-file .nii or .nii.gz (convert with e.g. fslchfiletype or 3D Slicer)`);
  if (magic !== 'n+1' && magic !== 'n+2') throw new LumenError('bad-input', `${where} has a NIfTI size field but not the NIfTI magic ('n+1'/'n+2'); it may be an old Analyze file`);
  let h: ReturnType<typeof nifti.readHeader>;
  try {
    h = nifti.readHeader(bytes.buffer);
  } catch (e) {
    throw new LumenError('bad-input', `the NIfTI header of ${where} cannot be read (${(e as Error).message})`, { cause: e });
  }
  if (!h) throw new LumenError('bad-input', `the NIfTI header of ${where} cannot be read`);
  const dv = new DataView(bytes.buffer);
  const le = v.littleEndian;
  const srow: number[] = [];
  for (let i = 0; i < 12; i++) {
    srow.push(v.version === 1 ? dv.getFloat32(280 + 4 * i, le) : dv.getFloat64(400 + 8 * i, le));
  }
  const hh = h as unknown as Record<string, unknown>;
  const numOf = (k: string) => Number(hh[k] ?? 0);
  return {
    version: v.version, littleEndian: le,
    dims: [...(h.dims as number[])].map(Number), pixDims: [...(h.pixDims as number[])].map(Number),
    datatypeCode: h.datatypeCode, voxOffset: Number(h.vox_offset),
    sclSlope: h.scl_slope, sclInter: h.scl_inter, xyztUnits: h.xyzt_units,
    dimInfo: v.version === 1 ? dv.getUint8(39) : dv.getUint8(524), intentCode: h.intent_code,
    qformCode: h.qform_code, sformCode: h.sform_code,
    quaternB: h.quatern_b, quaternC: h.quatern_c, quaternD: h.quatern_d,
    qoffsetX: numOf('quatern_x'), qoffsetY: numOf('quatern_y'), qoffsetZ: numOf('quatern_z'),
    srow, description: String(h.description ?? '').replace(/\0.*$/s, ''),
    calMin: h.cal_min, calMax: h.cal_max,
  };
}

export function niftiDtype(h: NiftiHeaderFields, where: string): { dtype: DType; channels: number } {
  const t = NIFTI_DTYPES[h.datatypeCode];
  if (t) return t;
  const name = UNSUPPORTED_NAMES[h.datatypeCode] ?? `type code ${h.datatypeCode}`;
  throw new LumenError('unsupported', `${where} stores ${name} voxels; Lumen reads 8/16/32-bit integer, float and RGB NIfTI`);
}

/** Voxel (i, j, k) → world, row-major 4×4: sform when set, else qform, else pixdim only. */
export function niftiAffine(h: NiftiHeaderFields): number[] | undefined {
  if (h.sformCode > 0 && h.srow.every(Number.isFinite)) return [...h.srow, 0, 0, 0, 1];
  if (h.qformCode > 0) return quaternToAffine(h);
  return undefined;
}

/** The NIfTI-1 standard's quaternion → rotation, scaled by pixdim and flipped by qfac. */
export function quaternToAffine(h: NiftiHeaderFields): number[] {
  const b = h.quaternB, c = h.quaternC, d = h.quaternD;
  const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
  const qfac = h.pixDims[0] === -1 ? -1 : 1;
  const [dx, dy, dz] = [h.pixDims[1] ?? 1, h.pixDims[2] ?? 1, (h.pixDims[3] ?? 1) * qfac];
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  return [
    R[0]![0]! * dx, R[0]![1]! * dy, R[0]![2]! * dz, h.qoffsetX,
    R[1]![0]! * dx, R[1]![1]! * dy, R[1]![2]! * dz, h.qoffsetY,
    R[2]![0]! * dx, R[2]![1]! * dy, R[2]![2]! * dz, h.qoffsetZ,
    0, 0, 0, 1,
  ];
}

/**
 * Affine → quaternion (the inverse of the above, after the NIfTI reference implementation's
 * idea): column lengths are the voxel sizes, the sign of the determinant is qfac.
 */
export function affineToQuatern(m: number[]): { b: number; c: number; d: number; qfac: number; pixdim: [number, number, number]; offset: [number, number, number] } {
  const col = (j: number) => [m[j]!, m[4 + j]!, m[8 + j]!];
  const len = (v: number[]) => Math.hypot(v[0]!, v[1]!, v[2]!) || 1;
  const cols = [col(0), col(1), col(2)];
  const pix = cols.map(len) as [number, number, number];
  const r = cols.map((v, j) => v.map((x) => x / pix[j]!));
  const det = r[0]![0]! * (r[1]![1]! * r[2]![2]! - r[2]![1]! * r[1]![2]!)
    - r[1]![0]! * (r[0]![1]! * r[2]![2]! - r[2]![1]! * r[0]![2]!)
    + r[2]![0]! * (r[0]![1]! * r[1]![2]! - r[1]![1]! * r[0]![2]!);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) r[2] = r[2]!.map((x) => -x);
  // r[j] is column j; R[i][j] = r[j][i]
  const R = (i: number, j: number) => r[j]![i]!;
  let a = 1 + R(0, 0) + R(1, 1) + R(2, 2);
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = 0.25 * (R(2, 1) - R(1, 2)) / a; c = 0.25 * (R(0, 2) - R(2, 0)) / a; d = 0.25 * (R(1, 0) - R(0, 1)) / a;
  } else {
    const xd = 1 + R(0, 0) - (R(1, 1) + R(2, 2)), yd = 1 + R(1, 1) - (R(0, 0) + R(2, 2)), zd = 1 + R(2, 2) - (R(0, 0) + R(1, 1));
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd); c = 0.25 * (R(0, 1) + R(1, 0)) / b; d = 0.25 * (R(0, 2) + R(2, 0)) / b; a = 0.25 * (R(2, 1) - R(1, 2)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd); b = 0.25 * (R(0, 1) + R(1, 0)) / c; d = 0.25 * (R(1, 2) + R(2, 1)) / c; a = 0.25 * (R(0, 2) - R(2, 0)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd); b = 0.25 * (R(0, 2) + R(2, 0)) / d; c = 0.25 * (R(1, 2) + R(2, 1)) / d; a = 0.25 * (R(1, 0) - R(0, 1)) / d;
    }
    if (a < 0) { b = -b; c = -c; d = -d; }
  }
  return { b, c, d, qfac, pixdim: pix, offset: [m[3]!, m[7]!, m[11]!] };
}

/** xyzt_units spatial code → Lumen unit and factor to mm/µm. */
export function niftiUnit(xyzt: number): { unit: 'um' | 'mm' | 'unknown'; factor: number } {
  switch (xyzt & 7) {
    case 1: return { unit: 'mm', factor: 1000 };
    case 2: return { unit: 'mm', factor: 1 };
    case 3: return { unit: 'um', factor: 1 };
    default: return { unit: 'unknown', factor: 1 };
  }
}
