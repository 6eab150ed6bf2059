// Ray directions for star-convex shapes. A shape is described, from a centre, by the
// distance to its boundary along each of these fixed rays, so the ray set (and its order)
// is part of the data format: a network trained with one set cannot be decoded with another.
//
// Components are stored in array-axis order: [y, x] in 2D, [z, y, x] in 3D, and are unit
// vectors in *voxel index space*, so that centre + d·ray is a voxel coordinate and the
// distance d is counted in voxels (pixels) along the ray.

import { hullTriangles } from './ray-hull.ts';
import { buildFaceLookup, type FaceLookup } from './face-lookup.ts';

export interface Rays2D {
  readonly dim: 2;
  readonly n: number;
  /** n×2, row k = [y, x] of ray k */
  readonly dirs: Float64Array;
}

export interface Rays3D {
  readonly dim: 3;
  readonly n: number;
  /** n×3, row k = [z, y, x] of ray k (unit length in voxel space) */
  readonly dirs: Float64Array;
  readonly anisotropy: readonly [number, number, number];
  /** triangles over the ray tips (indices into the rays), outward oriented; 2n-4 of them */
  readonly faces: Int32Array;
  /** direction → face search structure, built once per ray set */
  readonly lookup: FaceLookup;
}

export type Rays = Rays2D | Rays3D;

/**
 * n rays at angles θ_k = 2πk/n, ray k = [y, x] = [sin θ_k, cos θ_k] (StarDist's
 * convention: angle 0 points along +x, angles grow towards +y, i.e. clockwise on screen).
 */
export function rays2d(n: number): Rays2D {
  if (!Number.isInteger(n) || n < 3) throw new RangeError(`rays2d needs at least 3 rays, got ${n}`);
  const dirs = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n;
    dirs[2 * k] = Math.sin(t);
    dirs[2 * k + 1] = Math.cos(t);
  }
  return { dim: 2, n, dirs };
}

/**
 * n rays on a golden-spiral ("Fibonacci") sphere, as StarDist's Rays_GoldenSpiral:
 * z_k = -1 + 2k/(n-1), ρ_k = √(1-z_k²), φ_k = k·(3-√5)π (the smaller golden angle),
 * physical direction [z, y, x] = [z_k, ρ_k sin φ_k, ρ_k cos φ_k].
 *
 * Anisotropy [az, ay, ax] is the voxel size along each axis (e.g. [2,1,1]: z voxels twice as
 * long). The rays are meant to be evenly spread in *physical* space, so each physical
 * direction u becomes the voxel-space displacement u/anisotropy, then is normalised to unit
 * length in voxel space. Distances along a ray are therefore still in voxels, and a round
 * nucleus sampled anisotropically gets as many rays sideways as it has voxels sideways.
 * The triangulation is the convex hull of the ray tips (StarDist triangulates the same way).
 */
export function rays3d(n: number, anisotropy: readonly [number, number, number] = [1, 1, 1]): Rays3D {
  if (!Number.isInteger(n) || n < 6) throw new RangeError(`rays3d needs at least 6 rays, got ${n}`);
  for (const a of anisotropy) if (!(a > 0)) throw new RangeError(`anisotropy must be positive, got ${anisotropy.join(',')}`);
  const key = `${n}:${anisotropy.join(',')}`;
  const cached = cache3d.get(key);
  if (cached) return cached;
  const dirs = new Float64Array(3 * n);
  const g = (3 - Math.sqrt(5)) * Math.PI;
  for (let k = 0; k < n; k++) {
    const z = -1 + (2 * k) / (n - 1);
    const rho = Math.sqrt(Math.max(0, 1 - z * z));
    const phi = g * k;
    const vz = z / anisotropy[0], vy = (rho * Math.sin(phi)) / anisotropy[1], vx = (rho * Math.cos(phi)) / anisotropy[2];
    const len = Math.hypot(vz, vy, vx);
    dirs[3 * k] = vz / len;
    dirs[3 * k + 1] = vy / len;
    dirs[3 * k + 2] = vx / len;
  }
  // Normalising moves every tip onto the unit sphere, which keeps them all on the hull.
  const faces = hullTriangles(dirs);
  const rays: Rays3D = { dim: 3, n, dirs, anisotropy: [anisotropy[0], anisotropy[1], anisotropy[2]], faces, lookup: buildFaceLookup(dirs, faces) };
  cache3d.set(key, rays);
  return rays;
}

// Hull and lookup cost tens of milliseconds; decoding calls rays3d per volume.
const cache3d = new Map<string, Rays3D>();
