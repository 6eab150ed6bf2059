// Rasterising tubes. A tube segment runs from a to b (world coordinates z, y, x; world units
// are usually in-plane voxels) with a radius interpolated linearly from ra to rb along it: a
// tapered capsule. A voxel whose centre lies within r(t) of the closest axis point a + t(b − a),
// t clamped to [0, 1], is labelled; occupancy is a soft partial-volume ramp one world unit wide
// around the same surface, so label = (occupancy ≥ 0.5) exactly. Only the segment's bounding
// box is visited.
import type { Shape3 } from './fields.ts';

export type Vec3 = [number, number, number];

export interface TubeSegment {
  a: Vec3; b: Vec3;
  ra: number; rb: number;
  /** branching generation (0 = root trunk); anastomoses keep the generation of their tip */
  generation: number;
  /** index of the branch this segment belongs to (see VesselTree.branches) */
  branch: number;
}

/** Target grids: `spacing` is the voxel size along z, y, x in world units. */
export interface TubeGrid {
  shape: Shape3;
  spacing: readonly [number, number, number];
  label: Uint8Array;
  occupancy: Float32Array;
  /** optional: max over tubes of 1 − d/r (1 on the axis, 0 on the wall) */
  centre?: Float32Array;
  /** optional: radius of the tube that set `centre` */
  radius?: Float32Array;
}

export function makeGrid(shape: Shape3, spacing: readonly [number, number, number] = [1, 1, 1], withCentre = false): TubeGrid {
  const n = shape[0] * shape[1] * shape[2];
  const g: TubeGrid = { shape, spacing, label: new Uint8Array(n), occupancy: new Float32Array(n) };
  if (withCentre) { g.centre = new Float32Array(n); g.radius = new Float32Array(n); }
  return g;
}

/** Distance from p to segment ab and the clamped parameter t of the closest point. */
export function segmentDistance(p: readonly number[], a: readonly number[], b: readonly number[]): { d: number; t: number } {
  const abz = b[0]! - a[0]!, aby = b[1]! - a[1]!, abx = b[2]! - a[2]!;
  const pz = p[0]! - a[0]!, py = p[1]! - a[1]!, px = p[2]! - a[2]!;
  const L2 = abz * abz + aby * aby + abx * abx;
  let t = L2 > 0 ? (pz * abz + py * aby + px * abx) / L2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const dz = pz - t * abz, dy = py - t * aby, dx = px - t * abx;
  return { d: Math.sqrt(dz * dz + dy * dy + dx * dx), t };
}

/** Draws one tapered capsule into the grid (max-combining occupancy, OR-ing labels). */
export function drawTube(g: TubeGrid, a: readonly number[], b: readonly number[], ra: number, rb: number): void {
  const [Z, Y, X] = g.shape, [sz, sy, sx] = g.spacing;
  const rmax = Math.max(ra, rb) + 0.5; // the occupancy ramp reaches half a unit beyond the surface
  const lo = (c: number, s: number) => Math.max(0, Math.ceil((c - rmax) / s));
  const hi = (c: number, s: number, n: number) => Math.min(n - 1, Math.floor((c + rmax) / s));
  const z0 = lo(Math.min(a[0]!, b[0]!), sz), z1 = hi(Math.max(a[0]!, b[0]!), sz, Z);
  const y0 = lo(Math.min(a[1]!, b[1]!), sy), y1 = hi(Math.max(a[1]!, b[1]!), sy, Y);
  const x0 = lo(Math.min(a[2]!, b[2]!), sx), x1 = hi(Math.max(a[2]!, b[2]!), sx, X);
  if (z0 > z1 || y0 > y1 || x0 > x1) return;
  const az = a[0]!, ay = a[1]!, ax = a[2]!;
  const abz = b[0]! - az, aby = b[1]! - ay, abx = b[2]! - ax;
  const L2 = abz * abz + aby * aby + abx * abx;
  const inv = L2 > 0 ? 1 / L2 : 0;
  const dr = rb - ra;
  const { label, occupancy, centre, radius } = g;
  for (let z = z0; z <= z1; z++) {
    const pz = z * sz - az;
    for (let y = y0; y <= y1; y++) {
      const py = y * sy - ay;
      const pzy = pz * abz + py * aby;
      const row = (z * Y + y) * X;
      for (let x = x0; x <= x1; x++) {
        const px = x * sx - ax;
        let t = (pzy + px * abx) * inv;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const dz = pz - t * abz, dy = py - t * aby, dx = px - t * abx;
        const d2 = dz * dz + dy * dy + dx * dx;
        if (d2 > rmax * rmax) continue;
        const r = ra + t * dr;
        const d = Math.sqrt(d2);
        const i = row + x;
        let occ = 0.5 + (r - d);
        if (occ > 1) occ = 1;
        if (occ > occupancy[i]!) occupancy[i] = occ;
        if (d <= r) {
          label[i] = 1;
          if (centre) {
            const c = 1 - d / r;
            if (c > centre[i]!) { centre[i] = c; radius![i] = r; }
          }
        }
      }
    }
  }
}

export function drawSegments(g: TubeGrid, segments: readonly TubeSegment[]): void {
  for (const s of segments) drawTube(g, s.a, s.b, s.ra, s.rb);
}

/** Solid ellipsoid-like blob given by an inside function; used for somata. */
export function drawBall(g: TubeGrid, c: readonly number[], r: number): void {
  drawTube(g, c, c, r, r);
}
