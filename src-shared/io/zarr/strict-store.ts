// A file-system store for zarrita that refuses missing chunks. Zarr reads a missing chunk as the
// fill value, which is right for sparse data but hides a damaged or half-copied input image
// behind zeros; Lumen's inputs are dense, so a missing chunk file is reported by its key.
import FileSystemStore from '@zarrita/storage/fs';
import type { AbsolutePath, AsyncReadable, RangeQuery } from '@zarrita/storage';
import { LumenError } from '../../errors.ts';

const METADATA = /(^|\/)(zarr\.json|\.zarray|\.zattrs|\.zgroup|\.zmetadata)$/;

export class StrictChunkStore implements AsyncReadable {
  readonly #fs: FileSystemStore;
  readonly #root: string;

  constructor(root: string) {
    this.#fs = new FileSystemStore(root);
    this.#root = root;
  }

  async get(key: AbsolutePath): Promise<Uint8Array | undefined> {
    return this.#orFail(key, await this.#fs.get(key));
  }

  async getRange(key: AbsolutePath, range: RangeQuery): Promise<Uint8Array | undefined> {
    return this.#orFail(key, await this.#fs.getRange(key, range));
  }

  #orFail(key: string, bytes: Uint8Array | undefined): Uint8Array | undefined {
    if (bytes !== undefined || METADATA.test(key)) return bytes;
    throw new LumenError('truncated', `the chunk ${key.replace(/^\//, '')} of ${this.#root} is missing (an input image must have every chunk)`);
  }
}
