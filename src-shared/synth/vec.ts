// Small 3-vector helpers (z, y, x order, like the grids).
import type { Vec3 } from './raster.ts';
import type { Rng } from './rng.ts';

export const add = (a: Vec3, b: Vec3, s = 1): Vec3 => [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]];
export const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const norm = (a: Vec3) => Math.sqrt(dot(a, a));
export function normalize(a: Vec3): Vec3 {
  const n = norm(a);
  return n > 1e-12 ? [a[0] / n, a[1] / n, a[2] / n] : [0, 0, 1];
}
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/** A random unit vector perpendicular to d (d unit); in 2D (dims = 2) the in-plane normal with a random sign. */
export function randomPerpendicular(d: Vec3, rng: Rng, dims: 2 | 3): Vec3 {
  if (dims === 2) { const s = rng.chance(0.5) ? 1 : -1; return normalize([0, -s * d[2], s * d[1]]); }
  for (;;) {
    const v: Vec3 = [rng.normal(), rng.normal(), rng.normal()];
    const p = add(v, d, -dot(v, d));
    if (norm(p) > 1e-3) return normalize(p);
  }
}

/** Rotates unit d by angle θ towards the unit perpendicular p. */
export const rotateTowards = (d: Vec3, p: Vec3, theta: number): Vec3 =>
  normalize([Math.cos(theta) * d[0] + Math.sin(theta) * p[0], Math.cos(theta) * d[1] + Math.sin(theta) * p[1], Math.cos(theta) * d[2] + Math.sin(theta) * p[2]]);

/** A uniformly random unit vector (in the y-x plane when dims = 2). */
export function randomDirection(rng: Rng, dims: 2 | 3): Vec3 {
  if (dims === 2) { const a = rng.uniform(0, 2 * Math.PI); return [0, Math.sin(a), Math.cos(a)]; }
  return normalize([rng.normal(), rng.normal(), rng.normal()]);
}
