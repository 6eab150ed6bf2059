// How a StarDist network's output becomes objects: the ray set it was trained with and the
// thresholds chosen on validation objects after training. Stored in the model file
// (`lumen.instances`), so `lumen predict` and the app decode exactly as training scored.
import { rays2d, rays3d, type Rays } from '../rays.ts';

export interface InstanceDecoding {
  dims: 2 | 3;
  rays: number;
  /** voxel size z, y, x the 3D rays were spread for (physically even) */
  anisotropy: [number, number, number];
  /** candidates are taken at voxels index·grid (z, y, x) */
  grid: [number, number, number];
  probThreshold: number;
  nmsThreshold: number;
}

export function decodingRays(d: InstanceDecoding): Rays {
  return d.dims === 2 ? rays2d(d.rays) : rays3d(d.rays, d.anisotropy);
}

/** StarDist's defaults before thresholds are tuned: 0.5 and 0.4. */
export function defaultDecoding(dims: 2 | 3, spacing: readonly [number, number, number] = [1, 1, 1]): InstanceDecoding {
  if (dims === 2) return { dims, rays: 32, anisotropy: [1, 1, 1], grid: [1, 2, 2], probThreshold: 0.5, nmsThreshold: 0.4 };
  const inPlane = Math.min(spacing[1], spacing[2]);
  const anisotropy = spacing.map((s) => s / inPlane) as [number, number, number];
  // z sampled no finer than twice y/x: candidates every z slice; isotropic: every other, like y/x
  return { dims, rays: 96, anisotropy, grid: [anisotropy[0] >= 1.5 ? 1 : 2, 2, 2], probThreshold: 0.5, nmsThreshold: 0.4 };
}
