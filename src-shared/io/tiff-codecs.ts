// Strip/tile decompressors for TIFF (LZW, Deflate, PackBits) that never write past the size
// the page header promises. We do not use geotiff's own LZW decoder: on a corrupt stream it
// grows a JS array without bound until V8 aborts the whole process (found by the fuzz test),
// and it decodes ~10 MB/s. These decoders write into a preallocated buffer, stop when it is
// full, and turn malformed input into a LumenError. They are also registered with geotiff,
// so its tiled path (which we still use) decodes safely too.
import { unzlibSync, inflateSync } from 'fflate';
import { addDecoder, BaseDecoder } from 'geotiff';
import { LumenError } from '../errors.ts';
import { LzwTable } from './lzw-table.ts';

export const LZW = 5, DEFLATE = 8, ADOBE_DEFLATE = 32946, PACKBITS = 32773, NONE = 1;

/** Decodes one strip or tile into exactly `expected` bytes (zero-filled if the data runs short). */
export function decodeBlock(compression: number, src: Uint8Array, expected: number, into?: Uint8Array): Uint8Array {
  const out = into ?? new Uint8Array(expected);
  switch (compression) {
    case NONE: {
      out.set(src.subarray(0, out.length));
      return out;
    }
    case LZW: return lzwDecode(src, out);
    case PACKBITS: return packBitsDecode(src, out);
    case DEFLATE:
    case ADOBE_DEFLATE: return deflateDecode(src, out);
    default: throw new LumenError('unsupported', `TIFF compression ${compression} is not supported`);
  }
}

/** TIFF LZW: MSB-first codes of 9–12 bits, 256 = clear, 257 = end, "early change" widths. */
export function lzwDecode(src: Uint8Array, out: Uint8Array): Uint8Array {
  const expected = out.length;
  const table = new LzwTable(256, 258);
  let width = 9, old = -1;
  let o = 0;
  let bitPos = 0;
  const totalBits = src.length * 8;
  while (o < expected) {
    if (bitPos + width > totalBits) break; // no end code: common in the wild, keep what we have
    // read `width` bits MSB-first from up to three bytes
    const byte = bitPos >>> 3;
    const word = (src[byte]! << 16) | ((src[byte + 1] ?? 0) << 8) | (src[byte + 2] ?? 0);
    const code = (word >>> (24 - (bitPos & 7) - width)) & ((1 << width) - 1);
    bitPos += width;
    if (code === 257) break;
    if (code === 256) { table.reset(); width = 9; old = -1; continue; }
    const entry = table.decode(old, code, 'LZW data');
    o = table.write(entry, out, o);
    if (table.next >= (1 << width) - 1 && width < 12) width++;
    old = entry;
  }
  return out;
}

export function packBitsDecode(src: Uint8Array, out: Uint8Array): Uint8Array {
  const expected = out.length;
  let i = 0, o = 0;
  while (i < src.length && o < expected) {
    const n = (src[i++]! << 24) >> 24; // as signed byte
    if (n >= 0) {
      const count = Math.min(n + 1, src.length - i, expected - o);
      out.set(src.subarray(i, i + count), o);
      i += n + 1;
      o += count;
    } else if (n !== -128) {
      const count = Math.min(1 - n, expected - o);
      if (i >= src.length) break;
      out.fill(src[i++]!, o, o + count);
      o += count;
    }
  }
  return out;
}

export function deflateDecode(src: Uint8Array, out: Uint8Array): Uint8Array {
  try {
    // Given a buffer, fflate never grows it, so a lying stream cannot allocate more.
    const zlib = src.length >= 2 && (src[0]! & 0x0f) === 8 && ((src[0]! << 8) | src[1]!) % 31 === 0;
    return zlib ? unzlibSync(src, { out }) : inflateSync(src, { out });
  } catch (e) {
    throw new LumenError('damaged', `Deflate data cannot be decompressed (${(e as Error).message}); the file is damaged`, { cause: e });
  }
}

/** Undoes TIFF predictor 2 (horizontal differencing) on rows of `width` pixels × `samples`. */
export function undoHorizontalPredictor(a: ArrayLike<number> & { [i: number]: number }, rowValues: number, samples: number, rows: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * rowValues;
    for (let i = samples; i < rowValues; i++) a[base + i] = a[base + i]! + a[base + i - samples]!;
  }
}

// ---- plug the safe decoders into geotiff for the tiled/predictor-3 pages it still decodes

interface DecoderParams { tileWidth: number; tileHeight: number; bitsPerSample: number | ArrayLike<number>; planarConfiguration: number; samplesPerPixel?: number }

function expectedBytes(p: DecoderParams): number {
  const bits = typeof p.bitsPerSample === 'number' ? [p.bitsPerSample] : Array.from(p.bitsPerSample);
  const perPixel = p.planarConfiguration === 2 ? (bits[0] ?? 8) / 8 : bits.reduce((s, b) => s + b, 0) / 8 * ((p.samplesPerPixel ?? bits.length) / bits.length);
  return Math.ceil(p.tileWidth * p.tileHeight * perPixel);
}

function safeDecoderFor(compression: number) {
  return class extends BaseDecoder {
    override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
      const params = (this as unknown as { parameters: DecoderParams }).parameters;
      return decodeBlock(compression, new Uint8Array(buffer), expectedBytes(params)).buffer;
    }
  };
}

let registered = false;
export function registerSafeDecoders(): void {
  if (registered) return;
  registered = true;
  for (const c of [LZW, DEFLATE, ADOBE_DEFLATE, PACKBITS]) {
    const cls = safeDecoderFor(c);
    addDecoder([c], async () => cls as never);
  }
}
