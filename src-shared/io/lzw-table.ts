// The string table that both LZW decoders (TIFF strips and GIF frames) grow as they read codes.
// The formats differ only in bit order, code widths and their special codes, which stay with each
// decoder; the table is where a damaged stream must be caught, so it lives in one place.
import { LumenError } from '../errors.ts';

const MAX_CODES = 4096; // 12-bit codes

export class LzwTable {
  private readonly prefix = new Int16Array(MAX_CODES);
  private readonly suffix = new Uint8Array(MAX_CODES);
  private readonly first = new Uint8Array(MAX_CODES);
  private readonly length = new Uint16Array(MAX_CODES);
  /** the code the next new string gets */
  next: number;

  /** `roots` single-byte strings (codes 0 … roots-1); new strings start at `firstFree`. */
  constructor(private readonly roots: number, private readonly firstFree: number) {
    for (let i = 0; i < roots; i++) { this.prefix[i] = -1; this.suffix[i] = i; this.first[i] = i; this.length[i] = 1; }
    this.next = firstFree;
  }

  /** Forgets every string added since the start (a clear code). */
  reset(): void {
    this.next = this.firstFree;
  }

  /**
   * The string a code stands for, given the previous code (-1 after a clear), adding "previous
   * string + first byte of this one" to the table as the decoder must. Throws on a code that is not
   * defined yet: the stream is damaged, and guessing would write garbage into the image.
   */
  decode(old: number, code: number, what: string): number {
    if (old === -1) {
      if (code >= this.roots) throw new LumenError('damaged', `${what} starts with an invalid code; the file is damaged`);
      return code;
    }
    if (code < this.next) {
      if (this.next < MAX_CODES) this.add(old, this.first[code]!);
      return code;
    }
    if (code === this.next && this.next < MAX_CODES) {
      this.add(old, this.first[old]!);
      return code;
    }
    throw new LumenError('damaged', `${what} refers to code ${code} before it is defined; the file is damaged`);
  }

  /** Writes the string of `entry` at out[o …], clipped to the output; returns o + its length. */
  write(entry: number, out: Uint8Array, o: number): number {
    const len = this.length[entry]!;
    let c = entry;
    // the table links each string to its prefix, so the bytes come out last to first
    for (let k = len - 1; k >= 0; k--) {
      if (o + k < out.length) out[o + k] = this.suffix[c]!;
      c = this.prefix[c]!;
    }
    return o + len;
  }

  private add(old: number, byte: number): void {
    const n = this.next++;
    this.prefix[n] = old;
    this.suffix[n] = byte;
    this.first[n] = this.first[old]!;
    this.length[n] = this.length[old]! + 1;
  }
}
