// Byte ranges of a gzip-compressed file without inflating all of it: a forward-only inflate
// stream that hands out the requested range and keeps the unread remainder of its last
// chunk. Reading slabs in order (the normal import) inflates the file once, with memory
// bounded by one slab plus one chunk; going backwards restarts from the beginning.
import { Gunzip } from 'fflate';
import { LumenError } from '../errors.ts';
import type { FileBytes } from './file-bytes.ts';

// Small input chunks bound each inflated burst (~64 MB at worst for all-zero data).
const CHUNK = 1 << 16;

export class GzipCursor {
  private stream!: Gunzip;
  private filePos = 0;
  /** uncompressed position of the first byte of `pending` */
  private outPos = 0;
  private pending: Uint8Array = new Uint8Array(0);
  private queue: Uint8Array[] = [];
  private ended = false;

  constructor(private readonly file: FileBytes) {
    this.restart();
  }

  private restart(): void {
    this.filePos = 0;
    this.outPos = 0;
    this.pending = new Uint8Array(0);
    this.queue = [];
    this.ended = false;
    this.stream = new Gunzip((data, final) => {
      if (data.length) this.queue.push(data);
      if (final) this.ended = true;
    });
  }

  /** Inflates one more input chunk; false once the compressed stream is over. */
  private pump(): boolean {
    if (this.ended && this.queue.length === 0) return false;
    while (this.queue.length === 0 && !this.ended) {
      if (this.filePos >= this.file.size) {
        this.ended = true;
        break;
      }
      const n = Math.min(CHUNK, this.file.size - this.filePos);
      const chunk = this.file.read(this.filePos, n, 'compressed data');
      this.filePos += n;
      try {
        this.stream.push(chunk, this.filePos >= this.file.size);
      } catch (e) {
        const msg = (e as Error).message ?? String(e);
        if (/EOF/i.test(msg)) throw new LumenError('truncated', `${this.file.path} ends in the middle of its compressed data; the file is cut short`, { cause: e });
        throw new LumenError('damaged', `${this.file.path} is not valid gzip data past byte ${this.filePos - n} (${msg}); the file is damaged`, { cause: e });
      }
    }
    if (this.queue.length === 0) return false;
    const next = this.queue.shift()!;
    this.outPos += this.pending.length;
    this.pending = next;
    return true;
  }

  /**
   * Copies uncompressed bytes [offset, offset+length) into `into`. Returns how many bytes were
   * available (less than `length` only when the stream ends early).
   */
  read(offset: number, length: number, into: Uint8Array = new Uint8Array(length)): { bytes: Uint8Array; got: number } {
    if (offset < this.outPos) this.restart();
    let got = 0;
    while (got < length) {
      const pendStart = this.outPos, pendEnd = this.outPos + this.pending.length;
      const want = offset + got;
      if (want >= pendStart && want < pendEnd) {
        const from = want - pendStart;
        const n = Math.min(length - got, this.pending.length - from);
        into.set(this.pending.subarray(from, from + n), got);
        got += n;
        continue;
      }
      if (!this.pump()) break;
    }
    return { bytes: into, got };
  }
}
