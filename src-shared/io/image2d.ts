// Single 2D images (PNG, GIF) decoded to a depth-1 Volume. Palette images are expanded to
// their colours and collapsed back to one grey channel when every colour is grey, which is
// how label and mask images (e.g. DRIVE's 0/255 GIFs) are normally saved. Alpha is dropped:
// segmentation works on intensity, and a mask's transparency is not a channel of the image.
import { readFileSync } from 'node:fs';
import { decode as decodePng, convertIndexedToRgb } from 'fast-png';
import omggif from 'omggif';
import type { Volume, TypedArray } from '../volume.ts';
import { LumenError } from '../errors.ts';
import { LzwTable } from './lzw-table.ts';

/** Largest 2D image we accept: far beyond any camera, small enough to never exhaust memory. */
const MAX_PIXELS = 1 << 30;

function fromRgba(rgba: Uint8Array | Uint16Array, w: number, h: number, channels: number, path: string, format: 'png' | 'gif'): Volume {
  const n = w * h;
  const colour = channels >= 3;
  let grey = true;
  if (colour) {
    for (let i = 0; i < n && grey; i++) {
      const p = i * channels;
      grey = rgba[p] === rgba[p + 1] && rgba[p] === rgba[p + 2];
    }
  }
  const outC = colour && !grey ? 3 : 1;
  const out: TypedArray = rgba instanceof Uint16Array ? new Uint16Array(n * outC) : new Uint8Array(n * outC);
  for (let i = 0; i < n; i++) for (let k = 0; k < outC; k++) out[i * outC + k] = rgba[i * channels + k]!;
  return {
    shape: [1, h, w, outC], dtype: out instanceof Uint16Array ? 'uint16' : 'uint8', data: out,
    geometry: { spacing: [1, 1, 1], unit: 'unknown' }, source: { format: 'slices', path, header: { format } },
  };
}

/** Checks the PNG's claimed size against its compressed size before the decoder allocates. */
function checkPngHeader(b: Uint8Array, path: string): void {
  if (b.length < 33) throw new LumenError('truncated', `${path} is too short to be a PNG (${b.length} bytes)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const w = dv.getUint32(16), h = dv.getUint32(20);
  const depth = b[24]!, colour = b[25]!;
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colour] ?? 4;
  const raw = w * h * channels * Math.max(1, depth / 8);
  if (!(w >= 1 && h >= 1) || w * h > MAX_PIXELS || raw > b.length * 1100 + (1 << 20)) {
    throw new LumenError('too-large', `${path} claims ${w}×${h} pixels, more than its ${b.length} bytes can hold; the file is damaged`);
  }
}

export function readPng(path: string, bytes = readFileSync(path)): Volume {
  checkPngHeader(bytes, path);
  let img: ReturnType<typeof decodePng>;
  try {
    img = decodePng(bytes);
  } catch (e) {
    const detail = String((e as Error)?.message ?? e);
    // the decoder's own words are only useful when they name something ("undefined" does not)
    const why = /undefined|NaN/.test(detail) ? 'it is damaged or cut short' : detail;
    throw new LumenError('damaged', `${path} is not a readable PNG (${why})`, { cause: e });
  }
  const { width: w, height: h } = img;
  if (!(w >= 1 && h >= 1) || w * h > MAX_PIXELS) throw new LumenError('too-large', `${path} claims ${w}×${h} pixels`);
  let data = img.data as Uint8Array | Uint16Array;
  let channels = img.channels;
  if (img.palette) {
    data = convertIndexedToRgb(img) as Uint8Array;
    channels = data.length / (w * h);
  } else if (img.depth < 8) {
    throw new LumenError('unsupported', `${path} is a ${img.depth}-bit PNG; save it as 8 or 16-bit`);
  }
  if (data.length < w * h * channels) throw new LumenError('truncated', `${path} holds fewer pixels than its size says`);
  // grey+alpha → grey; RGB(A) → colour or grey
  if (channels === 2) return fromRgba(data, w, h, 2, path, 'png');
  return fromRgba(data, w, h, channels, path, 'png');
}

export function readGif(path: string, bytes: Uint8Array = readFileSync(path)): Volume {
  // omggif parses the block structure (its loops stop at the end of the buffer); the pixel
  // codes are decoded by our own bounded LZW, because omggif's decoder can spin forever on
  // a damaged stream (found by the fuzz test: it reads past the end as zeros).
  let reader: InstanceType<typeof omggif.GifReader>;
  try {
    reader = new omggif.GifReader(bytes);
  } catch (e) {
    throw new LumenError('damaged', `${path} is not a readable GIF (${(e as Error).message})`, { cause: e });
  }
  const { width: w, height: h } = reader;
  if (!(w >= 1 && h >= 1) || w * h > MAX_PIXELS) throw new LumenError('too-large', `${path} claims ${w}×${h} pixels`);
  if (reader.numFrames() < 1) throw new LumenError('bad-input', `${path} has no image in it`);
  const frame = reader.frameInfo(0);
  if (frame.palette_offset === null || frame.palette_size === null) throw new LumenError('damaged', `${path} has no colour table`);
  const indices = new Uint8Array(frame.width * frame.height);
  gifLzwDecode(bytes, frame.data_offset, indices, path);
  const rgb = new Uint8Array(w * h * 3);
  const pal = frame.palette_offset, size = frame.palette_size;
  for (let fy = 0; fy < frame.height; fy++) {
    const y = frame.interlaced ? interlacedRow(fy, frame.height) : fy;
    const cy = frame.y + y;
    if (cy >= h) continue;
    for (let fx = 0; fx < frame.width; fx++) {
      const cx = frame.x + fx;
      if (cx >= w) continue;
      const idx = indices[fy * frame.width + fx]!;
      if (idx >= size) continue;
      const o = (cy * w + cx) * 3, q = pal + idx * 3;
      rgb[o] = bytes[q] ?? 0; rgb[o + 1] = bytes[q + 1] ?? 0; rgb[o + 2] = bytes[q + 2] ?? 0;
    }
  }
  return fromRgba(rgb, w, h, 3, path, 'gif');
}

/** Row order of interlaced GIFs: every 8th from 0, every 8th from 4, every 4th from 2, odd rows. */
function interlacedRow(i: number, height: number): number {
  const passes: Array<[number, number]> = [[0, 8], [4, 8], [2, 4], [1, 2]];
  for (const [start, step] of passes) {
    const n = Math.max(0, Math.ceil((height - start) / step));
    if (i < n) return start + i * step;
    i -= n;
  }
  return 0;
}

/** GIF LZW: LSB-first codes in length-prefixed sub-blocks, widths min+1 … 12, no early change. */
function gifLzwDecode(buf: Uint8Array, p: number, out: Uint8Array, path: string): void {
  const minCode = buf[p++] ?? 0;
  if (minCode < 2 || minCode > 8) throw new LumenError('damaged', `${path} has an invalid GIF code size (${minCode})`);
  const clear = 1 << minCode, eoi = clear + 1;
  const table = new LzwTable(clear, eoi + 1);
  let width = minCode + 1, old = -1;
  let acc = 0, nbits = 0, left = 0, o = 0;
  const nextByte = (): number => {
    if (left === 0) {
      const size = buf[p++];
      if (size === undefined || size === 0) return -1;
      left = size;
    }
    const b = buf[p++];
    if (b === undefined) return -1;
    left--;
    return b;
  };
  while (o < out.length) {
    while (nbits < width) {
      const b = nextByte();
      if (b < 0) return; // data ends early: the rest stays 0, as other viewers show it
      acc |= b << nbits;
      nbits += 8;
    }
    const code = acc & ((1 << width) - 1);
    acc >>>= width;
    nbits -= width;
    if (code === clear) { table.reset(); width = minCode + 1; old = -1; continue; }
    if (code === eoi) return;
    const entry = table.decode(old, code, `${path}: GIF image data`);
    o = table.write(entry, out, o);
    if (table.next === 1 << width && width < 12) width++;
    old = entry;
  }
}
