// Every file of an OME-Zarr written by Lumen appears whole or not at all: it is written under a
// hidden temporary name in the same folder and renamed, which is atomic on one file system. A
// reader (napari, a second Lumen) that looks while a pyramid is being written never sees half a chunk.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LumenError } from '../../errors.ts';

let counter = 0;

export function writeFileAtomic(file: string, bytes: Uint8Array | string): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${counter++}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new LumenError('bad-input', `cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? e})`, { cause: e });
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
