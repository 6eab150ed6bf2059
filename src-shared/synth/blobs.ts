// Cells / nuclei as blobs: randomly oriented ellipsoids whose surface is perturbed by a few
// low-frequency angular harmonics, placed with a minimum centre distance so neighbours may
// touch but rarely merge. Labels are exact (voxel centre inside the perturbed surface); each
// blob also gets an instance id.
import type { Shape3 } from './fields.ts';
import type { Vec3 } from './raster.ts';
import { Rng, type Rand, type Range } from './rng.ts';
import { cross, normalize, randomDirection, randomPerpendicular } from './vec.ts';

export interface BlobOptions {
  /** voxel size along z, y, x in world units; default [1, 1, 1] */
  spacing?: readonly [number, number, number];
  /** number of blobs to try to place; default 40 */
  count?: number;
  /** mean radius range, world units; default [4, 8] */
  radius?: Range;
  /** largest axis ratio (elongation), ≥ 1; default 1.6 */
  elongation?: number;
  /** surface roughness: amplitude of the angular harmonics relative to the radius; default 0.12 */
  roughness?: number;
  /** centres keep at least this × (r₁ + r₂) apart; default 0.85 */
  minSeparation?: number;
}

export interface Blob { centre: Vec3; radii: Vec3; axes: [Vec3, Vec3, Vec3] }

export interface BlobSample {
  shape: Shape3;
  spacing: readonly [number, number, number];
  label: Uint8Array;
  /** instance id per voxel, 0 = background, 1.. in placement order */
  instances: Uint16Array;
  occupancy: Float32Array;
  blobs: Blob[];
}

function blobs(dims: 2 | 3, shape: Shape3, opts: BlobOptions, rand: Rand): BlobSample {
  const rng = new Rng(rand);
  const spacing = opts.spacing ?? [1, 1, 1];
  const [Z, Y, X] = shape, [sz, sy, sx] = spacing;
  const ext: Vec3 = [(Z - 1) * sz, (Y - 1) * sy, (X - 1) * sx];
  const n = Z * Y * X;
  const label = new Uint8Array(n), instances = new Uint16Array(n), occupancy = new Float32Array(n);
  const count = opts.count ?? 40, rr = opts.radius ?? [4, 8];
  const elong = opts.elongation ?? 1.6, rough = opts.roughness ?? 0.12, sep = opts.minSeparation ?? 0.85;
  const placed: Blob[] = [];
  const meanR: number[] = [];
  for (let attempt = 0; attempt < count * 20 && placed.length < Math.min(count, 65535); attempt++) {
    const r = rng.range(rr);
    const c: Vec3 = [dims === 2 ? 0 : rng.uniform(0, ext[0]), rng.uniform(0, ext[1]), rng.uniform(0, ext[2])];
    let ok = true;
    for (let j = 0; j < placed.length && ok; j++) {
      const p = placed[j]!.centre;
      const d = Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
      if (d < sep * (r + meanR[j]!)) ok = false;
    }
    if (!ok) continue;
    // orientation: orthonormal axes; in 2D the first two lie in the y-x plane
    const a0 = randomDirection(rng, dims);
    const a1 = dims === 2 ? ([0, -a0[2], a0[1]] as Vec3) : randomPerpendicular(a0, rng, 3);
    const a2 = normalize(cross(a0, a1));
    const e = rng.uniform(1, elong);
    const radii: Vec3 = [r * Math.cbrt(e * e), r / Math.cbrt(e), r / Math.cbrt(e)];
    const blob: Blob = { centre: c, radii, axes: [a0, a1, a2] };
    placed.push(blob); meanR.push(r);
    rasteriseBlob(blob, placed.length, dims, rng, rough, shape, spacing, label, instances, occupancy);
  }
  return { shape, spacing, label, instances, occupancy, blobs: placed };
}

function rasteriseBlob(b: Blob, id: number, dims: 2 | 3, rng: Rng, rough: number, shape: Shape3, spacing: readonly [number, number, number],
  label: Uint8Array, instances: Uint16Array, occupancy: Float32Array): void {
  const [Z, Y, X] = shape, [sz, sy, sx] = spacing;
  // surface perturbation ρ(u) = 1 + Σ a_k cos(f_k u·v_k + φ_k), u the unit direction in the blob frame
  const K = 4;
  const hv: Vec3[] = [], hf: number[] = [], ha: number[] = [], hp: number[] = [];
  for (let k = 0; k < K; k++) {
    hv.push(randomDirection(rng, 3)); hf.push(rng.uniform(1.5, 4)); ha.push(rough * rng.uniform(0.3, 1) / Math.sqrt(K)); hp.push(rng.uniform(0, 2 * Math.PI));
  }
  const rmax = Math.max(...b.radii) * (1 + rough * 1.5) + 1;
  const [c0, c1, c2] = b.centre;
  const [A0, A1, A2] = b.axes, [R0, R1, R2] = b.radii;
  const rMean = (R0 + R1 + R2) / 3;
  const z0 = Math.max(0, Math.ceil((c0 - rmax) / sz)), z1 = Math.min(Z - 1, Math.floor((c0 + rmax) / sz));
  const y0 = Math.max(0, Math.ceil((c1 - rmax) / sy)), y1 = Math.min(Y - 1, Math.floor((c1 + rmax) / sy));
  const x0 = Math.max(0, Math.ceil((c2 - rmax) / sx)), x1 = Math.min(X - 1, Math.floor((c2 + rmax) / sx));
  for (let z = dims === 2 ? 0 : z0; z <= (dims === 2 ? 0 : z1); z++) {
    const pz = z * sz - c0;
    for (let y = y0; y <= y1; y++) {
      const py = y * sy - c1;
      for (let x = x0; x <= x1; x++) {
        const px = x * sx - c2;
        // coordinates in the blob frame, scaled by the radii
        const u = (pz * A0[0] + py * A0[1] + px * A0[2]) / R0;
        const v = (pz * A1[0] + py * A1[1] + px * A1[2]) / R1;
        const w = dims === 2 ? 0 : (pz * A2[0] + py * A2[1] + px * A2[2]) / R2;
        const rho = Math.sqrt(u * u + v * v + w * w);
        if (rho > 1 + 2 * rough + 1 / Math.min(R0, R1)) continue;
        let surf = 1;
        if (rho > 1e-9) {
          const iu = u / rho, iv = v / rho, iw = w / rho;
          for (let k = 0; k < K; k++) surf += ha[k]! * Math.cos(hf[k]! * (iu * hv[k]![0] + iv * hv[k]![1] + iw * hv[k]![2]) + hp[k]!);
        }
        // signed distance to the surface, approximately, in world units
        const sd = (surf - rho) * rMean;
        const occ = Math.min(1, 0.5 + sd);
        const i = (z * Y + y) * X + x;
        if (occ > occupancy[i]!) occupancy[i] = occ;
        if (rho <= surf && instances[i] === 0) { label[i] = 1; instances[i] = id; }
      }
    }
  }
}

/** Nuclei/cells as textured-ready blobs in a z × y × x grid. */
export function nucleiBlobs3d(shape: Shape3, opts: BlobOptions, rand: Rand): BlobSample {
  return blobs(3, shape, opts, rand);
}

/** The same in 2D (shape [H, W] or [1, H, W]). */
export function nucleiBlobs2d(shape: Shape3 | readonly [number, number], opts: BlobOptions, rand: Rand): BlobSample {
  const s: Shape3 = shape.length === 2 ? [1, shape[0], shape[1]] : shape;
  return blobs(2, s, opts, rand);
}
