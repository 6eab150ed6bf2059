// Multi-page TIFF (page = z-slice) as a lazy VolumeReader. Headers are parsed and checked
// against the file size at open time; pixels are read per slab. Uncompressed strips are read
// straight into the output array with one readSync per contiguous run (the fast path the
// 2 GB benchmark measures); compressed or tiled pages are decoded by geotiff.
import type { DType, Shape4, TypedArray, Volume } from '../volume.ts';
import { BYTES_PER_VOXEL } from '../volume.ts';
import { LumenError } from '../errors.ts';
import { FileBytes } from './file-bytes.ts';
import { TAG, num, nums, readTiffHeader, text, type Ifd } from './tiff-ifd.ts';
import { tiffLayout, type TiffLayout } from './tiff-metadata.ts';
import { HOST_LITTLE_ENDIAN, allocateChecked, bytesOf, dtypeFromTiff, formatBytes, isFloat, swapBytes } from './dtype.ts';
import { decodeBlock, registerSafeDecoders, undoHorizontalPredictor } from './tiff-codecs.ts';
import { checkSlabRange, slabBuffer, type VolumeInfo, type VolumeReader } from './reader.ts';
import type { GeoTIFF } from 'geotiff';

const COMPRESSION_NAMES: Record<number, string> = {
  1: 'none', 5: 'LZW', 8: 'Deflate', 32946: 'Deflate', 32773: 'PackBits',
  2: 'CCITT', 3: 'CCITT G3', 4: 'CCITT G4', 6: 'old-style JPEG', 7: 'JPEG', 34712: 'JPEG 2000',
  50000: 'Zstandard', 34887: 'LERC', 50001: 'WebP', 34925: 'LZMA',
};
const SUPPORTED_COMPRESSION = new Set([1, 5, 8, 32946, 32773]);
/** Most any codec can shrink data; beyond this a page's claimed size is a lie, not compression. */
const MAX_COMPRESSION_RATIO = 2000; // LZW tops out near 1400:1, Deflate at 1032:1

interface Page {
  ifd: Ifd;
  /** index among all directories in the file, which is what geotiff counts */
  ifdIndex: number;
  compression: number;
  tiled: boolean;
  planar: number;
  rowsPerStrip: number;
  offsets: number[];
  counts: number[];
}

export interface TiffHeaderInfo {
  littleEndian: boolean;
  bigTiff: boolean;
  compression: string;
  pages: number;
  convention: TiffLayout['convention'];
  description?: string;
  [key: string]: unknown;
}

export async function openTiff(path: string): Promise<VolumeReader> {
  const file = new FileBytes(path);
  try {
    return new TiffReader(file);
  } catch (e) {
    file.close();
    throw e;
  }
}

class TiffReader implements VolumeReader {
  readonly info: VolumeInfo;
  private readonly pages: Page[];
  private readonly layout: TiffLayout;
  private readonly le: boolean;
  private readonly samples: number;
  private readonly pageVoxels: number;
  private geotiff: Promise<GeoTIFF> | undefined;
  /** Photometric 0: 0 means white; flipped so that bright is always high, as elsewhere */
  private readonly whiteIsZero: boolean;

  constructor(private readonly file: FileBytes) {
    const header = readTiffHeader(file);
    this.le = header.littleEndian;
    // Reduced-resolution pages (thumbnails, pyramid levels) are not slices of the stack.
    let all = header.ifds.map((ifd, i) => ({ ifd, i }));
    const full = all.filter(({ ifd }) => (num(ifd, TAG.NewSubfileType, 0) & 1) === 0);
    if (full.length > 0) all = full;
    const first = all[0]!.ifd;
    const where = file.path;

    const width = num(first, TAG.ImageWidth, 0);
    const height = num(first, TAG.ImageLength, 0);
    if (!(width >= 1 && height >= 1 && Number.isSafeInteger(width) && Number.isSafeInteger(height))) {
      throw new LumenError('bad-input', `${where} has an impossible page size (${width}×${height} pixels)`);
    }
    this.samples = num(first, TAG.SamplesPerPixel, 1);
    if (!(this.samples >= 1 && this.samples <= 64)) throw new LumenError('unsupported', `${where} has ${this.samples} samples per pixel; Lumen reads 1 to 64`);
    const bitsList = nums(first, TAG.BitsPerSample) ?? [1];
    const bits = bitsList[0]!;
    if (bitsList.some((b) => b !== bits)) throw new LumenError('unsupported', `${where} mixes bit depths across channels (${bitsList.join(', ')})`);
    const sampleFormat = num(first, TAG.SampleFormat, 1);
    const dtype = dtypeFromTiff(bits, sampleFormat === 4 ? 1 : sampleFormat);
    if (!dtype) {
      const kind = sampleFormat === 3 ? 'floating-point' : sampleFormat === 2 ? 'signed' : 'unsigned';
      throw new LumenError('unsupported', `${where} stores ${bits}-bit ${kind} pixels; Lumen reads 8, 16 and 32-bit integer and 32/64-bit float TIFFs`);
    }

    this.whiteIsZero = num(first, TAG.Photometric, 1) === 0 && (dtype === 'uint8' || dtype === 'uint16' || dtype === 'uint32');
    this.layout = tiffLayout(first, all.length, where);
    const pageCount = this.layout.imagejImages ?? all.length;
    if (header.cutAt !== undefined) {
      const promised = this.layout.promisedPages;
      const of = promised && promised > all.length ? ` of ${promised / this.layout.pageChannels}` : '';
      throw new LumenError('truncated', `this TIFF ends at slice ${Math.floor(all.length / this.layout.pageChannels) + 1}${of}: ${where} is cut short (${file.size} bytes)`);
    }
    if (pageCount % this.layout.pageChannels !== 0) {
      throw new LumenError('bad-input', `${where} has ${pageCount} pages, which cannot be split into ${this.layout.pageChannels} channels as its metadata says`);
    }
    const depth = pageCount / this.layout.pageChannels;
    const channels = this.samples * this.layout.pageChannels;
    this.pageVoxels = width * height * this.samples;
    const pageBytes = this.pageVoxels * BYTES_PER_VOXEL[dtype];

    this.pages = all.map(({ ifd, i }, k) => {
      const page = this.planPage(ifd, i, k, width, height, bits, sampleFormat, pageBytes, depth);
      return page;
    });
    if (this.layout.imagejImages !== undefined) this.checkImageJContiguous(pageBytes, depth);

    const shape: Shape4 = [depth, height, width, channels];
    const header2: TiffHeaderInfo = {
      littleEndian: header.littleEndian, bigTiff: header.bigTiff,
      compression: COMPRESSION_NAMES[this.pages[0]!.compression] ?? String(this.pages[0]!.compression),
      pages: pageCount, convention: this.layout.convention,
      photometric: num(first, TAG.Photometric, 1),
    };
    const desc = text(first, TAG.ImageDescription);
    if (desc !== undefined) header2.description = desc.length > 4000 ? desc.slice(0, 4000) : desc;
    this.info = { shape, dtype, geometry: this.layout.geometry, format: 'tiff', source: { format: 'tiff', path: file.path, header: header2 } };
  }

  /** Checks one page against the first and against the file size, before any pixel is read. */
  private planPage(ifd: Ifd, ifdIndex: number, k: number, width: number, height: number, bits: number, sampleFormat: number, pageBytes: number, depth: number): Page {
    const where = this.file.path;
    const slice = `slice ${Math.floor(k / this.layout.pageChannels) + 1} of ${depth}`;
    const w = num(ifd, TAG.ImageWidth, 0), h = num(ifd, TAG.ImageLength, 0);
    if (w !== width || h !== height || num(ifd, TAG.SamplesPerPixel, 1) !== this.samples
      || num(ifd, TAG.BitsPerSample, 1) !== bits || num(ifd, TAG.SampleFormat, 1) !== sampleFormat) {
      throw new LumenError('shape-mismatch', `page ${k + 1} of ${where} is ${w}×${h} (${num(ifd, TAG.BitsPerSample, 1)}-bit) but page 1 is ${width}×${height} (${bits}-bit); all slices of a stack must match`);
    }
    const compression = num(ifd, TAG.Compression, 1);
    if (!SUPPORTED_COMPRESSION.has(compression)) {
      const name = COMPRESSION_NAMES[compression] ?? `code ${compression}`;
      throw new LumenError('unsupported', `${where} uses ${name} compression, which Lumen does not read; re-save it uncompressed or with LZW/Deflate (e.g. in Fiji: File › Save As › Tiff)`);
    }
    if (compression === 1 && pageBytes > this.file.size) {
      throw new LumenError('too-large', `${where} claims ${width}×${height} pixels per page (${formatBytes(pageBytes)}), more than the whole file (${formatBytes(this.file.size)}); the header is damaged`);
    }
    const tiled = ifd.tags.has(TAG.TileWidth);
    const offsets = nums(ifd, tiled ? TAG.TileOffsets : TAG.StripOffsets);
    let counts = nums(ifd, tiled ? TAG.TileByteCounts : TAG.StripByteCounts);
    const planar = num(ifd, TAG.PlanarConfiguration, 1);
    const rowsPerStrip = Math.min(num(ifd, TAG.RowsPerStrip, height), height) || height;
    if (!offsets || offsets.length === 0) throw new LumenError('bad-input', `page ${k + 1} of ${where} says nothing about where its pixels are (no strip or tile offsets)`);
    let expectedChunks: number;
    if (tiled) {
      const tw = num(ifd, TAG.TileWidth, 0), th = num(ifd, TAG.TileLength, 0);
      if (!(tw >= 1 && th >= 1)) throw new LumenError('bad-input', `page ${k + 1} of ${where} has an impossible tile size ${tw}×${th}`);
      expectedChunks = Math.ceil(width / tw) * Math.ceil(height / th) * (planar === 2 ? this.samples : 1);
    } else {
      expectedChunks = Math.ceil(height / rowsPerStrip) * (planar === 2 ? this.samples : 1);
    }
    if (offsets.length < expectedChunks) {
      throw new LumenError('bad-input', `page ${k + 1} of ${where} lists ${offsets.length} pixel blocks but its size needs ${expectedChunks}; the file is damaged`);
    }
    if (!counts) {
      // Old writers omit byte counts for uncompressed single-strip pages; derive them.
      if (compression !== 1 || offsets.length !== 1) throw new LumenError('bad-input', `page ${k + 1} of ${where} has no strip byte counts`);
      counts = [pageBytes];
    }
    if (counts.length < offsets.length) throw new LumenError('bad-input', `page ${k + 1} of ${where} has fewer byte counts than pixel blocks; the file is damaged`);
    let total = 0;
    for (let i = 0; i < expectedChunks; i++) {
      const off = offsets[i]!, n = counts[i]!;
      if (!this.file.has(off, n)) {
        throw new LumenError('truncated', `this TIFF ends at ${slice}: ${where} is ${formatBytes(this.file.size)} but the pixels of that slice lie at byte ${off}–${off + n}`);
      }
      total += n;
    }
    if (compression === 1 && total < pageBytes && this.layout.imagejImages === undefined) {
      throw new LumenError('truncated', `${slice} of ${where} holds ${total} bytes of pixels but a ${width}×${height} page needs ${pageBytes}; the file is damaged or cut short`);
    }
    if (compression !== 1 && pageBytes > total * MAX_COMPRESSION_RATIO + (1 << 20)) {
      throw new LumenError('too-large', `${where} claims ${width}×${height} pixels per page (${formatBytes(pageBytes)}) but stores only ${formatBytes(total)} for ${slice}; the header is damaged`);
    }
    return { ifd, ifdIndex, compression, tiled, planar, rowsPerStrip, offsets, counts };
  }

  private checkImageJContiguous(pageBytes: number, depth: number): void {
    const p = this.pages[0]!;
    const start = p.offsets[0]!;
    const pages = this.layout.imagejImages!;
    if (p.compression !== 1) throw new LumenError('bad-input', `${this.file.path} says it holds ${pages} images but has one compressed page`);
    if (!this.file.has(start, pages * pageBytes)) {
      const have = Math.max(0, Math.floor((this.file.size - start) / pageBytes));
      throw new LumenError('truncated', `this TIFF ends at slice ${Math.floor(have / this.layout.pageChannels) + 1} of ${depth}: ${this.file.path} is ${formatBytes(this.file.size)}, too short for ${pages} images`);
    }
  }

  async readSlices(z0: number, z1: number, into?: TypedArray): Promise<Volume> {
    checkSlabRange(this.info, z0, z1);
    const [, h, w, c] = this.info.shape;
    const dtype = this.info.dtype;
    const n = (z1 - z0) * h * w * c;
    const out = slabBuffer(this.info, n, into, `slices ${z0}–${z1} of ${this.file.path}`);
    const pc = this.layout.pageChannels;
    const scratch = pc > 1 ? allocateChecked(dtype, this.pageVoxels, 'one page') : undefined;
    for (let z = z0; z < z1; z++) {
      for (let ch = 0; ch < pc; ch++) {
        const pageIndex = this.layout.pageOf(z, ch);
        const dest = scratch ?? out.subarray((z - z0) * this.pageVoxels, (z - z0 + 1) * this.pageVoxels);
        await this.readPage(pageIndex, dest, dtype);
        if (this.whiteIsZero) invert(dest, dtype);
        if (scratch) {
          // Channels stored as separate pages are interleaved into the c axis.
          const base = (z - z0) * h * w * pc;
          for (let i = 0; i < scratch.length; i++) out[base + i * pc + ch] = scratch[i]!;
        }
      }
    }
    return { shape: [z1 - z0, h, w, c], dtype, data: out, geometry: this.info.geometry, source: this.info.source };
  }

  private async readPage(index: number, dest: TypedArray, dtype: DType): Promise<void> {
    const bpv = BYTES_PER_VOXEL[dtype];
    if (this.layout.imagejImages !== undefined) {
      const p = this.pages[0]!;
      this.file.read(p.offsets[0]! + index * dest.byteLength, dest.byteLength, `slice ${index + 1}`, bytesOf(dest));
      if (this.le !== HOST_LITTLE_ENDIAN) swapBytes(bytesOf(dest), bpv);
      return;
    }
    const page = this.pages[index]!;
    const predictor = num(page.ifd, TAG.Predictor, 1);
    if (!page.tiled && (predictor === 1 || (predictor === 2 && !isFloat(dtype)))) {
      this.readStripPage(page, index, dest, dtype, predictor);
      return;
    }
    await this.readWithGeotiff(page, index, dest);
  }

  /**
   * Strip-organised pages (what ImageJ, Fiji, tifffile and most microscopes write): read and
   * decode each strip straight into the output, planes interleaved for planar files.
   */
  private readStripPage(page: Page, index: number, dest: TypedArray, dtype: DType, predictor: number): void {
    const [, h, w] = this.info.shape;
    const spp = this.samples;
    const bpv = BYTES_PER_VOXEL[dtype];
    const planes = page.planar === 2 && spp > 1 ? spp : 1;
    const valuesPerRow = w * (planes > 1 ? 1 : spp);
    const rowBytes = valuesPerRow * bpv;
    const stripsPerPlane = Math.ceil(h / page.rowsPerStrip);
    const target = planes > 1 ? allocateChecked(dtype, h * w, 'one plane') : dest;
    const bytes = bytesOf(target);
    const slice = Math.floor(index / this.layout.pageChannels) + 1;
    for (let s = 0; s < planes; s++) {
      if (page.compression === 1) {
        this.readRawStrips(page, s * stripsPerPlane, bytes);
      } else {
        for (let k = 0; k < stripsPerPlane; k++) {
          const i = s * stripsPerPlane + k;
          const rows = Math.min(page.rowsPerStrip, h - k * page.rowsPerStrip);
          const at = k * page.rowsPerStrip * rowBytes;
          const src = this.file.read(page.offsets[i]!, page.counts[i]!, `slice ${slice}`);
          try {
            decodeBlock(page.compression, src, rows * rowBytes, bytes.subarray(at, at + rows * rowBytes));
          } catch (e) {
            if (e instanceof LumenError) throw new LumenError(e.code, `slice ${slice} of ${this.file.path}: ${e.message}`, { cause: e });
            throw e;
          }
        }
      }
      if (this.le !== HOST_LITTLE_ENDIAN) swapBytes(bytes, bpv);
      if (predictor === 2) undoHorizontalPredictor(target, valuesPerRow, planes > 1 ? 1 : spp, h);
      if (planes > 1) for (let i = 0; i < h * w; i++) dest[i * spp + s] = target[i]!;
    }
  }

  /** Uncompressed strips from `first` on: coalesce byte-adjacent strips into single reads. */
  private readRawStrips(page: Page, first: number, dest: Uint8Array): void {
    const need = dest.length;
    let done = 0;
    let i = first;
    while (done < need) {
      if (i >= page.offsets.length) throw new LumenError('truncated', `${this.file.path} has too few pixel bytes in a page`);
      const start = page.offsets[i]!;
      let len = Math.min(page.counts[i]!, need - done);
      i++;
      while (done + len < need && i < page.offsets.length && page.offsets[i] === start + len) {
        len += Math.min(page.counts[i]!, need - done - len);
        i++;
      }
      this.file.read(start, len, 'pixel data', dest.subarray(done, done + len));
      done += len;
    }
  }

  private async readWithGeotiff(page: Page, index: number, dest: TypedArray): Promise<void> {
    const slice = Math.floor(index / this.layout.pageChannels) + 1;
    try {
      if (!this.geotiff) {
        const { fromFile } = await import('geotiff');
        registerSafeDecoders();
        this.geotiff = fromFile(this.file.path);
      }
      const tiff = await this.geotiff;
      const image = await tiff.getImage(page.ifdIndex);
      const raster = (await image.readRasters({ interleave: true })) as unknown as ArrayLike<number>;
      if (raster.length !== dest.length) throw new Error(`decoded ${raster.length} values, expected ${dest.length}`);
      (dest as unknown as { set(a: ArrayLike<number>): void }).set(raster);
    } catch (e) {
      if (e instanceof LumenError) throw e;
      throw new LumenError('damaged', `slice ${slice} of ${this.file.path} could not be decoded (${(e as Error).message ?? String(e)}); the file is damaged`, { cause: e });
    }
  }

  async close(): Promise<void> {
    this.file.close();
    const g = this.geotiff;
    this.geotiff = undefined;
    if (g) {
      try { await (await g).close(); } catch { /* already failed to open; nothing to release */ }
    }
  }
}


function invert(a: TypedArray, dtype: DType): void {
  const max = dtype === 'uint8' ? 0xff : dtype === 'uint16' ? 0xffff : 0xffffffff;
  for (let i = 0; i < a.length; i++) a[i] = max - a[i]!;
}
