// What NMS and rasterisation need from a star-convex polygon or polyhedron, whatever its
// dimension: a voxel bounding box, its exact area/volume, radii of a ball inside it and of a
// ball around it (cheap overlap bounds), and a point test. 2D shapes live on the z = 0 plane.

export interface StarShape {
  /** centre in voxel coordinates [z, y, x] (z = 0 in 2D) */
  readonly centre: readonly [number, number, number];
  /** voxels whose centres may be inside: [z0, z1, y0, y1, x0, x1], inclusive, clipped to the image */
  readonly box: readonly [number, number, number, number, number, number];
  /** exact area (2D) or volume (3D) of the polygon/polyhedron, in pixels/voxels */
  readonly size: number;
  /** every point closer than this to the centre is inside */
  readonly rInner: number;
  /** every point farther than this from the centre is outside (the longest ray) */
  readonly rOuter: number;
  readonly dim: 2 | 3;
  /** is the point centre + (oz, oy, ox) inside (boundary included)? */
  contains(oz: number, oy: number, ox: number): boolean;
}

/** the shape's voxels as a 0/1 mask over its box (z, y, x order) and their count */
export function shapeMask(s: StarShape): { mask: Uint8Array; count: number } {
  const [z0, z1, y0, y1, x0, x1] = s.box;
  const [cz, cy, cx] = s.centre;
  const mask = new Uint8Array(Math.max(0, (z1 - z0 + 1) * (y1 - y0 + 1) * (x1 - x0 + 1)));
  let count = 0, i = 0;
  for (let z = z0; z <= z1; z++) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++, i++) {
    if (s.contains(z - cz, y - cy, x - cx)) { mask[i] = 1; count++; }
  }
  return { mask, count };
}

/** voxel range [lo, hi] of centres inside the real interval [a, b], clipped to [0, n-1] */
export function pixelRange(a: number, b: number, n: number): [number, number] {
  const eps = 1e-9;
  return [Math.max(0, Math.ceil(a - eps)), Math.min(n - 1, Math.floor(b + eps))];
}

/** area (2D) or volume (3D) of the intersection of two discs/balls of radii r1, r2 at distance d */
export function ballOverlap(dim: 2 | 3, r1: number, r2: number, d: number): number {
  if (d >= r1 + r2) return 0;
  const r = Math.min(r1, r2), R = Math.max(r1, r2);
  if (d <= R - r) return dim === 2 ? Math.PI * r * r : (4 / 3) * Math.PI * r * r * r;
  if (dim === 3) {
    const s = r1 + r2 - d;
    return (Math.PI * s * s * (d * d + 2 * d * (r1 + r2) - 3 * (r1 - r2) * (r1 - r2))) / (12 * d);
  }
  const a = Math.acos(Math.min(1, Math.max(-1, (d * d + r1 * r1 - r2 * r2) / (2 * d * r1))));
  const b = Math.acos(Math.min(1, Math.max(-1, (d * d + r2 * r2 - r1 * r1) / (2 * d * r2))));
  return r1 * r1 * (a - Math.sin(2 * a) / 2) + r2 * r2 * (b - Math.sin(2 * b) / 2);
}
