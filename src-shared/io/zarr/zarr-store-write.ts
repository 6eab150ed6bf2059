// Creating an OME-Zarr image and filling it chunk by chunk. createOmeZarr writes only metadata
// (the group and every pyramid level's array); openOmeZarrForWrite hands out synchronous chunk
// writes and reads on Lumen's z, y, x, c interleaved buffers. Each file lands by rename.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DType, Geometry, Shape4, TypedArray } from '../../volume.ts';
import { allocate } from '../../volume.ts';
import { LumenError } from '../../errors.ts';
import type { VolumeInfo } from '../reader.ts';
import { checkSpacing } from '../spacing.ts';
import { arrayMetadata, chunkPath, readArrayLayout, type ArrayLayout } from './array-layout.ts';
import { writeFileAtomic, writeJsonAtomic } from './atomic-file.ts';
import { decodeChunk, encodeChunk } from './chunk-codec.ts';
import { axisLayout, geometryFromScale, parseAxes } from './ngff-axes.ts';
import { readNgffGroup } from './ngff-group.ts';
import { multiscalesBlock } from './ngff-write.ts';
import { planLevels } from './pyramid-plan.ts';
import type { Vec3, ZarrLevel } from './zarr-reader.ts';

export interface OmeZarrSpec {
  /** z, y, x, c */
  shape: Shape4;
  dtype: DType;
  geometry: Geometry;
  /** z, y, x; default 64³ clipped to the shape */
  chunks?: Vec3;
  /** 3 (default, NGFF 0.5) or 2 (NGFF 0.4) */
  zarrFormat?: 2 | 3;
  /** pyramid levels including the full resolution; default: until y and x are at most 256 */
  levels?: number;
  /** extra group attributes (kept beside the NGFF metadata) */
  attributes?: Record<string, unknown>;
  /** the multiscales name; default the folder name */
  name?: string;
}

export const DEFAULT_CHUNK = 64;

/** Writes the group and all level arrays' metadata into `dir` (created if missing). */
export function createOmeZarr(dir: string, spec: OmeZarrSpec): void {
  const { shape, dtype, geometry } = spec;
  const zarrFormat = spec.zarrFormat ?? 3;
  if (zarrFormat !== 2 && zarrFormat !== 3) throw new LumenError('bad-input', `the Zarr format must be 2 or 3, not ${String(zarrFormat)}`);
  if (!shape.every((n) => Number.isInteger(n) && n > 0)) throw new LumenError('bad-input', `cannot write an image of shape ${shape.join('×')}`);
  checkSpacing(geometry.spacing, dir);
  const chunks = (spec.chunks ?? [DEFAULT_CHUNK, DEFAULT_CHUNK, DEFAULT_CHUNK]).map((c, i) => Math.min(c, shape[i]!)) as Vec3;
  if (!chunks.every((n) => Number.isInteger(n) && n > 0)) throw new LumenError('bad-input', `chunk sizes must be positive whole numbers, not ${(spec.chunks ?? []).join(',')}`);
  if (spec.levels !== undefined && !(Number.isInteger(spec.levels) && spec.levels >= 1)) throw new LumenError('bad-input', `the number of pyramid levels must be at least 1, not ${spec.levels}`);
  const plan = planLevels(shape, geometry.spacing, spec.levels);
  mkdirSync(dir, { recursive: true });
  plan.forEach((lvl, i) => {
    const layout: ArrayLayout = {
      zarrFormat, dtype, channels: shape[3],
      shape: [lvl.shape[0], lvl.shape[1], lvl.shape[2]],
      chunks: chunks.map((c, k) => Math.min(c, lvl.shape[k]!)) as Vec3,
      compression: zarrFormat === 3 ? 'gzip' : 'zlib',
    };
    const { file, json } = arrayMetadata(layout);
    writeJsonAtomic(path.join(dir, String(i), file), json);
  });
  const ms = multiscalesBlock(geometry, shape[3], plan.map((l) => l.spacing), zarrFormat === 3 ? '0.5' : '0.4', spec.name ?? path.basename(path.resolve(dir)).replace(/(\.ome)?\.zarr$/i, ''));
  writeGroup(dir, zarrFormat, { ...(spec.attributes ?? {}) }, ms);
}

function writeGroup(dir: string, zarrFormat: 2 | 3, user: Record<string, unknown>, multiscales: Record<string, unknown>): void {
  if (zarrFormat === 3) {
    writeJsonAtomic(path.join(dir, 'zarr.json'), { zarr_format: 3, node_type: 'group', attributes: { ...user, ome: { version: '0.5', multiscales: [multiscales] } } });
  } else {
    writeJsonAtomic(path.join(dir, '.zgroup'), { zarr_format: 2 });
    writeJsonAtomic(path.join(dir, '.zattrs'), { ...user, multiscales: [multiscales] });
  }
}

export interface OmeZarrWriteHandle {
  readonly info: VolumeInfo;
  /** chunk shape z, y, x of level 0 */
  readonly chunks: Vec3;
  readonly levels: ZarrLevel[];
  /** `data`: the chunk's part inside the image (clipped at the far edges), z, y, x, c interleaved */
  writeChunk(level: number, chunk: Vec3, data: TypedArray): void;
  hasChunk(level: number, chunk: Vec3): boolean;
  /** the inverse of writeChunk: the chunk's clipped extent, z, y, x, c interleaved */
  readChunk(level: number, chunk: Vec3): TypedArray;
  /** slices z0–z1 of a level, whole planes, z, y, x, c interleaved (into `into` when given) */
  readSlab(level: number, z0: number, z1: number, into?: TypedArray): TypedArray;
  /** one chunk row (z index iz) from whole planes of that row's depth */
  writeChunkRow(level: number, iz: number, slab: TypedArray): void;
  /** the group's attributes other than the NGFF ones */
  readAttributes(): Record<string, unknown>;
  /** merges into the group's attributes; the NGFF keys (ome, multiscales) are Lumen's */
  setAttributes(attributes: Record<string, unknown>): void;
}

const NGFF_KEYS = ['ome', 'multiscales'];

export function openOmeZarrForWrite(dir: string): OmeZarrWriteHandle {
  const group = readNgffGroup(dir);
  const arrays = group.datasets.map((ds) => {
    const meta = JSON.parse(readFileSync(path.join(dir, ds.path, group.zarrFormat === 3 ? 'zarr.json' : '.zarray'), 'utf8')) as { shape: number[] };
    const axes = parseAxes(group.axes, meta.shape.length, dir);
    const lay = axisLayout(axes, meta.shape.length, dir);
    const expected = lay.c === undefined ? lay.ndim === 3 && lay.z === 0 : lay.c === 0 && lay.z === 1;
    if (!expected || lay.t !== undefined) throw new LumenError('unsupported', `${dir}: the axes are not (c,) z, y, x; Lumen writes only into images laid out that way`);
    const layout = readArrayLayout(path.join(dir, ds.path), group.zarrFormat, lay.c !== undefined);
    const geometry = geometryFromScale(axes, lay, ds.scale ?? new Array(lay.ndim).fill(1), dir);
    return { ds, layout, geometry };
  });
  const l0 = arrays[0]!;
  const levels: ZarrLevel[] = arrays.map(({ ds, layout, geometry }) => ({
    path: ds.path, shape: [...layout.shape, layout.channels] as Shape4, spacing: geometry.spacing, chunks: layout.chunks,
  }));
  const info: VolumeInfo = {
    shape: levels[0]!.shape, dtype: l0.layout.dtype, geometry: l0.geometry, format: 'zarr',
    source: { format: 'zarr', path: dir, header: { ngffVersion: group.version, zarrFormat: group.zarrFormat } },
  };

  const lvl = (level: number) => {
    const a = arrays[level];
    if (!a) throw new LumenError('bad-input', `${dir} has pyramid levels 0–${arrays.length - 1}, not ${level}`);
    return a;
  };
  const file = (level: number, idx: Vec3) => path.join(dir, lvl(level).ds.path, chunkPath(lvl(level).layout, idx));
  /** the chunk's box, clipped to the array, after checking the index */
  const extent = (level: number, idx: Vec3): { start: Vec3; size: Vec3 } => {
    const { shape, chunks } = lvl(level).layout;
    const ok = idx.every((v, k) => Number.isInteger(v) && v >= 0 && v * chunks[k]! < shape[k]!);
    if (!ok) throw new LumenError('bad-input', `${dir}: level ${level} has no chunk ${idx.join(',')}`);
    const start = idx.map((v, k) => v * chunks[k]!) as Vec3;
    return { start, size: start.map((s, k) => Math.min(chunks[k]!, shape[k]! - s)) as Vec3 };
  };

  // one scratch buffer per purpose, reused chunk after chunk: a pyramid touches thousands of
  // chunks, and fresh arrays for each would pile up as garbage faster than V8 returns it
  const scratch = new Map<string, TypedArray>();
  const reuse = (purpose: string, length: number): TypedArray => {
    let b = scratch.get(purpose);
    if (!b || b.length < length) { b = allocate(info.dtype, length); scratch.set(purpose, b); }
    return b.subarray(0, length);
  };

  /** A chunk's clipped extent, z, y, x, c interleaved, into `into` when given (reused by readSlab). */
  function readChunkInto(level: number, idx: Vec3, into: TypedArray | undefined): TypedArray {
    const { layout } = lvl(level);
    const { size } = extent(level, idx);
    const f = file(level, idx);
    const C = layout.channels;
    const [cz, cy, cx] = layout.chunks;
    let bytes: Uint8Array;
    try { bytes = readFileSync(f); } catch { throw new LumenError('truncated', `the chunk ${path.relative(dir, f)} of ${dir} is missing`); }
    let full: TypedArray | undefined;
    try { full = decodeChunk(bytes, layout.dtype, C * cz * cy * cx, layout.compression); } catch { full = undefined; }
    if (!full) throw new LumenError('bad-input', `the chunk ${path.relative(dir, f)} of ${dir} is damaged (cannot be decompressed to its size)`);
    const out = into ? into.subarray(0, size[0] * size[1] * size[2] * C) : allocate(layout.dtype, size[0] * size[1] * size[2] * C);
    let i = 0;
    for (let z = 0; z < size[0]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[2]; x++) {
      const base = (z * cy + y) * cx + x;
      for (let c = 0; c < C; c++) out[i++] = full[c * cz * cy * cx + base]!;
    }
    return out;
  }

  const handle: OmeZarrWriteHandle = {
    info,
    chunks: levels[0]!.chunks,
    levels,
    writeChunk(level, idx, data) {
      const { layout } = lvl(level);
      const { size } = extent(level, idx);
      const C = layout.channels;
      const [cz, cy, cx] = layout.chunks;
      if (data.length !== size[0] * size[1] * size[2] * C) throw new LumenError('shape-mismatch', `chunk ${idx.join(',')} of level ${level} is ${size.join('×')}×${C} voxels, ${data.length} were given`);
      // full-size chunk, channel-major (NGFF c, z, y, x), zero beyond the image's edge
      const full = reuse('encode', C * cz * cy * cx).fill(0);
      let i = 0;
      for (let z = 0; z < size[0]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[2]; x++) {
        const base = (z * cy + y) * cx + x;
        for (let c = 0; c < C; c++) full[c * cz * cy * cx + base] = data[i++]!;
      }
      writeFileAtomic(file(level, idx), encodeChunk(full, layout.dtype, layout.compression));
    },
    hasChunk(level, idx) {
      extent(level, idx);
      return existsSync(file(level, idx));
    },
    readChunk(level, idx) {
      return readChunkInto(level, idx, undefined);
    },
    readSlab(level, z0, z1, into) {
      const { layout } = lvl(level);
      const [, h, w] = layout.shape;
      const [cz, cy, cx] = layout.chunks;
      const C = layout.channels;
      const n = (z1 - z0) * h * w * C;
      if (into && into.length < n) throw new LumenError('shape-mismatch', `slices ${z0}–${z1} of level ${level} need ${n} voxels, the buffer holds ${into.length}`);
      const out = into ? into.subarray(0, n) : allocate(layout.dtype, n);
      for (let iz = Math.floor(z0 / cz); iz * cz < z1; iz++) for (let iy = 0; iy * cy < h; iy++) for (let ix = 0; ix * cx < w; ix++) {
        const { start, size } = extent(level, [iz, iy, ix]);
        const chunk = readChunkInto(level, [iz, iy, ix], reuse('read', layout.chunks[0] * layout.chunks[1] * layout.chunks[2] * C));
        const row = size[2] * C;
        for (let z = Math.max(z0, start[0]); z < Math.min(z1, start[0] + size[0]); z++) for (let y = 0; y < size[1]; y++) {
          const from = ((z - start[0]) * size[1] + y) * row;
          out.set(chunk.subarray(from, from + row), (((z - z0) * h + start[1] + y) * w + start[2]) * C);
        }
      }
      return out;
    },
    writeChunkRow(level, iz, slab) {
      const { layout } = lvl(level);
      const [d, h, w] = layout.shape;
      const [cz, cy, cx] = layout.chunks;
      const C = layout.channels;
      const depth = Math.min(cz, d - iz * cz);
      if (slab.length < depth * h * w * C) throw new LumenError('shape-mismatch', `chunk row ${iz} of level ${level} needs ${depth} whole planes`);
      for (let iy = 0; iy * cy < h; iy++) for (let ix = 0; ix * cx < w; ix++) {
        const { start, size } = extent(level, [iz, iy, ix]);
        const part = reuse('row', size[0] * size[1] * size[2] * C);
        const row = size[2] * C;
        for (let z = 0; z < size[0]; z++) for (let y = 0; y < size[1]; y++) {
          const from = ((z * h + start[1] + y) * w + start[2]) * C;
          part.set(slab.subarray(from, from + row), (z * size[1] + y) * row);
        }
        handle.writeChunk(level, [iz, iy, ix], part);
      }
    },
    readAttributes() {
      const attrs = readNgffGroup(dir).attributes;
      return Object.fromEntries(Object.entries(attrs).filter(([k]) => !NGFF_KEYS.includes(k)));
    },
    setAttributes(attributes) {
      const clash = Object.keys(attributes).find((k) => NGFF_KEYS.includes(k));
      if (clash) throw new LumenError('bad-input', `the attribute '${clash}' holds the OME-Zarr metadata and is written by Lumen`);
      const now = readNgffGroup(dir).attributes;
      const merged = { ...now, ...attributes };
      if (group.zarrFormat === 3) {
        const meta = JSON.parse(readFileSync(path.join(dir, 'zarr.json'), 'utf8')) as Record<string, unknown>;
        writeJsonAtomic(path.join(dir, 'zarr.json'), { ...meta, attributes: merged });
      } else {
        writeJsonAtomic(path.join(dir, '.zattrs'), merged);
      }
    },
  };
  return handle;
}
