// The label image of the kept shapes, slab by slab: only one slab of labels exists at a time.
// Painting rule as instancesFromPrediction (to-instances.ts): ids 1..count in kept order (most
// probable first), each shape's voxels (its NMS mask) painted where nothing is yet, so the more
// probable shape owns an overlap. Within a slab the shapes meeting it are painted in id order,
// which gives every voxel the same id as painting the whole image at once.
import type { StarShape } from '../star-shape.ts';
import type { Shape3 } from '../shape.ts';

export class SlabPainter {
  /** shape ids (0-based) meeting each slab, in increasing id order */
  private readonly bySlab: Int32Array[];
  /** painted voxels per id (index id - 1): the objects' sizes after overlaps went to the more probable */
  readonly sizes: Float64Array;

  constructor(private readonly shapes: readonly StarShape[], private readonly masks: readonly Uint8Array[], private readonly image: Shape3, readonly slabDepth: number) {
    const slabs = Math.ceil(image[0] / slabDepth);
    const counts = new Int32Array(slabs);
    for (const s of shapes) for (let k = Math.floor(s.box[0] / slabDepth); k <= Math.floor(s.box[1] / slabDepth); k++) counts[k]!++;
    this.bySlab = Array.from(counts, (n) => new Int32Array(n));
    const fill = new Int32Array(slabs);
    shapes.forEach((s, id) => {
      for (let k = Math.floor(s.box[0] / slabDepth); k <= Math.floor(s.box[1] / slabDepth); k++) this.bySlab[k]![fill[k]!++] = id;
    });
    this.sizes = new Float64Array(shapes.length);
  }

  get slabs(): number { return this.bySlab.length; }

  /** slab k's slices [z0, z1) */
  range(k: number): [number, number] {
    return [k * this.slabDepth, Math.min(this.image[0], (k + 1) * this.slabDepth)];
  }

  /** paints slab k into `labels` (zeroed here; length ≥ (z1 - z0)·h·w) */
  paint(k: number, labels: Uint16Array | Uint32Array): void {
    const [z0, z1] = this.range(k);
    const [, h, w] = this.image, hw = h * w;
    labels.fill(0, 0, (z1 - z0) * hw);
    for (const id of this.bySlab[k]!) {
      const [bz0, bz1, by0, by1, bx0, bx1] = this.shapes[id]!.box;
      const mask = this.masks[id]!;
      const bh = by1 - by0 + 1, bw = bx1 - bx0 + 1;
      const label = id + 1;
      let painted = 0;
      for (let z = Math.max(z0, bz0); z <= Math.min(z1 - 1, bz1); z++) {
        for (let y = by0; y <= by1; y++) {
          const row = (z - z0) * hw + y * w;
          let m = ((z - bz0) * bh + (y - by0)) * bw;
          for (let x = bx0; x <= bx1; x++, m++) if (mask[m] && labels[row + x] === 0) { labels[row + x] = label; painted++; }
        }
      }
      this.sizes[id]! += painted;
    }
  }
}
