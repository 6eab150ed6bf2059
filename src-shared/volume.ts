// The one in-memory image type every room agrees on. Axis order is always z, y, x, c
// (slowest to fastest), matching multi-page TIFF (page = z) and NIfTI read in reverse.

export type DType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export type TypedArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** z, y, x, channels */
export type Shape4 = [number, number, number, number];

export interface Geometry {
  /** voxel size along z, y, x, in `unit`; always > 0 */
  spacing: [number, number, number];
  unit: 'um' | 'mm' | 'unknown';
  /** 4×4 row-major voxel(i=x, j=y, k=z) → world affine, when the source format has one (NIfTI sform/qform) */
  affine?: number[];
}

/** Where a volume came from, so writers can put back what readers found (e.g. the NIfTI header). */
export interface SourceInfo {
  format: 'tiff' | 'nifti' | 'slices' | 'zarr' | 'generated';
  path?: string;
  /** format-specific header fields kept verbatim for faithful export */
  header?: Record<string, unknown>;
}

export interface Volume {
  shape: Shape4;
  dtype: DType;
  /** voxels in z, y, x, c order, length = product of shape */
  data: TypedArray;
  geometry: Geometry;
  source?: SourceInfo;
}

export const BYTES_PER_VOXEL: Record<DType, number> = {
  uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, float64: 8,
};

const ARRAY_OF: Record<DType, new (n: number) => TypedArray> = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
  uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
};

export function allocate(dtype: DType, length: number): TypedArray {
  return new ARRAY_OF[dtype](length);
}

export function voxelCount(shape: Shape4): number {
  return shape[0] * shape[1] * shape[2] * shape[3];
}

export function defaultGeometry(): Geometry {
  return { spacing: [1, 1, 1], unit: 'unknown' };
}

export function makeVolume(shape: Shape4, dtype: DType, data?: TypedArray, geometry?: Geometry): Volume {
  const n = voxelCount(shape);
  const buf = data ?? allocate(dtype, n);
  if (buf.length !== n) throw new Error(`volume data has ${buf.length} voxels, shape ${shape.join('×')} needs ${n}`);
  return { shape, dtype, data: buf, geometry: geometry ?? defaultGeometry() };
}

/** A copy of one channel as float32, the network's input type. */
export function channelAsFloat32(vol: Volume, channel = 0): Float32Array {
  const [z, y, x, c] = vol.shape;
  const out = new Float32Array(z * y * x);
  for (let i = 0, j = channel; i < out.length; i++, j += c) out[i] = vol.data[j]!;
  return out;
}
