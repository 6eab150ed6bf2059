// Random access to a file by byte ranges, so multi-GB stacks are never read whole.
// Every read is checked against the real file size: a header that points past the end
// becomes a 'truncated' LumenError instead of a short read or a huge allocation.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { LumenError } from '../errors.ts';

export class FileBytes {
  readonly size: number;
  private fd: number | undefined;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      throw new LumenError('bad-input', `cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
    }
    this.size = fstatSync(this.fd).size;
  }

  /** True when [offset, offset+length) lies inside the file. */
  has(offset: number, length: number): boolean {
    return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= this.size;
  }

  /** Fills `into` (or a new buffer) with `length` bytes from `offset`; throws 'truncated' if the file is shorter. */
  read(offset: number, length: number, what = 'data', into?: Uint8Array): Uint8Array {
    if (this.fd === undefined) throw new LumenError('bad-input', `${this.path} is already closed`);
    if (!this.has(offset, length)) {
      throw new LumenError('truncated', `${what} lies at bytes ${offset}–${offset + length} but ${this.path} ends at byte ${this.size}; the file is cut short or damaged`);
    }
    const buf = into ?? new Uint8Array(length);
    let done = 0;
    while (done < length) {
      // readSync takes at most 2 GB per call; loop for larger ranges.
      const n = readSync(this.fd, buf, done, Math.min(length - done, 1 << 30), offset + done);
      if (n <= 0) throw new LumenError('truncated', `${this.path} ended while reading ${what}`);
      done += n;
    }
    return buf;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
