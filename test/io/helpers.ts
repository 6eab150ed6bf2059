// Shared test helpers: paths to the real data, temporary folders, a seeded RNG, and minimal
// encoders for the TIFF and NIfTI variants Lumen reads but does not write (big-endian,
// BigTIFF, PackBits, tiles, planar, NIfTI-2), so every reader branch is exercised on bytes
// produced independently of the reader under test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DType, TypedArray, Volume } from '../../src-shared/volume.ts';
import { BYTES_PER_VOXEL } from '../../src-shared/volume.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DATA = path.resolve(REPO, '../shared/data');

export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lumen-io-test-'));
  return { dir, file: (name) => path.join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** mulberry32 (seeded, so failures reproduce): the project's one generator. */
import { seededRandom as rng } from '../../src-shared/random.ts';
export { rng };

const ARR: Record<DType, new (n: number) => TypedArray> = {
  uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
  uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
};

/** A volume with a deterministic pattern spanning the dtype's range (incl. negatives, fractions). */
export function patternVolume(shape: [number, number, number, number], dtype: DType, seed = 1): Volume {
  const n = shape[0] * shape[1] * shape[2] * shape[3];
  const data = new ARR[dtype](n);
  const r = rng(seed);
  const range: Record<DType, [number, number]> = {
    uint8: [0, 255], int8: [-128, 127], uint16: [0, 65535], int16: [-32768, 32767],
    uint32: [0, 4294967295], int32: [-2147483648, 2147483647], float32: [-1e6, 1e6], float64: [-1e12, 1e12],
  };
  const [lo, hi] = range[dtype];
  for (let i = 0; i < n; i++) {
    const v = lo + r() * (hi - lo);
    data[i] = dtype.startsWith('float') ? v : Math.round(v);
  }
  if (n > 2) { data[0] = lo; data[1] = hi; }
  return { shape, dtype, data, geometry: { spacing: [2.5, 0.3, 0.3], unit: 'um' } };
}

export function sameVoxels(a: Volume, b: Volume): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join() || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i]!, y = b.data[i]!;
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

// ---------------------------------------------------------------- minimal TIFF encoder

export interface TestTiffOptions {
  width: number;
  height: number;
  samples?: number;
  dtype: DType;
  /** one array per page, samples interleaved (chunky), host order */
  pages: TypedArray[];
  bigEndian?: boolean;
  bigTiff?: boolean;
  compression?: 'none' | 'packbits' | 'deflate' | 'lzw';
  deflate?: (b: Uint8Array) => Uint8Array;
  planar?: boolean;
  tile?: number;
  rowsPerStrip?: number;
  description?: string;
  /** extra [tag, type, values] entries for the first page */
  extraTags?: Array<[number, number, number[]]>;
  /** prepend a reduced-resolution page (NewSubfileType=1) that readers must skip */
  thumbnail?: boolean;
  photometric?: number;
  /** 2 = horizontal differencing (integers) applied before compression */
  predictor?: number;
}

export function packBits(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < src.length) {
    let run = 1;
    while (i + run < src.length && run < 128 && src[i + run] === src[i]) run++;
    if (run >= 3) {
      out.push((257 - run) & 0xff, src[i]!);
      i += run;
      continue;
    }
    const start = i;
    let lit = 0;
    while (i < src.length && lit < 128) {
      if (i + 2 < src.length && src[i] === src[i + 1] && src[i] === src[i + 2]) break;
      i++; lit++;
    }
    out.push(lit - 1, ...src.subarray(start, start + lit));
  }
  return Uint8Array.from(out);
}

export function encodeTestTiff(o: TestTiffOptions): Uint8Array {
  const le = !o.bigEndian;
  const big = !!o.bigTiff;
  const spp = o.samples ?? 1;
  const bps = BYTES_PER_VOXEL[o.dtype];
  const sf = o.dtype.startsWith('float') ? 3 : o.dtype.startsWith('int') ? 2 : 1;
  const chunks: Uint8Array[] = [];
  let pos = big ? 16 : 8;
  const push = (b: Uint8Array) => { const at = pos; chunks.push(b); pos += b.length; if (pos % 2) { chunks.push(new Uint8Array(1)); pos++; } return at; };
  const toFileOrder = (b: Uint8Array) => {
    const c = b.slice();
    if (!le && bps > 1) for (let i = 0; i < c.length; i += bps) c.subarray(i, i + bps).reverse();
    return c;
  };
  const compress = (b: Uint8Array) => (o.compression === 'packbits' ? packBits(b) : o.compression === 'deflate' ? o.deflate!(b) : o.compression === 'lzw' ? lzwEncode(b) : b);
  const ifdOffsets: number[] = [];
  const ifdPatch: Array<{ at: number }> = [];
  const writeValue = (type: number, values: number[]): Uint8Array => {
    const size = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 16: 8 }[type as 1 | 3 | 4 | 5 | 16]!;
    const b = new Uint8Array(values.length * (type === 5 ? 4 : size) * (type === 5 ? 1 : 1));
    const dv = new DataView(b.buffer);
    values.forEach((v, i) => {
      if (type === 1 || type === 2) dv.setUint8(i, v);
      else if (type === 3) dv.setUint16(i * 2, v, le);
      else if (type === 4 || type === 5) dv.setUint32(i * 4, v, le);
      else dv.setBigUint64(i * 8, BigInt(v), le);
    });
    return b;
  };
  const pageList: Array<{ data: TypedArray; w: number; h: number; thumb: boolean }> = [];
  if (o.thumbnail) pageList.push({ data: o.pages[0]!.slice(0, 4 * 4 * spp), w: 4, h: 4, thumb: true });
  for (const p of o.pages) pageList.push({ data: p, w: o.width, h: o.height, thumb: false });
  pageList.forEach((pg, pageNo) => {
    let src = pg.data;
    if (o.predictor === 2 && !pg.thumb) {
      // difference each value from the same sample of the previous pixel in its row (or plane row)
      src = pg.data.slice();
      const step = o.planar ? 1 : spp;
      if (o.planar && spp > 1) throw new Error('test encoder: predictor with planar not supported');
      const row = pg.w * spp;
      for (let y = 0; y < pg.h; y++) for (let i = row - 1; i >= step; i--) src[y * row + i] = pg.data[y * row + i]! - pg.data[y * row + i - step]!;
    }
    const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    const offsets: number[] = [];
    const counts: number[] = [];
    const rowBytes = pg.w * spp * bps;
    if (o.tile && !pg.thumb) {
      const t = o.tile;
      for (let ty = 0; ty < pg.h; ty += t) for (let tx = 0; tx < pg.w; tx += t) {
        const tb = new Uint8Array(t * t * spp * bps);
        for (let y = 0; y < t && ty + y < pg.h; y++) {
          const from = (ty + y) * rowBytes + tx * spp * bps;
          const len = Math.min(t, pg.w - tx) * spp * bps;
          tb.set(bytes.subarray(from, from + len), y * t * spp * bps);
        }
        const c = compress(toFileOrder(tb));
        offsets.push(push(c)); counts.push(c.length);
      }
    } else if (o.planar && spp > 1 && !pg.thumb) {
      for (let s = 0; s < spp; s++) {
        const plane = new Uint8Array(pg.w * pg.h * bps);
        for (let i = 0; i < pg.w * pg.h; i++) plane.set(bytes.subarray((i * spp + s) * bps, (i * spp + s + 1) * bps), i * bps);
        const c = compress(toFileOrder(plane));
        offsets.push(push(c)); counts.push(c.length);
      }
    } else {
      const rps = pg.thumb ? pg.h : o.rowsPerStrip ?? pg.h;
      for (let y = 0; y < pg.h; y += rps) {
        const c = compress(toFileOrder(bytes.subarray(y * rowBytes, Math.min(pg.h, y + rps) * rowBytes)));
        offsets.push(push(c)); counts.push(c.length);
      }
    }
    const OFF = big ? 16 : 4;
    const entries: Array<[number, number, number[] | string]> = [
      [254, 4, [pg.thumb ? 1 : 0]], [256, 4, [pg.w]], [257, 4, [pg.h]], [258, 3, new Array(spp).fill(bps * 8)],
      [259, 3, [o.compression === 'packbits' ? 32773 : o.compression === 'deflate' ? 8 : o.compression === 'lzw' ? 5 : 1]],
      [262, 3, [o.photometric ?? (spp === 3 ? 2 : 1)]],
      [277, 3, [spp]], [284, 3, [o.planar ? 2 : 1]], [339, 3, new Array(spp).fill(sf)],
    ];
    if (o.predictor && !pg.thumb) entries.push([317, 3, [o.predictor]]);
    if (o.tile && !pg.thumb) entries.push([322, 3, [o.tile]], [323, 3, [o.tile]], [324, OFF, offsets], [325, OFF, counts]);
    else entries.push([273, OFF, offsets], [278, 4, [pg.thumb ? pg.h : o.rowsPerStrip ?? pg.h]], [279, OFF, counts]);
    if (pageNo === (o.thumbnail ? 1 : 0)) {
      if (o.description) entries.push([270, 2, o.description]);
      for (const t of o.extraTags ?? []) entries.push(t);
    }
    entries.sort((a, b) => a[0] - b[0]);
    const es = big ? 20 : 12;
    const table = new Uint8Array((big ? 8 : 2) + entries.length * es + (big ? 8 : 4));
    const dv = new DataView(table.buffer);
    const tablePos = pos;
    let extra = tablePos + table.length;
    const blobs: Uint8Array[] = [];
    if (big) dv.setBigUint64(0, BigInt(entries.length), le); else dv.setUint16(0, entries.length, le);
    entries.forEach(([tag, type, values], i) => {
      const p = (big ? 8 : 2) + i * es;
      const payload = typeof values === 'string' ? new Uint8Array([...new TextEncoder().encode(values), 0]) : writeValue(type, values);
      const count = typeof values === 'string' ? payload.length : type === 5 ? values.length / 2 : values.length;
      dv.setUint16(p, tag, le); dv.setUint16(p + 2, type, le);
      if (big) dv.setBigUint64(p + 4, BigInt(count), le); else dv.setUint32(p + 4, count, le);
      const vAt = p + (big ? 12 : 8);
      if (payload.length <= (big ? 8 : 4)) table.set(payload, vAt);
      else {
        if (big) dv.setBigUint64(vAt, BigInt(extra), le); else dv.setUint32(vAt, extra, le);
        const padded = payload.length % 2 ? new Uint8Array([...payload, 0]) : payload;
        blobs.push(padded); extra += padded.length;
      }
    });
    ifdOffsets.push(push(table));
    ifdPatch.push({ at: tablePos + (big ? 8 : 2) + entries.length * es });
    for (const b of blobs) push(b);
  });
  const out = new Uint8Array(pos);
  const head = new DataView(out.buffer);
  out[0] = out[1] = le ? 0x49 : 0x4d;
  head.setUint16(2, big ? 43 : 42, le);
  if (big) { head.setUint16(4, 8, le); head.setBigUint64(8, BigInt(ifdOffsets[0]!), le); } else head.setUint32(4, ifdOffsets[0]!, le);
  let o2 = big ? 16 : 8;
  for (const c of chunks) { out.set(c, o2); o2 += c.length; }
  ifdPatch.forEach((p, i) => {
    const next = ifdOffsets[i + 1] ?? 0;
    if (big) head.setBigUint64(p.at, BigInt(next), le); else head.setUint32(p.at, next, le);
  });
  return out;
}

/** A rational tag value pair for XResolution/YResolution. */
export function rationalPair(x: number): number[] {
  const den = 1_000_000;
  return [Math.round(x * den), den];
}

// ---------------------------------------------------------------- minimal NIfTI-2 encoder

export function encodeTestNifti2(vol: { shape: [number, number, number, number]; data: TypedArray; datatype: number; bitpix: number }, opts: { pixdim: number[]; srow?: number[]; sformCode?: number; unitCode?: number; slope?: number; inter?: number; bigEndian?: boolean }): Uint8Array {
  const [nz, ny, nx, c] = vol.shape;
  const le = !opts.bigEndian;
  const hdr = new Uint8Array(544);
  const dv = new DataView(hdr.buffer);
  dv.setInt32(0, 540, le);
  hdr.set([0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a], 4);
  dv.setInt16(12, vol.datatype, le);
  dv.setInt16(14, vol.bitpix, le);
  const dims = [c > 1 ? 4 : 3, nx, ny, nz, c, 1, 1, 1];
  dims.forEach((d, i) => dv.setBigInt64(16 + 8 * i, BigInt(d), le));
  [1, ...opts.pixdim, 0, 0, 0, 0, 0].slice(0, 8).forEach((p, i) => dv.setFloat64(104 + 8 * i, p, le));
  dv.setBigInt64(168, 544n, le);
  dv.setFloat64(176, opts.slope ?? 1, le);
  dv.setFloat64(184, opts.inter ?? 0, le);
  dv.setInt32(344, 0, le);
  dv.setInt32(348, opts.sformCode ?? 0, le);
  (opts.srow ?? new Array(12).fill(0)).forEach((v, i) => dv.setFloat64(400 + 8 * i, v, le));
  dv.setInt32(500, opts.unitCode ?? 2, le);
  const bytes = new Uint8Array(vol.data.buffer, vol.data.byteOffset, vol.data.byteLength).slice();
  const bpv = vol.bitpix / 8 / (vol.datatype === 128 ? 3 : 1);
  if (!le && bpv > 1) for (let i = 0; i < bytes.length; i += bpv) bytes.subarray(i, i + bpv).reverse();
  const out = new Uint8Array(544 + bytes.length);
  out.set(hdr);
  out.set(bytes, 544);
  return out;
}

// ---------------------------------------------------------------- minimal TIFF LZW encoder

/** TIFF-flavoured LZW (MSB-first codes, 9–12 bits, early change), enough to make test inputs. */
export function lzwEncode(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let acc = 0, nacc = 0;
  const put = (code: number, width: number) => {
    acc = (acc << width) | code; nacc += width;
    while (nacc >= 8) { out.push((acc >>> (nacc - 8)) & 0xff); nacc -= 8; }
    acc &= (1 << nacc) - 1;
  };
  const table = new Int32Array(4096 * 256);
  let next = 258, width = 9;
  const reset = () => { table.fill(-1); next = 258; width = 9; };
  reset();
  put(256, width);
  if (data.length === 0) { put(257, width); if (nacc) out.push((acc << (8 - nacc)) & 0xff); return Uint8Array.from(out); }
  let prefix = data[0]!;
  for (let i = 1; i < data.length; i++) {
    const b = data[i]!;
    const key = prefix * 256 + b;
    const found = table[key]!;
    if (found >= 0) { prefix = found; continue; }
    put(prefix, width);
    table[key] = next++;
    // The encoder is one table entry ahead of the decoder, so it widens at 2^width where the
    // decoder ("early change") widens at 2^width - 1.
    if (next === 4094) { put(256, width); reset(); }
    else if (next === 1 << width) width++;
    prefix = b;
  }
  put(prefix, width);
  next++;
  if (next >= 1 << width && width < 12) width++;
  put(257, width);
  if (nacc) out.push((acc << (8 - nacc)) & 0xff);
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------- fuzz mutations

const EXTREMES = [0, 0xff, 0xffff, 0xffffffff, 0x7fffffff, 0x80000000, 1, 2];

/** One random corruption: bit flips, extreme integers, truncation, insertion or deletion. */
export function mutate(src: Uint8Array, seed: number): Uint8Array {
  const r = rng(seed);
  const pick = (n: number) => Math.floor(r() * n);
  // bias positions towards headers and the directory (often at the end of the file)
  const pos = () => {
    const u = r();
    if (u < 0.35) return pick(Math.min(src.length, 400));
    if (u < 0.6) return src.length - 1 - pick(Math.min(src.length, 600));
    return pick(src.length);
  };
  // a real copy: Buffer.slice would alias the subject and mutations would pile up
  let b = new Uint8Array(src);
  const rounds = 1 + pick(3);
  for (let k = 0; k < rounds; k++) {
    const kind = pick(6);
    if (kind === 0) { const p = Math.min(pos(), b.length - 1); b[p] = b[p]! ^ (1 << pick(8)); }
    else if (kind === 1) { const p = Math.min(pos(), b.length - 1); b[p] = pick(256); }
    else if (kind === 2 && b.length >= 4) {
      const p = Math.min(pos(), b.length - 4);
      const v = EXTREMES[pick(EXTREMES.length)]!;
      new DataView(b.buffer).setUint32(Math.max(0, p), v, r() < 0.5);
    } else if (kind === 3) b = b.slice(0, pick(b.length));
    else if (kind === 4) { const p = pos(); const ins = new Uint8Array(1 + pick(16)).map(() => pick(256)); b = new Uint8Array([...b.subarray(0, p), ...ins, ...b.subarray(p)]); }
    else { const p = pos(); b = new Uint8Array([...b.subarray(0, p), ...b.subarray(p + 1 + pick(16))]); }
    if (b.length === 0) break;
  }
  return b;
}

