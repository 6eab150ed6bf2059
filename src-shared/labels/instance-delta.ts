// Building and handling InstanceDeltas. An op says what each voxel should become through an
// InstanceDeltaBuilder; the builder reads the value it has now, so the finished delta records
// before and after and undo is exact. The builder never writes the layer: the caller commits the
// delta (to the project first, then in memory), as with the class labels.

import { checkInstanceValue, type InstanceDelta, type InstanceLayer, type InstancePlane } from './instance-layer.ts';

const MAX_UNSORTED = 1 << 21; // keeps offset·2²¹ + index exact in a float64 sort key (offsets < 2³²)

export class InstanceDeltaBuilder {
  private n = 0;
  private offsets = new Uint32Array(64);
  private after = new Uint32Array(64);
  private sorted = true;
  private last = -1;
  private readonly data: Uint32Array | Uint8Array;

  constructor(readonly layer: InstanceLayer, readonly plane: InstancePlane = 'ids') {
    this.data = layer.plane(plane);
  }

  /** Voxel `i` (offset in z, y, x order) should become `value`; the last call for a voxel wins. */
  set(i: number, value: number): void {
    if (this.sorted && i > this.last && this.data[i] === value) return; // unchanged, never recorded
    checkInstanceValue(this.plane, value);
    if (!(i >= 0 && i < this.data.length)) throw new RangeError(`voxel ${i} is outside the layer`);
    if (this.n === this.offsets.length) {
      const o = new Uint32Array(this.n * 2); o.set(this.offsets); this.offsets = o;
      const a = new Uint32Array(this.n * 2); a.set(this.after); this.after = a;
    }
    if (i <= this.last) this.sorted = false;
    this.last = Math.max(this.last, i);
    this.offsets[this.n] = i; this.after[this.n] = value; this.n++;
  }

  finish(): InstanceDelta {
    let order: ArrayLike<number>;
    if (this.sorted) {
      order = Uint32Array.from({ length: this.n }, (_, k) => k);
    } else {
      if (this.n >= MAX_UNSORTED) throw new RangeError(`an instance edit wrote more than ${MAX_UNSORTED} voxels out of order`);
      const keys = new Float64Array(this.n);
      for (let k = 0; k < this.n; k++) keys[k] = this.offsets[k]! * MAX_UNSORTED + k;
      keys.sort();
      const keep: number[] = [];
      for (let j = 0; j < keys.length; j++) {
        const k = keys[j]! % MAX_UNSORTED;
        const nextSame = j + 1 < keys.length && Math.floor(keys[j + 1]! / MAX_UNSORTED) === this.offsets[k];
        if (!nextSame) keep.push(k); // the last write of each voxel
      }
      order = keep;
    }
    let m = 0;
    for (let j = 0; j < order.length; j++) { const k = order[j]!; if (this.data[this.offsets[k]!] !== this.after[k]) m++; }
    const offsets = new Uint32Array(m), before = new Uint32Array(m), after = new Uint32Array(m);
    for (let j = 0, q = 0; j < order.length; j++) {
      const k = order[j]!, o = this.offsets[k]!;
      if (this.data[o] === this.after[k]) continue;
      offsets[q] = o; before[q] = this.data[o]!; after[q] = this.after[k]!; q++;
    }
    const [Z, Y, X] = this.layer.shape;
    return { shape: [Z, Y, X], plane: this.plane, offsets, before, after };
  }
}

export function isEmptyInstanceDelta(d: InstanceDelta): boolean {
  return d.offsets.length === 0;
}

/** The delta that undoes `d`. */
export function invertInstanceDelta(d: InstanceDelta): InstanceDelta {
  return { shape: d.shape, plane: d.plane, offsets: d.offsets, before: d.after, after: d.before };
}
