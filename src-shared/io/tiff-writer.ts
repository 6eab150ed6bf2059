// Streaming multi-page TIFF writer with ImageJ metadata, so Fiji opens label and probability
// stacks with the right voxel size. Each page's strips are written followed by its directory,
// and the previous directory's "next" pointer is patched in place: memory stays bounded by one
// slab whatever the stack size. BigTIFF is chosen up front when the data may pass 4 GB.
import { closeSync, openSync, writeSync, unlinkSync } from 'node:fs';
import { zlibSync } from 'fflate';
import type { DType, Geometry, Shape4, TypedArray, Volume } from '../volume.ts';
import { BYTES_PER_VOXEL, allocate } from '../volume.ts';
import { LumenError } from '../errors.ts';
import { HOST_LITTLE_ENDIAN, bytesOf, tiffSampleFormat } from './dtype.ts';
import { checkSpacing } from './spacing.ts';
import { TAG } from './tiff-ifd.ts';
import { writeWhole } from './writer.ts';

export type TiffCompression = 'none' | 'deflate';

export interface TiffWriteOptions {
  compression?: TiffCompression;
  /** force BigTIFF (true) or classic (false); by default BigTIFF only when the file may pass 4 GB */
  bigTiff?: boolean;
  /** Deflate level 1–9 (default 6) */
  level?: number;
}

export interface TiffStreamSpec {
  shape: Shape4;
  dtype: DType;
  geometry: Geometry;
}

const CLASSIC_LIMIT = 2 ** 32 - (1 << 24); // leave room for directories below 4 GB
const STRIP_TARGET = 1 << 20; // ~1 MB strips: small enough for readers, big enough for speed

type Entry = { tag: number; type: number; values: number[] | string };

export class TiffStreamWriter {
  private fd: number | undefined;
  private pos = 0;
  private pagesWritten = 0;
  private slicesDone = 0;
  /** channels written as separate pages (ImageJ hyperstack) rather than as samples of a pixel */
  private readonly pageChannels: number;
  private readonly samples: number;
  private plane: TypedArray | undefined;
  /** file position of the last directory's next-IFD pointer (header's first-IFD field at start) */
  private nextPointerAt: number;
  private readonly big: boolean;
  private readonly compression: TiffCompression;
  private readonly rowsPerStrip: number;
  private readonly pageBytes: number;
  private readonly description: string;

  constructor(readonly path: string, readonly spec: TiffStreamSpec, options: TiffWriteOptions = {}) {
    const [d, h, w, c] = spec.shape;
    if (![d, h, w, c].every((v) => Number.isInteger(v) && v >= 1)) throw new LumenError('bad-input', `cannot write a TIFF of shape ${spec.shape.join('×')}`);
    checkSpacing(spec.geometry.spacing, 'the volume to write');
    this.compression = options.compression ?? 'none';
    this.level = options.level ?? 6;
    const bpv = BYTES_PER_VOXEL[spec.dtype];
    // ImageJ/Fiji only understand chunky samples for 8-bit RGB; any other multi-channel
    // volume is written as a hyperstack, one page per channel, which Fiji opens as channels.
    this.pageChannels = c > 1 && !(c === 3 && spec.dtype === 'uint8') ? c : 1;
    this.samples = c / this.pageChannels;
    this.pageBytes = h * w * this.samples * bpv;
    const estimate = d * this.pageChannels * (this.pageBytes * 1.01 + 4096) + 4096;
    this.big = options.bigTiff ?? estimate >= CLASSIC_LIMIT;
    if (!this.big && estimate >= 2 ** 32) throw new LumenError('too-large', `a ${(estimate / 1e9).toFixed(1)} GB TIFF needs BigTIFF`);
    this.rowsPerStrip = Math.max(1, Math.min(h, Math.floor(STRIP_TARGET / (w * this.samples * bpv))));
    this.description = imagejDescription(spec, this.pageChannels);
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new LumenError('bad-input', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
    }
    // Header: byte order, version, then the first-directory pointer we patch later.
    const head = this.big ? new Uint8Array(16) : new Uint8Array(8);
    const dv = new DataView(head.buffer);
    head[0] = 0x49; head[1] = 0x49;
    dv.setUint16(2, this.big ? 43 : 42, true);
    if (this.big) { dv.setUint16(4, 8, true); this.nextPointerAt = 8; } else this.nextPointerAt = 4;
    this.append(head);
  }

  private readonly level: number;

  get slicesWritten(): number { return this.slicesDone; }
  /** whether this file is being written as BigTIFF */
  get bigTiff(): boolean { return this.big; }

  /** Appends the slices of `slab` (a volume with the same y, x, c and dtype, any depth). */
  writeSlices(slab: Volume | TypedArray): void {
    const data = 'data' in slab && !ArrayBuffer.isView(slab) ? slab.data : (slab as TypedArray);
    if ('dtype' in slab && !ArrayBuffer.isView(slab) && slab.dtype !== this.spec.dtype) {
      throw new LumenError('shape-mismatch', `slab is ${slab.dtype} but the TIFF being written is ${this.spec.dtype}`);
    }
    const [, h, w, c] = this.spec.shape;
    const sliceValues = h * w * c;
    if (data.length % sliceValues !== 0) throw new LumenError('shape-mismatch', `slab of ${data.length} values is not a whole number of ${w}×${h}×${c} slices`);
    if (data.BYTES_PER_ELEMENT !== BYTES_PER_VOXEL[this.spec.dtype]) throw new LumenError('shape-mismatch', `slab values are ${data.BYTES_PER_ELEMENT} bytes but the TIFF holds ${this.spec.dtype}`);
    const n = data.length / sliceValues;
    if (this.slicesDone + n > this.spec.shape[0]) throw new LumenError('shape-mismatch', `writing ${this.slicesDone + n} slices into a TIFF declared with ${this.spec.shape[0]}`);
    if (!HOST_LITTLE_ENDIAN) throw new LumenError('unsupported', 'TIFF writing needs a little-endian machine');
    for (let z = 0; z < n; z++) {
      const slice = data.subarray(z * sliceValues, (z + 1) * sliceValues);
      if (this.pageChannels === 1) this.writePage(bytesOf(slice));
      else {
        const plane = (this.plane ??= allocate(this.spec.dtype, h * w));
        for (let ch = 0; ch < c; ch++) {
          for (let i = 0; i < plane.length; i++) plane[i] = slice[i * c + ch]!;
          this.writePage(bytesOf(plane));
        }
      }
      this.slicesDone++;
    }
  }

  private writePage(page: Uint8Array): void {
    const [, h, w] = this.spec.shape;
    const rowBytes = w * this.samples * BYTES_PER_VOXEL[this.spec.dtype];
    const offsets: number[] = [];
    const counts: number[] = [];
    for (let y = 0; y < h; y += this.rowsPerStrip) {
      const raw = page.subarray(y * rowBytes, Math.min(h, y + this.rowsPerStrip) * rowBytes);
      const strip = this.compression === 'deflate' ? zlibSync(raw, { level: this.level as 6 }) : raw;
      offsets.push(this.pos);
      counts.push(strip.length);
      this.append(strip);
    }
    if (this.pos % 2) this.append(new Uint8Array(1)); // directories start on a word boundary
    this.writeIfd(offsets, counts);
    this.pagesWritten++;
  }

  private writeIfd(offsets: number[], counts: number[]): void {
    const { shape, dtype, geometry } = this.spec;
    const [, h, w] = shape;
    const c = this.samples;
    const bits = BYTES_PER_VOXEL[dtype] * 8;
    const rgb = c === 3 && dtype === 'uint8';
    const big = this.big;
    const LONG = big ? 16 : 4; // strip offsets need 64 bits in BigTIFF
    const entries: Entry[] = [
      { tag: TAG.NewSubfileType, type: 4, values: [0] },
      { tag: TAG.ImageWidth, type: 4, values: [w] },
      { tag: TAG.ImageLength, type: 4, values: [h] },
      { tag: TAG.BitsPerSample, type: 3, values: new Array(c).fill(bits) },
      { tag: TAG.Compression, type: 3, values: [this.compression === 'deflate' ? 8 : 1] },
      { tag: TAG.Photometric, type: 3, values: [rgb ? 2 : 1] },
    ];
    if (this.pagesWritten === 0) entries.push({ tag: TAG.ImageDescription, type: 2, values: this.description });
    entries.push(
      { tag: TAG.StripOffsets, type: LONG, values: offsets },
      { tag: TAG.SamplesPerPixel, type: 3, values: [c] },
      { tag: TAG.RowsPerStrip, type: 4, values: [this.rowsPerStrip] },
      { tag: TAG.StripByteCounts, type: LONG, values: counts },
      { tag: TAG.XResolution, type: 5, values: rational(1 / geometry.spacing[2]) },
      { tag: TAG.YResolution, type: 5, values: rational(1 / geometry.spacing[1]) },
      { tag: TAG.PlanarConfiguration, type: 3, values: [1] },
      { tag: TAG.ResolutionUnit, type: 3, values: [1] },
    );
    if (c > 1 && !rgb) entries.push({ tag: 338, type: 3, values: new Array(c - 1).fill(0) }); // ExtraSamples: unspecified
    else if (c > 3) entries.push({ tag: 338, type: 3, values: new Array(c - 3).fill(0) });
    entries.push({ tag: TAG.SampleFormat, type: 3, values: new Array(c).fill(tiffSampleFormat(dtype)) });
    entries.sort((a, b) => a.tag - b.tag);

    const entrySize = big ? 20 : 12;
    const inlineMax = big ? 8 : 4;
    const countSize = big ? 8 : 2;
    const ifdStart = this.pos;
    const tableLen = countSize + entries.length * entrySize + (big ? 8 : 4);
    // Out-of-line values go right after the table, each on a word boundary.
    let extra = ifdStart + tableLen;
    const blobs: Uint8Array[] = [];
    const table = new Uint8Array(tableLen);
    const dv = new DataView(table.buffer);
    if (big) dv.setBigUint64(0, BigInt(entries.length), true); else dv.setUint16(0, entries.length, true);
    entries.forEach((e, i) => {
      const p = countSize + i * entrySize;
      const payload = encodeValues(e);
      const count = typeof e.values === 'string' ? payload.length : e.type === 5 ? e.values.length / 2 : e.values.length;
      dv.setUint16(p, e.tag, true);
      dv.setUint16(p + 2, e.type, true);
      if (big) dv.setBigUint64(p + 4, BigInt(count), true); else dv.setUint32(p + 4, count, true);
      const valueAt = p + (big ? 12 : 8);
      if (payload.length <= inlineMax) {
        table.set(payload, valueAt);
      } else {
        if (big) dv.setBigUint64(valueAt, BigInt(extra), true); else dv.setUint32(valueAt, extra, true);
        const padded = payload.length % 2 ? concat([payload, new Uint8Array(1)]) : payload;
        blobs.push(padded);
        extra += padded.length;
      }
    });
    // next-IFD pointer stays 0 until another page follows
    this.append(table);
    for (const b of blobs) this.append(b);
    this.patchPointer(this.nextPointerAt, ifdStart);
    this.nextPointerAt = ifdStart + countSize + entries.length * entrySize;
  }

  private patchPointer(at: number, value: number): void {
    const b = new Uint8Array(this.big ? 8 : 4);
    const dv = new DataView(b.buffer);
    if (this.big) dv.setBigUint64(0, BigInt(value), true); else dv.setUint32(0, value, true);
    writeSync(this.fd!, b, 0, b.length, at);
  }

  private append(bytes: Uint8Array): void {
    if (this.fd === undefined) throw new LumenError('bad-input', `${this.path} is already closed`);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, Math.min(bytes.length - done, 1 << 30), this.pos + done);
    this.pos += bytes.length;
    if (!this.big && this.pos >= 2 ** 32) throw new LumenError('too-large', `${this.path} passed 4 GB; write it as BigTIFF`);
  }

  /** Finishes the file; throws if fewer slices were written than declared. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
    if (this.slicesDone !== this.spec.shape[0]) {
      throw new LumenError('shape-mismatch', `${this.path} was closed after ${this.slicesDone} of ${this.spec.shape[0]} slices`);
    }
  }

  /** Closes and deletes a partly written file (e.g. after cancel). */
  abort(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    try { unlinkSync(this.path); } catch { /* already gone */ }
  }
}

export function writeTiff(path: string, vol: Volume, options: TiffWriteOptions = {}): void {
  const w = new TiffStreamWriter(path, { shape: vol.shape, dtype: vol.dtype, geometry: vol.geometry }, options);
  writeWhole(w, vol);
}

function imagejDescription(spec: TiffStreamSpec, pageChannels: number): string {
  const [d] = spec.shape;
  const lines = ['ImageJ=1.54f', `images=${d * pageChannels}`];
  if (pageChannels > 1) lines.push(`channels=${pageChannels}`);
  if (d > 1) lines.push(`slices=${d}`);
  if (pageChannels > 1) lines.push('hyperstack=true', 'mode=grayscale');
  if (spec.geometry.unit !== 'unknown') lines.push(`unit=${spec.geometry.unit === 'um' ? 'micron' : 'mm'}`);
  lines.push(`spacing=${spec.geometry.spacing[0]}`, 'loop=false');
  return lines.join('\n') + '\n';
}

/** Best rational approximation p/q (both < 2^32) by continued fractions, so 1/spacing survives. */
export function rational(x: number): [number, number] {
  if (!Number.isFinite(x) || x <= 0) return [0, 1];
  const MAX = 0xffffffff;
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  let v = x;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(v);
    const h2 = a * h1 + h0, k2 = a * k1 + k0;
    if (h2 > MAX || k2 > MAX) break;
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    const frac = v - a;
    if (frac < 1e-12 || h1 / k1 === x) break;
    v = 1 / frac;
  }
  if (k1 === 0) return [Math.min(MAX, Math.round(x)), 1];
  return [h1, k1];
}

function encodeValues(e: Entry): Uint8Array {
  if (typeof e.values === 'string') {
    const b = new TextEncoder().encode(e.values);
    return concat([b, new Uint8Array(1)]);
  }
  const v = e.values;
  const size = { 3: 2, 4: 4, 5: 4, 16: 8 }[e.type as 3 | 4 | 5 | 16];
  const out = new Uint8Array(v.length * size);
  const dv = new DataView(out.buffer);
  v.forEach((x, i) => {
    if (e.type === 3) dv.setUint16(i * 2, x, true);
    else if (e.type === 16) dv.setBigUint64(i * 8, BigInt(x), true);
    else dv.setUint32(i * 4, x, true);
  });
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
