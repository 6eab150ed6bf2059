// The byte streams of the stored label edits (class deltas and instance deltas): bytes and
// unsigned LEB128 varints, written into a growing buffer and read back with a one-line
// 'damaged' error that names the byte where a stored edit stops making sense. Each codec adds
// its own run-length encoding of values on top.
import { LumenError } from '../errors.ts';

export class VarintWriter {
  buf = new Uint8Array(256);
  pos = 0;

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned LEB128; arithmetic rather than bit ops so values above 2³¹ survive. */
  varint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class VarintReader {
  pos = 0;
  /** `what`: the kind of stored edit, for the error ("label edit", "instance edit") */
  constructor(protected readonly buf: Uint8Array, private readonly what: string) {}

  fail(why: string): never {
    throw new LumenError('damaged', `a stored ${this.what} is damaged (${why} at byte ${this.pos})`);
  }

  byte(): number {
    if (this.pos >= this.buf.length) this.fail('unexpected end');
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let v = 0, scale = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 49) this.fail('varint too long');
    }
  }

  get done(): boolean { return this.pos === this.buf.length; }
}
