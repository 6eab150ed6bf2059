// OME-Zarr as a VolumeWriter (what `lumen convert` and writeVolume use). Slabs arrive in z order
// and are buffered up to one chunk row, which is then cut into chunks; close() builds the pyramid.
// Everything is written into a hidden folder beside the output and renamed into place at the end,
// so an interrupted or failed write leaves nothing under the output's name.
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DType, Geometry, Shape4, TypedArray, Volume } from '../../volume.ts';
import { allocate } from '../../volume.ts';
import { LumenError } from '../../errors.ts';
import type { VolumeWriter } from '../writer.ts';
import { looksLikeZarr } from './ngff-group.ts';
import { buildPyramid } from './pyramid.ts';
import { createOmeZarr, openOmeZarrForWrite, type OmeZarrWriteHandle } from './zarr-store-write.ts';
import type { Vec3 } from './zarr-reader.ts';

export interface OmeZarrWriteOptions {
  chunks?: Vec3;
  zarrFormat?: 2 | 3;
  /** a label map: lower levels take the most frequent label instead of the mean */
  labels?: boolean;
  levels?: number;
}

let serial = 0;

export class OmeZarrWriter implements VolumeWriter {
  readonly #path: string;
  readonly #staging: string;
  readonly #spec: { shape: Shape4; dtype: DType };
  readonly #labels: boolean;
  readonly #out: OmeZarrWriteHandle;
  readonly #row: TypedArray;
  /** slices received so far, and how many of them sit in #row */
  #z = 0;
  #buffered = 0;
  #done = false;

  constructor(outPath: string, spec: { shape: Shape4; dtype: DType; geometry: Geometry }, options: OmeZarrWriteOptions = {}) {
    this.#path = path.resolve(outPath);
    this.#spec = spec;
    this.#labels = !!options.labels;
    refuseToReplace(this.#path);
    this.#staging = path.join(path.dirname(this.#path), `.${path.basename(this.#path)}.partial-${process.pid}-${serial++}`);
    try {
      createOmeZarr(this.#staging, { ...spec, chunks: options.chunks, zarrFormat: options.zarrFormat, levels: options.levels, name: path.basename(this.#path).replace(/(\.ome)?\.zarr$/i, '') });
      this.#out = openOmeZarrForWrite(this.#staging);
    } catch (e) {
      this.abort();
      throw e;
    }
    const [, h, w, c] = spec.shape;
    this.#row = allocate(spec.dtype, this.#out.chunks[0] * h * w * c);
  }

  writeSlices(slab: Volume): void {
    const [d, h, w, c] = this.#spec.shape;
    const [sd, sh, sw, sc] = slab.shape;
    if (sh !== h || sw !== w || sc !== c || slab.dtype !== this.#spec.dtype) {
      throw new LumenError('shape-mismatch', `a slab of ${sh}×${sw}×${sc} ${slab.dtype} does not fit an image of ${h}×${w}×${c} ${this.#spec.dtype}`);
    }
    if (this.#z + sd > d) throw new LumenError('shape-mismatch', `${this.#path} has ${d} slices; ${this.#z + sd} were written`);
    const plane = h * w * c;
    const cz = this.#out.chunks[0];
    for (let s = 0; s < sd;) {
      const take = Math.min(sd - s, cz - this.#buffered);
      this.#row.set(slab.data.subarray(s * plane, (s + take) * plane), this.#buffered * plane);
      s += take; this.#z += take; this.#buffered += take;
      if (this.#buffered === cz || this.#z === d) this.#flushRow();
    }
  }

  #flushRow(): void {
    const cz = this.#out.chunks[0];
    this.#out.writeChunkRow(0, Math.floor((this.#z - 1) / cz), this.#row);
    this.#buffered = 0;
  }

  close(): void {
    if (this.#done) return;
    if (this.#z !== this.#spec.shape[0]) throw new LumenError('shape-mismatch', `${this.#path} has ${this.#spec.shape[0]} slices but only ${this.#z} were written`);
    buildPyramid(this.#staging, { labels: this.#labels });
    // replace an earlier OME-Zarr of the same name only now that the new one is complete
    const old = `${this.#staging}.old`;
    if (existsSync(this.#path)) renameSync(this.#path, old);
    renameSync(this.#staging, this.#path);
    rmSync(old, { recursive: true, force: true });
    this.#done = true;
  }

  abort(): void {
    if (this.#done) return;
    rmSync(this.#staging, { recursive: true, force: true });
    this.#done = true;
  }
}

/** An existing OME-Zarr may be overwritten (like a file); any other folder or file is not. */
function refuseToReplace(p: string): void {
  if (!existsSync(p)) return;
  if (statSync(p).isDirectory() && looksLikeZarr(p)) return;
  throw new LumenError('bad-input', `cannot write ${p}: it exists and is not an OME-Zarr image (choose another name)`);
}
