// Star-convex polygons: vertex k is centre + d_k·ray_k. The polygon is the union of the n
// triangles (centre, vertex k, vertex k+1), which is what makes the point test cheap: the
// angle of a point picks its triangle, and two cone coordinates decide inside/outside.

import type { Rays2D } from './rays.ts';
import { pixelRange, type StarShape } from './star-shape.ts';

/** vertices as n×2 [y, x], in ray order */
export function polygonVertices(centre: readonly [number, number], dists: ArrayLike<number>, rays: Rays2D): Float64Array {
  const v = new Float64Array(2 * rays.n);
  for (let k = 0; k < rays.n; k++) {
    v[2 * k] = centre[0] + dists[k] * rays.dirs[2 * k];
    v[2 * k + 1] = centre[1] + dists[k] * rays.dirs[2 * k + 1];
  }
  return v;
}

/** exact area: sum of the n triangles ½·d_k·d_{k+1}·sin(2π/n) (for any ray set, ½|r_k × r_{k+1}|) */
export function polygonArea(dists: ArrayLike<number>, rays: Rays2D): number {
  let a = 0;
  const n = rays.n, r = rays.dirs;
  for (let k = 0; k < n; k++) {
    const j = (k + 1) % n;
    a += 0.5 * dists[k] * dists[j] * Math.abs(r[2 * k + 1] * r[2 * j] - r[2 * k] * r[2 * j + 1]);
  }
  return a;
}

export class StarPolygon implements StarShape {
  readonly dim = 2 as const;
  readonly centre: readonly [number, number, number];
  readonly box: readonly [number, number, number, number, number, number];
  readonly size: number;
  readonly rInner: number;
  readonly rOuter: number;
  private readonly d: Float64Array;
  private readonly rays: Rays2D;
  private readonly sectorScale: number;

  /** `imageShape` [h, w] clips the box; distances are clamped at 0 */
  constructor(centre: readonly [number, number], dists: ArrayLike<number>, rays: Rays2D, imageShape: readonly [number, number]) {
    const n = rays.n, r = rays.dirs;
    this.rays = rays;
    this.d = new Float64Array(n);
    for (let k = 0; k < n; k++) this.d[k] = Math.max(0, dists[k]);
    this.centre = [0, centre[0], centre[1]];
    let ymin = 0, ymax = 0, xmin = 0, xmax = 0, rOuter = 0, rInner = Infinity;
    for (let k = 0; k < n; k++) {
      const dk = this.d[k], y = dk * r[2 * k], x = dk * r[2 * k + 1];
      if (y < ymin) ymin = y; if (y > ymax) ymax = y;
      if (x < xmin) xmin = x; if (x > xmax) xmax = x;
      if (dk > rOuter) rOuter = dk;
      // distance from the centre to the edge line through vertices k and k+1
      const j = (k + 1) % n, dj = this.d[j];
      const y2 = dj * r[2 * j], x2 = dj * r[2 * j + 1];
      const len = Math.sqrt((y2 - y) * (y2 - y) + (x2 - x) * (x2 - x));
      const h = len > 0 ? Math.abs(x * y2 - y * x2) / len : Math.min(dk, dj);
      if (h < rInner) rInner = h;
    }
    this.rOuter = rOuter;
    this.rInner = rInner;
    this.size = polygonArea(this.d, rays);
    const [y0, y1] = pixelRange(centre[0] + ymin, centre[0] + ymax, imageShape[0]);
    const [x0, x1] = pixelRange(centre[1] + xmin, centre[1] + xmax, imageShape[1]);
    this.box = [0, 0, y0, y1, x0, x1];
    this.sectorScale = n / (2 * Math.PI);
  }

  contains(_oz: number, oy: number, ox: number): boolean {
    const rr = oy * oy + ox * ox;
    if (rr <= this.rInner * this.rInner) return true; // also the centre itself
    if (rr > this.rOuter * this.rOuter * (1 + 1e-9)) return false;
    const n = this.rays.n, r = this.rays.dirs, d = this.d;
    // Rays are at angles 2πk/n with [y, x] = [sin, cos]: the angle gives the sector directly.
    let t = Math.atan2(oy, ox);
    if (t < 0) t += 2 * Math.PI;
    let k = Math.floor(t * this.sectorScale);
    if (k >= n) k = n - 1;
    const j = k + 1 === n ? 0 : k + 1;
    const ay = r[2 * k], ax = r[2 * k + 1], by = r[2 * j], bx = r[2 * j + 1];
    // p = α·a + β·b (cone coordinates); inside the triangle (0, d_k a, d_j b) iff α/d_k + β/d_j ≤ 1
    const det = ax * by - ay * bx;
    const alpha = (ox * by - oy * bx) / det, beta = (ax * oy - ay * ox) / det;
    const dk = d[k], dj = d[j];
    return alpha * dj + beta * dk <= dk * dj * (1 + 1e-9) + 1e-12;
  }
}
