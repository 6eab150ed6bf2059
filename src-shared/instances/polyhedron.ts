// Star-convex polyhedra: vertex k is centre + d_k·ray_k, faces are the ray set's hull
// triangles. The solid is the union of tetrahedra (centre, A, B, C) over the faces. A point
// is inside iff, in the cone of the face its direction falls in (found by the ray set's
// cube-map lookup), its cone coordinates p = α·a + β·b + γ·c satisfy α/d_a + β/d_b + γ/d_c ≤ 1,
// i.e. it lies on the centre's side of the face plane. Exact, no interpolation of distances.

import type { Rays3D } from './rays.ts';
import { cellOf, findFace } from './face-lookup.ts';
import { pixelRange, type StarShape } from './star-shape.ts';

/** vertices as n×3 [z, y, x], in ray order (faces: rays.faces) */
export function polyhedronVertices(centre: readonly [number, number, number], dists: ArrayLike<number>, rays: Rays3D): Float64Array {
  const v = new Float64Array(3 * rays.n);
  for (let k = 0; k < rays.n; k++) for (let a = 0; a < 3; a++) v[3 * k + a] = centre[a] + dists[k] * rays.dirs[3 * k + a];
  return v;
}

/** exact volume: sum over faces of det(A, B, C)/6 with A = d_a·a etc. (outward faces ⇒ det ≥ 0) */
export function polyhedronVolume(dists: ArrayLike<number>, rays: Rays3D): number {
  let v = 0;
  const f = rays.faces, r = rays.dirs;
  for (let i = 0; i < f.length; i += 3) {
    const a = 3 * f[i], b = 3 * f[i + 1], c = 3 * f[i + 2];
    const det = r[a] * (r[b + 1] * r[c + 2] - r[b + 2] * r[c + 1]) - r[a + 1] * (r[b] * r[c + 2] - r[b + 2] * r[c]) + r[a + 2] * (r[b] * r[c + 1] - r[b + 1] * r[c]);
    v += (Math.max(0, dists[f[i]]) * Math.max(0, dists[f[i + 1]]) * Math.max(0, dists[f[i + 2]]) * det) / 6;
  }
  return v;
}

export class StarPolyhedron implements StarShape {
  readonly dim = 3 as const;
  readonly centre: readonly [number, number, number];
  readonly box: readonly [number, number, number, number, number, number];
  readonly size: number;
  readonly rInner: number;
  readonly rOuter: number;
  private readonly rays: Rays3D;
  // hot-path copies: contains() runs per voxel
  private readonly inv: Float64Array;
  private readonly start: Int32Array;
  private readonly cand: Int32Array;
  /** the three distances of each face, face-major */
  private readonly faceD: Float64Array;
  private readonly rInner2: number;
  private readonly rOuter2: number;
  private lastFace = 0;

  /** `imageShape` [d, h, w] clips the box; distances are clamped at 0 */
  constructor(centre: readonly [number, number, number], dists: ArrayLike<number>, rays: Rays3D, imageShape: readonly [number, number, number]) {
    const n = rays.n, r = rays.dirs;
    this.rays = rays;
    const d = new Float64Array(n);
    for (let k = 0; k < n; k++) d[k] = Math.max(0, dists[k]);
    this.centre = [centre[0], centre[1], centre[2]];
    const lo = [0, 0, 0], hi = [0, 0, 0];
    let rOuter = 0;
    for (let k = 0; k < n; k++) {
      for (let a = 0; a < 3; a++) {
        const c = d[k] * r[3 * k + a];
        if (c < lo[a]) lo[a] = c; if (c > hi[a]) hi[a] = c;
      }
      if (d[k] > rOuter) rOuter = d[k];
    }
    // inner radius: nearest face plane (each face seen from the centre)
    let rInner = Infinity;
    const f = rays.faces;
    for (let i = 0; i < f.length; i += 3) {
      const a = 3 * f[i], b = 3 * f[i + 1], c = 3 * f[i + 2];
      const da = d[f[i]], db = d[f[i + 1]], dc = d[f[i + 2]];
      const Az = da * r[a], Ay = da * r[a + 1], Ax = da * r[a + 2];
      const uz = db * r[b] - Az, uy = db * r[b + 1] - Ay, ux = db * r[b + 2] - Ax;
      const vz = dc * r[c] - Az, vy = dc * r[c + 1] - Ay, vx = dc * r[c + 2] - Ax;
      const nz = uy * vx - ux * vy, ny = ux * vz - uz * vx, nx = uz * vy - uy * vz;
      const len = Math.sqrt(nz * nz + ny * ny + nx * nx); // not Math.hypot: slow in V8, runs per candidate
      const h = len > 0 ? Math.abs(nz * Az + ny * Ay + nx * Ax) / len : Math.min(da, db, dc);
      if (h < rInner) rInner = h;
    }
    this.rInner = rInner;
    this.rOuter = rOuter;
    this.rInner2 = rInner * rInner;
    this.rOuter2 = rOuter * rOuter * (1 + 1e-9);
    this.inv = rays.lookup.inv;
    this.start = rays.lookup.start;
    this.cand = rays.lookup.cand;
    this.faceD = new Float64Array(f.length);
    for (let i = 0; i < f.length; i++) this.faceD[i] = d[f[i]];
    this.size = polyhedronVolume(d, rays);
    const [z0, z1] = pixelRange(centre[0] + lo[0], centre[0] + hi[0], imageShape[0]);
    const [y0, y1] = pixelRange(centre[1] + lo[1], centre[1] + hi[1], imageShape[1]);
    const [x0, x1] = pixelRange(centre[2] + lo[2], centre[2] + hi[2], imageShape[2]);
    this.box = [z0, z1, y0, y1, x0, x1];
  }

  contains(oz: number, oy: number, ox: number): boolean {
    const rr = oz * oz + oy * oy + ox * ox;
    if (rr <= this.rInner2) return true;
    if (rr > this.rOuter2) return false;
    // Face of the direction: the previous answer first (scans visit neighbouring voxels, which
    // mostly share a cone), then the cube-map cell's short list, then the full scan (findFace).
    const inv = this.inv, start = this.start, cand = this.cand;
    const tol = -1e-9 * (Math.abs(oz) + Math.abs(oy) + Math.abs(ox));
    let fi = -1, alpha = 0, beta = 0, gamma = 0;
    {
      const o = 9 * this.lastFace;
      alpha = inv[o] * oz + inv[o + 1] * oy + inv[o + 2] * ox;
      beta = inv[o + 3] * oz + inv[o + 4] * oy + inv[o + 5] * ox;
      gamma = inv[o + 6] * oz + inv[o + 7] * oy + inv[o + 8] * ox;
      if (alpha >= tol && beta >= tol && gamma >= tol) fi = this.lastFace;
    }
    const cell = fi < 0 ? cellOf(oz, oy, ox) : 0;
    for (let i = start[cell], e = fi < 0 ? start[cell + 1] : 0; i < e; i++) {
      const f = cand[i], o = 9 * f;
      alpha = inv[o] * oz + inv[o + 1] * oy + inv[o + 2] * ox;
      if (alpha < tol) continue;
      beta = inv[o + 3] * oz + inv[o + 4] * oy + inv[o + 5] * ox;
      if (beta < tol) continue;
      gamma = inv[o + 6] * oz + inv[o + 7] * oy + inv[o + 8] * ox;
      if (gamma < tol) continue;
      fi = f;
      break;
    }
    if (fi < 0) {
      fi = findFace(this.rays.lookup, oz, oy, ox);
      const o = 9 * fi;
      alpha = inv[o] * oz + inv[o + 1] * oy + inv[o + 2] * ox;
      beta = inv[o + 3] * oz + inv[o + 4] * oy + inv[o + 5] * ox;
      gamma = inv[o + 6] * oz + inv[o + 7] * oy + inv[o + 8] * ox;
    }
    this.lastFace = fi;
    // α/da + β/db + γ/dc ≤ 1, multiplied through so zero distances need no special case
    const fd = this.faceD, q = 3 * fi;
    const da = fd[q], db = fd[q + 1], dc = fd[q + 2];
    const p = da * db * dc;
    return alpha * db * dc + beta * da * dc + gamma * da * db <= p * (1 + 1e-9) + 1e-12;
  }
}
