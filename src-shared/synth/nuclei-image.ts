// Fluorescence images of nuclei with their instance labels: blobs (blobs.ts) packed so many
// touch, each with its own brightness and texture, blurred by the microscope's PSF, on a
// background with slow variation, with noise set by a contrast-to-noise ratio
// CNR = (mean nucleus − mean background) / background noise SD. Randomised over wide ranges this
// pre-trains the bundled nuclei models; with fixed values it is the 3D correctness check of
// issue 15 (≥ 40 nuclei, ≥ 30% touching, z spacing 2×, CNR ≈ 3).
import { fractalNoise, gaussianBlur, type Shape3 } from './fields.ts';
import { nucleiBlobs2d, nucleiBlobs3d } from './blobs.ts';
import { Rng, type Rand, type Range } from './rng.ts';

export interface NucleiImageOptions {
  /** voxel size z, y, x; default [1, 1, 1] (2D: y, x count) */
  spacing?: readonly [number, number, number];
  count?: number;
  /** nucleus radius, world units; default [4, 7] */
  radius?: Range;
  /** centres at least this × (r₁ + r₂) apart: below 1 neighbours touch; default 0.8 */
  minSeparation?: number;
  elongation?: number;
  roughness?: number;
  /** contrast-to-noise ratio; default 3 */
  cnr?: number;
  /** PSF Gaussian σ in world units (z, y, x); default [1.2, 0.8, 0.8] */
  psf?: readonly [number, number, number];
  /** spread of per-nucleus brightness (fraction of the mean); default 0.3 */
  brightnessSpread?: number;
  /** amplitude of the slow background variation relative to the nucleus contrast; default 0.15 */
  backgroundVariation?: number;
  /** chromatin texture amplitude inside nuclei; default 0.2 */
  texture?: number;
}

export interface NucleiImage {
  shape: Shape3;
  spacing: readonly [number, number, number];
  image: Float32Array;
  instances: Uint16Array;
  count: number;
  /** fraction of nuclei sharing a face (6-neighbourhood) with another nucleus */
  touchingFraction: number;
}

export function nucleiImage(dims: 2 | 3, shape: Shape3, opts: NucleiImageOptions, rand: Rand): NucleiImage {
  const rng = new Rng(rand);
  const spacing = opts.spacing ?? [1, 1, 1];
  const blobOpts = { spacing, count: opts.count ?? 40, radius: opts.radius ?? [4, 7] as Range, minSeparation: opts.minSeparation ?? 0.8, elongation: opts.elongation ?? 1.5, roughness: opts.roughness ?? 0.1 };
  const s = dims === 2 ? nucleiBlobs2d(shape, blobOpts, rand) : nucleiBlobs3d(shape, blobOpts, rand);
  const n = s.instances.length;
  const count = s.blobs.length;
  const spread = opts.brightnessSpread ?? 0.3;
  const brightness = Float32Array.from({ length: count + 1 }, (_, i) => (i === 0 ? 0 : Math.max(0.2, 1 + spread * rng.normal())));
  const texture = fractalNoise(shape, [1.5, 3, 3], 2, rand);
  const tex = opts.texture ?? 0.2;
  const img = new Float32Array(n);
  // soft occupancy × the brightness of the nucleus there (the nearest id within the blob's rim)
  for (let i = 0; i < n; i++) {
    const id = s.instances[i]!;
    const b = id ? brightness[id]! : nearbyBrightness(s.instances, shape, i, brightness);
    img[i] = s.occupancy[i]! * b * Math.max(0, 1 + tex * texture[i]!);
  }
  const psf = opts.psf ?? [1.2, 0.8, 0.8];
  gaussianBlur(img, shape, dims === 2 ? [0, psf[1] / spacing[1], psf[2] / spacing[2]] : [psf[0] / spacing[0], psf[1] / spacing[1], psf[2] / spacing[2]]);
  const slow = fractalNoise(shape, [Math.max(2, 32 / spacing[0]), 64, 64], 2, rand);
  const variation = opts.backgroundVariation ?? 0.15;
  for (let i = 0; i < n; i++) img[i] = img[i]! + variation * (1 + slow[i]!) * 0.5;
  // noise: contrast between nuclei and background (means over the labels) / CNR
  let fg = 0, nf = 0, bg = 0, nb = 0;
  for (let i = 0; i < n; i++) if (s.instances[i]) { fg += img[i]!; nf++; } else { bg += img[i]!; nb++; }
  const sd = (fg / Math.max(1, nf) - bg / Math.max(1, nb)) / (opts.cnr ?? 3);
  for (let i = 0; i < n; i++) img[i] = img[i]! + sd * rng.normal();
  return { shape, spacing, image: img, instances: s.instances, count, touchingFraction: touchingFraction(s.instances, shape, count) };
}

/** The rim of a blob (occupancy > 0 outside its label) takes the brightness of an adjacent nucleus. */
function nearbyBrightness(ids: Uint16Array, shape: Shape3, i: number, brightness: Float32Array): number {
  const [, Y, X] = shape;
  for (const o of [1, -1, X, -X, X * Y, -X * Y]) {
    const j = i + o;
    if (j >= 0 && j < ids.length && ids[j]) return brightness[ids[j]!]!;
  }
  return 1;
}

export function touchingFraction(ids: ArrayLike<number>, shape: Shape3, count: number): number {
  const [Z, Y, X] = shape;
  const touching = new Set<number>();
  for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
    const i = (z * Y + y) * X + x, a = ids[i]!;
    if (!a) continue;
    const check = (j: number) => { const b = ids[j]!; if (b && b !== a) { touching.add(a); touching.add(b); } };
    if (x + 1 < X) check(i + 1);
    if (y + 1 < Y) check(i + X);
    if (z + 1 < Z) check(i + X * Y);
  }
  return count ? touching.size / count : 0;
}
