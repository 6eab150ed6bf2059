// The instance layer of one image, for StarDist-style training: a whole id per voxel (0 = nothing
// drawn, k = object k; up to 2³²-1, so far beyond the class labels' 255) and the regions the user
// marked as fully annotated (every object there is drawn, so an unlabeled voxel there is
// background). No region marked means the whole image is annotated.
//
// Dense in memory (4 + 1 bytes per voxel): the ops below read neighbours and whole objects, and an
// instance image is the size of its image. Edits are InstanceDeltas, exact and reversible, like
// the class labels' deltas.

import { LumenError } from '../errors.ts';
import type { Shape3 } from './chunk-grid.ts';

/** Largest object id the layer holds (ids are stored as uint32). */
export const MAX_INSTANCE_ID = 0xffffffff;

/** The two planes of a layer: the object ids, and the fully-annotated regions (0 or 1). */
export type InstancePlane = 'ids' | 'annotated';

export interface InstanceDelta {
  readonly shape: Shape3;
  readonly plane: InstancePlane;
  /** strictly increasing voxel offsets (z, y, x order) */
  readonly offsets: Uint32Array;
  readonly before: Uint32Array;
  readonly after: Uint32Array;
}

export type InstanceDirection = 'forward' | 'backward';

export function checkInstanceValue(plane: InstancePlane, v: number): void {
  const max = plane === 'ids' ? MAX_INSTANCE_ID : 1;
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(plane === 'ids' ? `object id ${v} is not a whole number in 0..${MAX_INSTANCE_ID}` : `an annotated-region value must be 0 or 1, not ${v}`);
  }
}

export class InstanceLayer {
  readonly shape: Shape3;
  readonly ids: Uint32Array;
  readonly annotated: Uint8Array;
  private marked: number;

  /** Takes ownership of `ids` and `annotated` when given (no copy). */
  constructor(shape: Shape3, ids?: Uint32Array, annotated?: Uint8Array) {
    for (const d of shape) if (!Number.isInteger(d) || d <= 0) throw new RangeError(`instance layer shape ${shape.join('×')} must be positive integers`);
    const n = shape[0] * shape[1] * shape[2];
    if (n > 2 ** 32) throw new LumenError('too-large', `an instance layer of ${shape.join('×')} voxels is beyond the 2³² voxels one layer holds`);
    this.shape = [shape[0], shape[1], shape[2]];
    if ((ids && ids.length !== n) || (annotated && annotated.length !== n)) {
      throw new LumenError('shape-mismatch', `an instance layer of ${shape.join('×')} needs ${n} voxels per plane`);
    }
    this.ids = ids ?? new Uint32Array(n);
    this.annotated = annotated ?? new Uint8Array(n);
    let m = 0;
    for (let i = 0; i < n; i++) if (this.annotated[i] !== 0) m++;
    this.marked = m;
  }

  get voxelCount(): number { return this.ids.length; }

  index(z: number, y: number, x: number): number {
    const [Z, Y, X] = this.shape;
    if (!(z >= 0 && y >= 0 && x >= 0 && z < Z && y < Y && x < X)) throw new RangeError(`voxel ${z},${y},${x} is outside ${Z}×${Y}×${X}`);
    return (z * Y + y) * X + x;
  }

  idAt(z: number, y: number, x: number): number {
    return this.ids[this.index(z, y, x)]!;
  }

  plane(p: InstancePlane): Uint32Array | Uint8Array {
    return p === 'ids' ? this.ids : this.annotated;
  }

  /** Some region is marked as fully annotated (otherwise the whole image counts as annotated). */
  get hasRegions(): boolean { return this.marked > 0; }

  /** Voxels marked as fully annotated. */
  get markedVoxels(): number { return this.marked; }

  /**
   * Apply an edit (forward = do / redo, backward = undo). Every voxel is checked before any is
   * written, so a delta made from other contents leaves the layer untouched.
   */
  applyDelta(d: InstanceDelta, direction: InstanceDirection = 'forward'): void {
    const [Z, Y, X] = this.shape;
    if (d.shape[0] !== Z || d.shape[1] !== Y || d.shape[2] !== X) {
      throw new LumenError('shape-mismatch', `an instance edit for ${d.shape.join('×')} cannot apply to a layer of ${this.shape.join('×')}`);
    }
    const data = this.plane(d.plane);
    const from = direction === 'forward' ? d.before : d.after, to = direction === 'forward' ? d.after : d.before;
    for (let k = 0; k < d.offsets.length; k++) {
      const o = d.offsets[k]!;
      if (o >= data.length || data[o] !== from[k]) {
        throw new LumenError('damaged', `an instance edit does not match the layer it is applied to (voxel ${o}: found ${data[o]}, expected ${from[k]})`);
      }
    }
    let marked = 0;
    for (let k = 0; k < d.offsets.length; k++) {
      data[d.offsets[k]!] = to[k]!;
      marked += (to[k] !== 0 ? 1 : 0) - (from[k] !== 0 ? 1 : 0);
    }
    if (d.plane === 'annotated') this.marked += marked;
  }

  clone(): InstanceLayer {
    return new InstanceLayer(this.shape, this.ids.slice(), this.annotated.slice());
  }
}
