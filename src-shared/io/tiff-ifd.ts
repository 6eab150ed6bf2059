// Our own walk over the TIFF page directories (classic and BigTIFF). We do it ourselves,
// rather than through geotiff, because we must (1) bound every count and offset by the real
// file size before allocating, (2) detect directory loops that would otherwise never end, and
// (3) know the strip layout to read uncompressed pages straight into the output array.
import { LumenError } from '../errors.ts';
import type { FileBytes } from './file-bytes.ts';

export const TAG = {
  NewSubfileType: 254, ImageWidth: 256, ImageLength: 257, BitsPerSample: 258, Compression: 259,
  Photometric: 262, ImageDescription: 270, StripOffsets: 273, SamplesPerPixel: 277, RowsPerStrip: 278,
  StripByteCounts: 279, XResolution: 282, YResolution: 283, PlanarConfiguration: 284, ResolutionUnit: 296,
  Predictor: 317, TileWidth: 322, TileLength: 323, TileOffsets: 324, TileByteCounts: 325, SampleFormat: 339,
} as const;

/** Tags whose values we load; anything else is skipped without reading its data. */
const WANTED = new Set<number>(Object.values(TAG));

/** bytes per value of each TIFF field type */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

export type TagValue = number[] | string;

export interface Ifd {
  /** byte offset of this directory in the file */
  offset: number;
  tags: Map<number, TagValue>;
}

export interface TiffHeader {
  littleEndian: boolean;
  bigTiff: boolean;
  ifds: Ifd[];
  /** set when the page chain points past the end of the file after at least one good page */
  cutAt?: number;
}

/** A hard cap on pages: 1 million pages is far beyond any real stack and keeps loops bounded. */
const MAX_PAGES = 1_000_000;

export function readTiffHeader(file: FileBytes): TiffHeader {
  if (file.size < 8) throw new LumenError('truncated', `${file.path} is only ${file.size} bytes, too short to be a TIFF`);
  const head = file.read(0, Math.min(16, file.size), 'the TIFF header');
  const order = String.fromCharCode(head[0]!, head[1]!);
  if (order !== 'II' && order !== 'MM') throw new LumenError('bad-input', `${file.path} is not a TIFF (it does not start with II or MM)`);
  const le = order === 'II';
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const version = dv.getUint16(2, le);
  let bigTiff: boolean;
  let first: number;
  if (version === 42) {
    bigTiff = false;
    first = dv.getUint32(4, le);
  } else if (version === 43) {
    if (head.length < 16) throw new LumenError('truncated', `${file.path} ends inside its BigTIFF header`);
    if (dv.getUint16(4, le) !== 8) throw new LumenError('bad-input', `${file.path} has a BigTIFF header with an unexpected offset size`);
    bigTiff = true;
    first = Number(dv.getBigUint64(8, le));
  } else {
    throw new LumenError('bad-input', `${file.path} starts like a TIFF but has version ${version} (expected 42 or 43)`);
  }
  if (first === 0) throw new LumenError('bad-input', `${file.path} is a TIFF without any image in it (no page directory)`);
  const ifds: Ifd[] = [];
  const seen = new Set<number>();
  let next = first;
  while (next !== 0) {
    if (seen.has(next)) {
      // A loop in the page chain: stop at the pages we have rather than spinning forever.
      break;
    }
    if (ifds.length >= MAX_PAGES) throw new LumenError('too-large', `${file.path} claims more than ${MAX_PAGES} pages`);
    seen.add(next);
    if (!file.has(next, bigTiff ? 8 : 2)) {
      if (ifds.length === 0) throw new LumenError('truncated', `${file.path} points to its first page at byte ${next} but the file ends at byte ${file.size}`);
      // The chain points past the end: a file cut short. The caller knows how many pages
      // were promised (ImageJ/OME metadata) and words the message.
      return { littleEndian: le, bigTiff, ifds, cutAt: next };
    }
    let parsed: { ifd: Ifd; nextOffset: number };
    try {
      parsed = readIfd(file, next, le, bigTiff, ifds.length + 1);
    } catch (e) {
      if (ifds.length > 0 && e instanceof LumenError && e.code === 'truncated') return { littleEndian: le, bigTiff, ifds, cutAt: next };
      throw e;
    }
    const { ifd, nextOffset } = parsed;
    ifds.push(ifd);
    next = nextOffset;
  }
  return { littleEndian: le, bigTiff, ifds };
}

function readIfd(file: FileBytes, offset: number, le: boolean, big: boolean, pageNo: number): { ifd: Ifd; nextOffset: number } {
  const countBytes = file.read(offset, big ? 8 : 2, `the directory of page ${pageNo}`);
  const cdv = new DataView(countBytes.buffer);
  const count = big ? Number(cdv.getBigUint64(0, le)) : cdv.getUint16(0, le);
  const entrySize = big ? 20 : 12;
  const tableLen = count * entrySize + (big ? 8 : 4);
  if (count === 0 || count > 4096 || !file.has(offset + countBytes.length, tableLen)) {
    throw new LumenError(count > 4096 || count === 0 ? 'bad-input' : 'truncated',
      `the directory of page ${pageNo} in ${file.path} is damaged (${count} entries at byte ${offset}, file size ${file.size})`);
  }
  const table = file.read(offset + countBytes.length, tableLen, `the directory of page ${pageNo}`);
  const dv = new DataView(table.buffer);
  const tags = new Map<number, TagValue>();
  for (let i = 0; i < count; i++) {
    const p = i * entrySize;
    const tag = dv.getUint16(p, le);
    if (!WANTED.has(tag)) continue;
    const type = dv.getUint16(p + 2, le);
    const size = TYPE_SIZE[type];
    if (size === undefined) continue; // unknown field type: TIFF readers must skip it
    const n = big ? Number(dv.getBigUint64(p + 4, le)) : dv.getUint32(p + 4, le);
    const bytes = n * size;
    const inline = bytes <= (big ? 8 : 4);
    let raw: DataView;
    if (inline) {
      raw = new DataView(table.buffer, p + (big ? 12 : 8), bytes);
    } else {
      const at = big ? Number(dv.getBigUint64(p + 12, le)) : dv.getUint32(p + 8, le);
      if (!file.has(at, bytes)) {
        throw new LumenError('truncated', `page ${pageNo} of ${file.path} refers to ${bytes} bytes at byte ${at}, past the end of the file (${file.size} bytes)`);
      }
      const b = file.read(at, bytes, `tag ${tag} of page ${pageNo}`);
      raw = new DataView(b.buffer);
    }
    tags.set(tag, decodeValues(raw, type, n, le));
  }
  const nextOffset = big ? Number(dv.getBigUint64(count * entrySize, le)) : dv.getUint32(count * entrySize, le);
  return { ifd: { offset, tags }, nextOffset };
}

function decodeValues(dv: DataView, type: number, n: number, le: boolean): TagValue {
  if (type === 2) {
    const bytes = new Uint8Array(dv.buffer, dv.byteOffset, n);
    const end = bytes.indexOf(0);
    const str = end >= 0 ? bytes.subarray(0, end) : bytes;
    // TIFF says ASCII, but OME-XML and ImageJ write UTF-8 (µm); fall back to Latin-1 otherwise.
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(str);
    } catch {
      return new TextDecoder('latin1').decode(str);
    }
  }
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    switch (type) {
      case 1: case 7: out[i] = dv.getUint8(i); break;
      case 6: out[i] = dv.getInt8(i); break;
      case 3: out[i] = dv.getUint16(i * 2, le); break;
      case 8: out[i] = dv.getInt16(i * 2, le); break;
      case 4: case 13: out[i] = dv.getUint32(i * 4, le); break;
      case 9: out[i] = dv.getInt32(i * 4, le); break;
      case 5: out[i] = dv.getUint32(i * 8, le) / dv.getUint32(i * 8 + 4, le); break;
      case 10: out[i] = dv.getInt32(i * 8, le) / dv.getInt32(i * 8 + 4, le); break;
      case 11: out[i] = dv.getFloat32(i * 4, le); break;
      case 12: out[i] = dv.getFloat64(i * 8, le); break;
      case 16: case 18: out[i] = Number(dv.getBigUint64(i * 8, le)); break;
      case 17: out[i] = Number(dv.getBigInt64(i * 8, le)); break;
    }
  }
  return out;
}

/** First number of a tag, or `fallback`. */
export function num(ifd: Ifd, tag: number, fallback: number): number {
  const v = ifd.tags.get(tag);
  return Array.isArray(v) && v.length > 0 ? v[0]! : fallback;
}

export function nums(ifd: Ifd, tag: number): number[] | undefined {
  const v = ifd.tags.get(tag);
  return Array.isArray(v) ? v : undefined;
}

export function text(ifd: Ifd, tag: number): string | undefined {
  const v = ifd.tags.get(tag);
  return typeof v === 'string' ? v : undefined;
}
