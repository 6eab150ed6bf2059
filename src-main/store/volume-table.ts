// Image volumes in the project. Embedded volumes are cut into z-slabs of about 4 MiB so a
// viewer or a tiled predictor can read a few slices of a 10 GB stack without loading it
// all; referenced volumes keep only metadata plus the original file's SHA-256, for users
// who do not want their data copied into the project.

import { LumenError } from '../../src-shared/errors.ts';
import type { DType, Geometry, Shape4, SourceInfo, Volume } from '../../src-shared/volume.ts';
import { BYTES_PER_VOXEL, voxelCount } from '../../src-shared/volume.ts';
import { bytesOf, packSlab, typedFromBytes, unpack } from './codec.ts';
import { fingerprintFile } from './file-hash.ts';
import { asBytes, now, parseJson, type Sql } from './sql.ts';

const SLAB_TARGET_BYTES = 4 * 1024 * 1024;

export type VolumeRole = 'image' | 'prediction';
export type VolumeStorage = 'embed' | 'reference';

export interface VolumeReference {
  path: string;
  sha256: string;
  size: number;
}

export interface VolumeInfo {
  id: number;
  name: string;
  role: VolumeRole;
  storage: VolumeStorage;
  shape: Shape4;
  dtype: DType;
  geometry: Geometry;
  source?: SourceInfo;
  reference?: VolumeReference;
  createdAt: string;
}

export interface AddVolumeOptions {
  name: string;
  /** 'embed' (default) copies the voxels into the project; 'reference' stores `path` and its checksum */
  mode?: VolumeStorage;
  /** the original file, required for 'reference' */
  path?: string;
  role?: VolumeRole;
}

interface VolumeRow {
  id: number; name: string; role: VolumeRole; storage: VolumeStorage; shape: string; dtype: DType;
  geometry: string; source: string | null; slab_depth: number;
  ref_path: string | null; ref_sha256: string | null; ref_size: number | null; created_at: string;
}

const DTYPES = new Set(Object.keys(BYTES_PER_VOXEL));

function toInfo(r: VolumeRow): VolumeInfo {
  const info: VolumeInfo = {
    id: r.id, name: r.name, role: r.role, storage: r.storage,
    shape: JSON.parse(r.shape) as Shape4, dtype: r.dtype,
    geometry: JSON.parse(r.geometry) as Geometry, createdAt: r.created_at,
  };
  const source = parseJson<SourceInfo>(r.source);
  if (source) info.source = source;
  if (r.storage === 'reference') info.reference = { path: r.ref_path!, sha256: r.ref_sha256!, size: r.ref_size ?? 0 };
  return info;
}

function sliceBytes(shape: Shape4, dtype: DType): number {
  return shape[1] * shape[2] * shape[3] * BYTES_PER_VOXEL[dtype];
}

function validateHeader(vol: Omit<Volume, 'data'>): void {
  if (!DTYPES.has(vol.dtype)) throw new LumenError('bad-input', `unknown voxel type ${vol.dtype}`);
  if (vol.shape.length !== 4 || vol.shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new LumenError('bad-input', `volume shape ${vol.shape.join('×')} must be four positive integers (z, y, x, c)`);
  }
}

function validate(vol: Volume): void {
  validateHeader(vol);
  if (vol.data.length !== voxelCount(vol.shape)) {
    throw new LumenError('shape-mismatch', `volume data has ${vol.data.length} voxels, shape ${vol.shape.join('×')} needs ${voxelCount(vol.shape)}`);
  }
  if (vol.data.BYTES_PER_ELEMENT !== BYTES_PER_VOXEL[vol.dtype]) {
    throw new LumenError('bad-input', `volume data is not ${vol.dtype}`);
  }
}

/** A volume without its voxels: what a reader knows before it has read the data. */
export type VolumeHeader = Omit<Volume, 'data'>;

/** Insert the volume row; returns its id and the slab depth to write with. */
export function insertVolumeRow(sql: Sql, header: VolumeHeader, opts: AddVolumeOptions): { id: number; slabDepth: number } {
  validateHeader(header);
  const mode = opts.mode ?? 'embed';
  let ref: VolumeReference | undefined;
  if (mode === 'reference') {
    if (!opts.path) throw new LumenError('bad-input', `volume "${opts.name}" is stored by reference but no file path was given`);
    let fp;
    try {
      fp = fingerprintFile(opts.path);
    } catch (e) {
      throw new LumenError('bad-input', `cannot read ${opts.path} to reference it: ${(e as Error).message}`, { cause: e });
    }
    ref = { path: opts.path, sha256: fp.sha256, size: fp.size };
  }
  const slabDepth = Math.max(1, Math.min(header.shape[0], Math.floor(SLAB_TARGET_BYTES / sliceBytes(header.shape, header.dtype))));
  const res = sql.run(
    `INSERT INTO volumes (name, role, storage, shape, dtype, geometry, source, slab_depth, ref_path, ref_sha256, ref_size, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    opts.name, opts.role ?? 'image', mode, JSON.stringify(header.shape), header.dtype, JSON.stringify(header.geometry),
    header.source ? JSON.stringify(header.source) : null, slabDepth, ref?.path ?? null, ref?.sha256 ?? null, ref?.size ?? null, now(),
  );
  return { id: Number(res.lastInsertRowid), slabDepth };
}

/**
 * Takes whole z-slices in order, in pieces of any size, and writes them as slabs of
 * `slabDepth` slices. Holds at most one slab in memory, so a stack larger than RAM can be
 * imported as it is read.
 */
export class SlabSink {
  private readonly bytesPerSlice: number;
  private readonly pending: Uint8Array;
  private pendingSlices = 0;
  private written = 0;

  constructor(private readonly sql: Sql, private readonly volumeId: number, private readonly header: VolumeHeader, private readonly slabDepth: number) {
    this.bytesPerSlice = sliceBytes(header.shape, header.dtype);
    this.pending = new Uint8Array(slabDepth * this.bytesPerSlice);
  }

  /** z-slices received so far */
  get slices(): number { return this.written + this.pendingSlices; }

  push(data: Volume['data']): void {
    if (data.BYTES_PER_ELEMENT !== BYTES_PER_VOXEL[this.header.dtype]) throw new LumenError('bad-input', `slices must be ${this.header.dtype}`);
    const bytes = bytesOf(data);
    if (bytes.length % this.bytesPerSlice !== 0) {
      throw new LumenError('shape-mismatch', `slice data of ${data.length} voxels is not a whole number of ${this.header.shape.slice(1).join('×')} slices`);
    }
    const count = bytes.length / this.bytesPerSlice;
    if (this.slices + count > this.header.shape[0]) {
      throw new LumenError('shape-mismatch', `more than the ${this.header.shape[0]} slices the volume has`);
    }
    let off = 0;
    while (off < bytes.length) {
      const room = (this.slabDepth - this.pendingSlices) * this.bytesPerSlice;
      const take = Math.min(room, bytes.length - off);
      this.pending.set(bytes.subarray(off, off + take), this.pendingSlices * this.bytesPerSlice);
      this.pendingSlices += take / this.bytesPerSlice;
      off += take;
      if (this.pendingSlices === this.slabDepth) this.flush();
    }
  }

  /** Write the last partial slab and check the volume is complete. */
  finish(): void {
    if (this.pendingSlices > 0) this.flush();
    if (this.written !== this.header.shape[0]) {
      throw new LumenError('shape-mismatch', `got ${this.written} of the ${this.header.shape[0]} slices the volume has`);
    }
  }

  private flush(): void {
    const p = packSlab(this.pending.subarray(0, this.pendingSlices * this.bytesPerSlice));
    this.sql.run('INSERT INTO volume_slabs (volume_id, z0, raw_length, crc32, data) VALUES (?, ?, ?, ?, ?)',
      this.volumeId, this.written, p.rawLength, p.crc, p.data);
    this.written += this.pendingSlices;
    this.pendingSlices = 0;
  }
}

/** Insert a whole in-memory volume (call inside a transaction). */
export function insertVolume(sql: Sql, vol: Volume, opts: AddVolumeOptions): number {
  const mode = opts.mode ?? 'embed';
  // a referenced volume needs only its header here; its voxels stay in the original file
  if (mode === 'embed') validate(vol);
  const { id, slabDepth } = insertVolumeRow(sql, vol, opts);
  if (mode === 'embed') {
    const sink = new SlabSink(sql, id, vol, slabDepth);
    const bps = sliceBytes(vol.shape, vol.dtype) / BYTES_PER_VOXEL[vol.dtype];
    // hand over one slab at a time so `pending` copies stay slab-sized
    for (let z0 = 0; z0 < vol.shape[0]; z0 += slabDepth) {
      sink.push(vol.data.subarray(z0 * bps, Math.min(vol.shape[0], z0 + slabDepth) * bps));
    }
    sink.finish();
  }
  return id;
}

export function volumeRow(sql: Sql, id: number): VolumeRow {
  const r = sql.get<VolumeRow>('SELECT * FROM volumes WHERE id = ?', id);
  if (!r) throw new LumenError('bad-input', `the project has no volume ${id}`);
  return r;
}

export function getVolumeInfo(sql: Sql, id: number): VolumeInfo {
  return toInfo(volumeRow(sql, id));
}

export function listVolumeInfos(sql: Sql, role?: VolumeRole): VolumeInfo[] {
  const rows = role
    ? sql.all<VolumeRow>('SELECT * FROM volumes WHERE role = ? ORDER BY id', role)
    : sql.all<VolumeRow>('SELECT * FROM volumes ORDER BY id');
  return rows.map(toInfo);
}

/** Voxels of z-slices [z0, z1) as a Volume of depth z1 - z0, reading only the slabs needed. */
export function readVolumeRange(sql: Sql, id: number, z0?: number, z1?: number): Volume {
  const r = volumeRow(sql, id);
  const info = toInfo(r);
  if (r.storage === 'reference') {
    throw new LumenError('unsupported', `volume "${r.name}" is stored by reference to ${r.ref_path}; read that file with the image readers (checkReference verifies it is unchanged)`);
  }
  const [Z, Y, X, C] = info.shape;
  const lo = z0 ?? 0, hi = z1 ?? Z;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 0 || hi > Z || lo >= hi) {
    throw new RangeError(`slices ${lo}..${hi} are outside volume "${r.name}" (0..${Z})`);
  }
  const bps = sliceBytes(info.shape, info.dtype);
  const out = new Uint8Array((hi - lo) * bps);
  const slabs = sql.all<{ z0: number; raw_length: number; crc32: number; data: Buffer }>(
    'SELECT z0, raw_length, crc32, data FROM volume_slabs WHERE volume_id = ? AND z0 < ? AND z0 + ? > ? ORDER BY z0',
    id, hi, r.slab_depth, lo,
  );
  let covered = 0;
  for (const s of slabs) {
    const raw = unpack(asBytes(s.data), s.raw_length, s.crc32, `slices ${s.z0}.. of volume "${r.name}"`);
    const sz1 = s.z0 + raw.length / bps;
    const a = Math.max(lo, s.z0), b = Math.min(hi, sz1);
    out.set(raw.subarray((a - s.z0) * bps, (b - s.z0) * bps), (a - lo) * bps);
    covered += b - a;
  }
  if (covered !== hi - lo) throw new LumenError('damaged', `volume "${r.name}" is missing slices in the project file`);
  const geometry: Geometry = { ...info.geometry };
  if (info.geometry.affine && lo > 0) {
    // Shift the voxel→world affine so voxel k of the excerpt maps where k + lo did.
    const a = [...info.geometry.affine];
    for (let row = 0; row < 3; row++) a[row * 4 + 3] = a[row * 4 + 3]! + a[row * 4 + 2]! * lo;
    geometry.affine = a;
  }
  const vol: Volume = {
    shape: [hi - lo, Y, X, C], dtype: info.dtype,
    data: typedFromBytes(info.dtype, out, (hi - lo) * Y * X * C), geometry,
  };
  if (info.source) vol.source = info.source;
  return vol;
}

export interface ReferenceCheck {
  ok: boolean;
  path: string;
  /** why not ok: the file is gone, or its bytes changed */
  problem?: 'missing' | 'changed';
}

export function checkVolumeReference(sql: Sql, id: number): ReferenceCheck {
  const r = volumeRow(sql, id);
  if (r.storage !== 'reference') throw new LumenError('bad-input', `volume "${r.name}" is embedded, not a reference`);
  let fp;
  try {
    fp = fingerprintFile(r.ref_path!);
  } catch {
    return { ok: false, path: r.ref_path!, problem: 'missing' };
  }
  return fp.sha256 === r.ref_sha256 ? { ok: true, path: r.ref_path! } : { ok: false, path: r.ref_path!, problem: 'changed' };
}
