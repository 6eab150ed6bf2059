// 2D tools work on a plane cut through the volume along one axis, because users paint in
// whichever of the three orthogonal views they are looking at. A plane has rows (u) and
// columns (v): axis z → (y, x), axis y → (z, x), axis x → (z, y), the same layout the
// viewer shows and SparseLabelVolume.readPlane returns.

import type { Shape3 } from './chunk-grid.ts';

export type Axis = 'z' | 'y' | 'x';

export function axisIndex(axis: Axis): 0 | 1 | 2 {
  return axis === 'z' ? 0 : axis === 'y' ? 1 : 2;
}

/** rows, columns of the plane perpendicular to `axis` */
export function planeDims(shape: Shape3, axis: Axis): [number, number] {
  if (axis === 'z') return [shape[1], shape[2]];
  if (axis === 'y') return [shape[0], shape[2]];
  return [shape[0], shape[1]];
}

/** volume coordinates z, y, x of plane point (u, v) on plane `index` along `axis` */
export function planeToVolume(axis: Axis, index: number, u: number, v: number): [number, number, number] {
  if (axis === 'z') return [index, u, v];
  if (axis === 'y') return [u, index, v];
  return [u, v, index];
}

export function assertPlaneIndex(shape: Shape3, axis: Axis, index: number): void {
  const n = shape[axisIndex(axis)];
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`slice ${index} along ${axis} is outside 0..${n - 1}`);
  }
}
