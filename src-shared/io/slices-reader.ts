// A folder (or list) of 2D images as one volume: file names in natural order are the z axis.
// Only the first image is decoded at open time (to learn shape and type); the rest are
// decoded when their slab is read, and each must match the first.
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { TypedArray, Volume } from '../volume.ts';
import { LumenError } from '../errors.ts';
import { readGif, readPng } from './image2d.ts';
import { naturalSort } from './natural-sort.ts';
import { openTiff } from './tiff-reader.ts';
import { checkSlabRange, slabBuffer, type VolumeInfo, type VolumeReader } from './reader.ts';

const SLICE_EXTENSIONS = new Set(['.tif', '.tiff', '.png', '.gif']);

/** The image files of a folder, naturally sorted; hidden files and other types are ignored. */
export function listSliceFiles(dir: string): string[] {
  const names = readdirSync(dir).filter((n) => !n.startsWith('.') && SLICE_EXTENSIONS.has(extname(n).toLowerCase()));
  const files = naturalSort(names).map((n) => join(dir, n)).filter((p) => statSync(p).isFile());
  if (files.length === 0) throw new LumenError('bad-input', `${dir} contains no TIFF, PNG or GIF images`);
  return files;
}

/** Decodes one 2D image file (a single-page TIFF, PNG or GIF) as a depth-1 volume. */
export async function readImage2d(path: string): Promise<Volume> {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') return readPng(path);
  if (ext === '.gif') return readGif(path);
  const r = await openTiff(path);
  try {
    if (r.info.shape[0] !== 1) throw new LumenError('bad-input', `${path} has ${r.info.shape[0]} slices; a slice folder needs one image per file`);
    return await r.readSlices(0, 1);
  } finally {
    await r.close();
  }
}

export async function openSlices(pathsOrDir: string | readonly string[]): Promise<VolumeReader> {
  const files = typeof pathsOrDir === 'string' ? listSliceFiles(pathsOrDir) : naturalSort(pathsOrDir);
  if (files.length === 0) throw new LumenError('bad-input', 'no slice files given');
  const first = await readImage2d(files[0]!);
  const [, h, w, c] = first.shape;
  const info: VolumeInfo = {
    shape: [files.length, h, w, c], dtype: first.dtype,
    // spacing from a TIFF slice's metadata applies in-plane; z spacing is unknown from names
    geometry: first.geometry, format: 'slices',
    source: { format: 'slices', path: typeof pathsOrDir === 'string' ? pathsOrDir : files[0]!, header: { files: files.length, first: files[0] } },
  };
  return new SlicesReader(files, info, first);
}

class SlicesReader implements VolumeReader {
  constructor(private readonly files: string[], readonly info: VolumeInfo, private cached: Volume | undefined) {}

  async readSlices(z0: number, z1: number, into?: TypedArray): Promise<Volume> {
    checkSlabRange(this.info, z0, z1);
    const [, h, w, c] = this.info.shape;
    const per = h * w * c;
    const out = slabBuffer(this.info, (z1 - z0) * per, into, `slices ${z0}–${z1}`);
    for (let z = z0; z < z1; z++) {
      const file = this.files[z]!;
      const img = z === 0 && this.cached ? this.cached : await readImage2d(file);
      if (z === 0) this.cached = undefined; // only kept to avoid decoding the first file twice
      if (img.shape[1] !== h || img.shape[2] !== w || img.shape[3] !== c || img.dtype !== this.info.dtype) {
        throw new LumenError('shape-mismatch', `${file} is ${img.shape[2]}×${img.shape[1]}×${img.shape[3]} ${img.dtype} but the first slice is ${w}×${h}×${c} ${this.info.dtype}; all slices must match`);
      }
      out.set(img.data as never, (z - z0) * per);
    }
    return { shape: [z1 - z0, h, w, c], dtype: this.info.dtype, data: out, geometry: this.info.geometry, source: this.info.source };
  }

  async close(): Promise<void> {
    this.cached = undefined;
  }
}
