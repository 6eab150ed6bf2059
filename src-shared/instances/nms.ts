// Non-maximum suppression of star-convex candidates. Candidates are visited from the most to
// the least probable; a candidate is dropped when its IoU with an already kept shape exceeds
// the threshold, otherwise it is kept. (StarDist's rule; kept shapes never get removed.)
//
// IoU = |C∩K| / (|C| + |K| - |C∩K|) with |C|, |K| the exact areas/volumes and |C∩K| the
// number of voxel centres inside both. Most pairs never reach the voxel count:
//  • a spatial hash of kept shapes' boxes means a candidate meets only nearby kept shapes;
//  • centres farther apart than the two longest rays cannot overlap;
//  • the balls inside both shapes (radius rInner) give a lower bound of |C∩K|: duplicates of
//    one object, the bulk of all candidates, are dropped on that bound alone;
//  • the balls around both shapes (rOuter) give an upper bound: distant neighbours are let go;
//  • the voxel count itself walks only K's stored mask and stops as soon as the overlap
//    passes the suppression level.
// 3D NMS is StarDist's known bottleneck; these bounds are what keep it to seconds here.

import type { Rays } from './rays.ts';
import { StarPolygon } from './polygon.ts';
import { StarPolyhedron } from './polyhedron.ts';
import { as3, type Shape } from './shape.ts';
import { ballOverlap, shapeMask, type StarShape } from './star-shape.ts';

export interface Candidate {
  /** voxel coordinates, [y, x] or [z, y, x] */
  centre: readonly number[];
  dists: ArrayLike<number>;
  prob: number;
}

export interface NmsOptions {
  /** suppress when IoU with a kept shape is above this (StarDist default 0.4 in 2D, 0.3 in 3D… any in [0, 1)) */
  nmsThreshold: number;
  rays: Rays;
  /** image shape: clips boxes */
  shape: Shape;
}

export interface NmsStats {
  /** kept shapes met within the spatial hash */
  pairs: number;
  /** pairs settled by the ball bounds */
  byBounds: number;
  /** pairs that needed the voxel count */
  counted: number;
}

export interface NmsResult {
  /** indices into the input, most probable first */
  kept: number[];
  /** the kept shapes and their masks over their boxes, same order as kept */
  shapes: StarShape[];
  masks: Uint8Array[];
  stats: NmsStats;
  /** wall time in milliseconds */
  ms: number;
}

export function nonMaximumSuppression(candidates: readonly Candidate[], opts: NmsOptions): NmsResult {
  const order = candidates.map((_, i) => i).sort((a, b) => candidates[b].prob - candidates[a].prob || a - b);
  const s3 = as3(opts.shape);
  const make = (j: number): StarShape => {
    const c = candidates[order[j]];
    return opts.rays.dim === 2
      ? new StarPolygon([c.centre[0], c.centre[1]], c.dists, opts.rays, [s3[1], s3[2]])
      : new StarPolyhedron([c.centre[0], c.centre[1], c.centre[2]], c.dists, opts.rays, s3);
  };
  const r = suppressSorted(order.length, make, opts.shape, opts.nmsThreshold);
  return { ...r, kept: r.kept.map((j) => order[j]) };
}

const CELL = 16;
const BOUND_MARGIN = 0.05;

/**
 * NMS over candidates already sorted by decreasing probability; `make(j)` builds the j-th.
 * Returns positions j of the kept ones, in order.
 */
export function suppressSorted(count: number, make: (j: number) => StarShape, shape: Shape, threshold: number): NmsResult {
  if (!(threshold >= 0 && threshold < 1)) throw new RangeError(`nmsThreshold must be in [0, 1), got ${threshold}`);
  const t0 = performance.now();
  const s3 = as3(shape);
  const gd = Math.ceil(s3[0] / CELL), gh = Math.ceil(s3[1] / CELL), gw = Math.ceil(s3[2] / CELL);
  const buckets: number[][] = Array.from({ length: gd * gh * gw }, () => []);
  const kept: number[] = [], shapes: StarShape[] = [], masks: Uint8Array[] = [];
  let seen = new Int32Array(1024).fill(-1);
  const stats: NmsStats = { pairs: 0, byBounds: 0, counted: 0 };
  const near: number[] = [];

  for (let j = 0; j < count; j++) {
    const c = make(j);
    const [z0, z1, y0, y1, x0, x1] = c.box;
    if (z1 < z0 || y1 < y0 || x1 < x0) continue; // nothing of it lies in the image
    // Kept shapes met through the hash, nearest centre first: a duplicate is almost always
    // dropped by the kept shape of its own object, before any (full-scan) neighbour check.
    near.length = 0;
    for (let bz = (z0 / CELL) | 0; bz <= ((z1 / CELL) | 0); bz++) {
      for (let by = (y0 / CELL) | 0; by <= ((y1 / CELL) | 0); by++) {
        for (let bx = (x0 / CELL) | 0; bx <= ((x1 / CELL) | 0); bx++) {
          for (const k of buckets[(bz * gh + by) * gw + bx]) {
            if (seen[k] === j) continue; // met through another cell already
            seen[k] = j;
            near.push(k);
          }
        }
      }
    }
    if (near.length > 1) {
      const [cz, cy, cx] = c.centre;
      const d2 = (k: number): number => { const o = shapes[k].centre; return (o[0] - cz) ** 2 + (o[1] - cy) ** 2 + (o[2] - cx) ** 2; };
      near.sort((a, b) => d2(a) - d2(b));
    }
    let suppressed = false;
    for (const k of near) {
      stats.pairs++;
      if (overlaps(c, shapes[k], masks[k], threshold, stats)) { suppressed = true; break; }
    }
    if (suppressed) continue;
    const id = kept.length;
    kept.push(j);
    shapes.push(c);
    masks.push(shapeMask(c).mask);
    if (id >= seen.length) { const s = new Int32Array(seen.length * 2).fill(-1); s.set(seen); seen = s; }
    for (let bz = (z0 / CELL) | 0; bz <= ((z1 / CELL) | 0); bz++) {
      for (let by = (y0 / CELL) | 0; by <= ((y1 / CELL) | 0); by++) {
        for (let bx = (x0 / CELL) | 0; bx <= ((x1 / CELL) | 0); bx++) buckets[(bz * gh + by) * gw + bx].push(id);
      }
    }
  }
  return { kept, shapes, masks, stats, ms: performance.now() - t0 };
}

/** is IoU(c, k) > threshold? k's voxels are given by its mask over its box */
function overlaps(c: StarShape, k: StarShape, kMask: Uint8Array, thr: number, stats: NmsStats): boolean {
  const [cz, cy, cx] = c.centre;
  const ez = cz - k.centre[0], ey = cy - k.centre[1], ex = cx - k.centre[2];
  const d = Math.sqrt(ez * ez + ey * ey + ex * ex); // not Math.hypot: slow in V8
  if (d >= c.rOuter + k.rOuter) return false;
  const S = c.size + k.size;
  if (S <= 0) return false;
  // IoU = x/(S-x) grows with the overlap x, so bounds on x bound the IoU. The bounds are on
  // the continuous overlap while the decision below counts voxel centres, so they only
  // decide with a margin (BOUND_MARGIN in IoU) where the two cannot disagree in practice.
  const lo = ballOverlap(c.dim, c.rInner, k.rInner, d);
  if (lo > 0 && lo / (S - lo) > thr + BOUND_MARGIN) { stats.byBounds++; return true; }
  const hi = Math.min(ballOverlap(c.dim, c.rOuter, k.rOuter, d), c.size, k.size);
  if (hi / (S - hi) <= thr - BOUND_MARGIN) { stats.byBounds++; return false; }
  stats.counted++;
  const need = (thr * S) / (1 + thr); // suppressed iff overlap > need
  const kb = k.box, cb = c.box;
  const z0 = Math.max(kb[0], cb[0]), z1 = Math.min(kb[1], cb[1]);
  const y0 = Math.max(kb[2], cb[2]), y1 = Math.min(kb[3], cb[3]);
  const x0 = Math.max(kb[4], cb[4]), x1 = Math.min(kb[5], cb[5]);
  const kh = kb[3] - kb[2] + 1, kw = kb[5] - kb[4] + 1;
  // First the voxels of K inside C's inscribed ball: in C for sure, no point test needed.
  // For a duplicate this alone often passes `need`; then the rest, testing each against C.
  const ri = c.rInner, ri2 = ri * ri;
  let inter = 0;
  {
    const bz0 = Math.max(z0, Math.ceil(cz - ri)), bz1 = Math.min(z1, Math.floor(cz + ri));
    const by0 = Math.max(y0, Math.ceil(cy - ri)), by1 = Math.min(y1, Math.floor(cy + ri));
    const bx0 = Math.max(x0, Math.ceil(cx - ri)), bx1 = Math.min(x1, Math.floor(cx + ri));
    for (let z = bz0; z <= bz1; z++) {
      for (let y = by0; y <= by1; y++) {
        const row = ((z - kb[0]) * kh + (y - kb[2])) * kw - kb[4];
        const r2 = (z - cz) * (z - cz) + (y - cy) * (y - cy);
        for (let x = bx0; x <= bx1; x++) {
          if (kMask[row + x] && r2 + (x - cx) * (x - cx) <= ri2 && ++inter > need) return true;
        }
      }
    }
  }
  for (let z = z0; z <= z1; z++) {
    for (let y = y0; y <= y1; y++) {
      const row = ((z - kb[0]) * kh + (y - kb[2])) * kw - kb[4];
      const r2 = (z - cz) * (z - cz) + (y - cy) * (y - cy);
      for (let x = x0; x <= x1; x++) {
        if (!kMask[row + x] || r2 + (x - cx) * (x - cx) <= ri2) continue; // counted above
        if (c.contains(z - cz, y - cy, x - cx) && ++inter > need) return true;
      }
    }
  }
  return false;
}
