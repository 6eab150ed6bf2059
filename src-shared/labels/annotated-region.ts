// Sparse instance annotation: the user marks where every object is drawn. Inside a marked region
// an unlabeled voxel is background; outside it, unknown. With no region marked the whole image
// counts as annotated. A region is a box (a rectangle on one plane, or a 3D box); boxes add up.

import { InstanceDeltaBuilder } from './instance-delta.ts';
import type { InstanceDelta, InstanceLayer } from './instance-layer.ts';

/** Mark (value 1) or unmark (0) the box [lo, hi] (z, y, x, both inclusive, clipped to the layer). */
export function markAnnotatedBox(layer: InstanceLayer, lo: readonly [number, number, number], hi: readonly [number, number, number], value: 0 | 1): InstanceDelta {
  const [Z, Y, X] = layer.shape;
  const b = new InstanceDeltaBuilder(layer, 'annotated');
  const z0 = Math.max(0, Math.min(lo[0], hi[0])), z1 = Math.min(Z - 1, Math.max(lo[0], hi[0]));
  const y0 = Math.max(0, Math.min(lo[1], hi[1])), y1 = Math.min(Y - 1, Math.max(lo[1], hi[1]));
  const x0 = Math.max(0, Math.min(lo[2], hi[2])), x1 = Math.min(X - 1, Math.max(lo[2], hi[2]));
  for (let z = Math.ceil(z0); z <= z1; z++) for (let y = Math.ceil(y0); y <= y1; y++) for (let x = Math.ceil(x0); x <= x1; x++) {
    b.set((z * Y + y) * X + x, value);
  }
  return b.finish();
}

/** Unmark every region: the whole image counts as annotated again. */
export function clearAnnotated(layer: InstanceLayer): InstanceDelta {
  const b = new InstanceDeltaBuilder(layer, 'annotated');
  const a = layer.annotated;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) b.set(i, 0);
  return b.finish();
}

/** The mask training takes: the marked regions, or undefined when none is marked (all annotated). */
export function annotatedMask(layer: InstanceLayer): Uint8Array | undefined {
  return layer.hasRegions ? layer.annotated : undefined;
}
