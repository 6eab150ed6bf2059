// Imaging models: turn a soft occupancy grid (and its exact label) into what a microscope or
// scanner would record. Each takes (occupancy, label, shape, opts, rand) and returns a float
// image (not normalised; the training pipeline z-scores its inputs). All randomness comes from
// `rand`, so a seed fixes the result.
import { fractalNoise, gaussianBlur, valueNoise, type Shape3 } from './fields.ts';
import { Rng, type Rand } from './rng.ts';

/** Multiplicative texture inside objects: (1 + amp · fractal noise) with cells of `cell` voxels. */
function textured(occ: Float32Array, shape: Shape3, amp: number, cell: number, rand: Rand): Float32Array {
  const out = new Float32Array(occ);
  if (amp <= 0) return out;
  const f = fractalNoise(shape, [Math.max(1, cell / 2), cell, cell], 2, rand);
  for (let i = 0; i < out.length; i++) out[i] = occ[i]! * Math.max(0, 1 + amp * f[i]!);
  return out;
}

/** Poisson-like shot noise (Gaussian with variance ∝ signal) plus Gaussian read noise, in place. */
function shotNoise(img: Float32Array, photons: number, read: number, rng: Rng): void {
  for (let i = 0; i < img.length; i++) {
    const v = Math.max(0, img[i]!);
    img[i] = v + Math.sqrt(v / photons) * rng.normal() + read * rng.normal();
  }
}

export interface TwoPhotonOptions {
  /** voxel size z, y, x in world units (for depth attenuation); default [1, 1, 1] */
  spacing?: readonly [number, number, number];
  /** vessel (dye-filled lumen) brightness; default 1 */
  signal?: number;
  /** background haze level relative to the signal; default 0.06 */
  haze?: number;
  /** attenuation length along z in world units; default 60 (Infinity: none) */
  depthDecay?: number;
  /** PSF Gaussian sigma in voxels along z, y, x; default [1, 0.7, 0.7] */
  psf?: readonly [number, number, number];
  /** expected photons at signal 1 (lower = noisier); default 25 */
  photons?: number;
  /** Gaussian read noise; default 0.01 */
  readNoise?: number;
  /** lumen texture amplitude (red cells, uneven filling); default 0.25 */
  texture?: number;
  /** slow brightness variation between vessels / regions; default 0.35 */
  unevenness?: number;
  /** post-noise smoothing sigma in voxels (like a denoised, BM4D-filtered stack); default 0 */
  denoise?: number;
}

/** Two-photon fluorescence angiography: bright lumen, haze, depth attenuation, shot noise. */
export function twoPhoton(occupancy: Float32Array, _label: Uint8Array, shape: Shape3, opts: TwoPhotonOptions, rand: Rand): Float32Array {
  const rng = new Rng(rand);
  const [Z, Y, X] = shape;
  const sp = opts.spacing ?? [1, 1, 1];
  const signal = opts.signal ?? 1, haze = opts.haze ?? 0.06, decay = opts.depthDecay ?? 60;
  const img = textured(occupancy, shape, opts.texture ?? 0.25, 4, rand);
  const slow = valueNoise(shape, [Math.max(2, 24 / sp[0]), 48, 48], rand);
  const hazeField = fractalNoise(shape, [Math.max(2, 16 / sp[0]), 32, 32], 2, rand);
  const un = opts.unevenness ?? 0.35;
  for (let i = 0; i < img.length; i++) {
    img[i] = signal * img[i]! * (1 + un * slow[i]!) + haze * signal * (1 + 0.8 * hazeField[i]!);
  }
  gaussianBlur(img, shape, opts.psf ?? [1, 0.7, 0.7]);
  if (Number.isFinite(decay)) {
    const plane = Y * X;
    for (let z = 0; z < Z; z++) {
      const a = Math.exp(-(z * sp[0]) / decay);
      for (let i = z * plane; i < (z + 1) * plane; i++) img[i]! *= a;
    }
  }
  shotNoise(img, opts.photons ?? 25, opts.readNoise ?? 0.01, rng);
  if ((opts.denoise ?? 0) > 0) gaussianBlur(img, shape, [opts.denoise! * 0.5, opts.denoise!, opts.denoise!]);
  for (let i = 0; i < img.length; i++) if (img[i]! < 0) img[i] = 0;
  return img;
}

export interface LightSheetOptions {
  spacing?: readonly [number, number, number];
  signal?: number;
  /** tissue autofluorescence relative to the signal; default 0.15 */
  background?: number;
  /** PSF sigma in voxels z, y, x: longer along z (detection axis); default [2, 0.8, 0.8] */
  psf?: readonly [number, number, number];
  /** depth of the shadow stripes, 0..1; default 0.35. Stripes run along x (the illumination axis). */
  stripes?: number;
  /** stripe width scale across y, voxels; default 4 */
  stripeWidth?: number;
  /** attenuation length along the illumination axis x, world units; default 300 */
  illuminationDecay?: number;
  /** attenuation length along z, world units; default 200 */
  depthDecay?: number;
  photons?: number;
  readNoise?: number;
  /** object texture amplitude (nuclear chromatin etc.); default 0.2 */
  texture?: number;
  /** texture cell size in voxels; default 4 */
  textureCell?: number;
}

/** Light-sheet fluorescence: anisotropic PSF, stripe shadows along the light path, attenuation. */
export function lightSheet(occupancy: Float32Array, _label: Uint8Array, shape: Shape3, opts: LightSheetOptions, rand: Rand): Float32Array {
  const rng = new Rng(rand);
  const [Z, Y, X] = shape;
  const sp = opts.spacing ?? [1, 1, 1];
  const signal = opts.signal ?? 1, bg = opts.background ?? 0.15;
  const img = textured(occupancy, shape, opts.texture ?? 0.2, opts.textureCell ?? 4, rand);
  const auto = fractalNoise(shape, [Math.max(2, 12 / sp[0]), 24, 24], 3, rand);
  for (let i = 0; i < img.length; i++) img[i] = signal * img[i]! + bg * signal * (1 + 0.6 * auto[i]!);
  gaussianBlur(img, shape, opts.psf ?? [2, 0.8, 0.8]);
  // stripes: a field over (z, y), constant along x, sharpened into thin dark shadows
  const st = opts.stripes ?? 0.35, w = opts.stripeWidth ?? 4;
  const stripe = valueNoise([Z, Y, 1], [Math.max(2, 8 / sp[0]), w, 1], rand);
  const illum = opts.illuminationDecay ?? 300, depth = opts.depthDecay ?? 200;
  const fromRight = rng.chance(0.5);
  for (let z = 0; z < Z; z++) {
    const az = Math.exp(-(z * sp[0]) / depth);
    for (let y = 0; y < Y; y++) {
      const s = Math.max(0, stripe[z * Y + y]!);
      const m = az * (1 - st * Math.min(1, 2 * s) ** 2);
      const row = (z * Y + y) * X;
      for (let x = 0; x < X; x++) {
        const dx = (fromRight ? X - 1 - x : x) * sp[2];
        img[row + x]! *= m * Math.exp(-dx / illum);
      }
    }
  }
  shotNoise(img, opts.photons ?? 40, opts.readNoise ?? 0.01, rng);
  for (let i = 0; i < img.length; i++) if (img[i]! < 0) img[i] = 0;
  return img;
}

export interface MriAngioOptions {
  spacing?: readonly [number, number, number];
  /** vessel (inflow) brightness; default 1 */
  vessel?: number;
  /** stationary tissue brightness; default 0.3 */
  tissue?: number;
  /** outside-the-head level (before noise); default 0.02 */
  air?: number;
  /** strength of the multiplicative bias field (log-amplitude); default 0.3 */
  bias?: number;
  /** Rician noise sigma (std of each complex component); default 0.04 */
  noise?: number;
  /** PSF sigma in voxels; default [0.6, 0.6, 0.6] */
  psf?: readonly [number, number, number];
  /** fill the grid with an ellipsoidal head (else tissue everywhere); default true */
  head?: boolean;
}

/** Time-of-flight MR angiography: bright vessels on tissue, bias field, Rician magnitude noise. */
export function mriAngio(occupancy: Float32Array, _label: Uint8Array, shape: Shape3, opts: MriAngioOptions, rand: Rand): Float32Array {
  const rng = new Rng(rand);
  const [Z, Y, X] = shape;
  const vessel = opts.vessel ?? 1, tissue = opts.tissue ?? 0.3, air = opts.air ?? 0.02;
  const grain = fractalNoise(shape, [6, 12, 12], 3, rand);
  const flow = valueNoise(shape, [16, 32, 32], rand); // slower flow, less inflow signal in places
  const img = new Float32Array(occupancy.length);
  const head = opts.head ?? true;
  const cz = (Z - 1) / 2, cy = (Y - 1) / 2, cx = (X - 1) / 2;
  const ez = Math.max(Z * 0.75, 1), ey = Y * 0.48, ex = X * 0.46;
  for (let z = 0, i = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++, i++) {
    let inside = 1;
    if (head) {
      const d = Math.sqrt(((z - cz) / ez) ** 2 + ((y - cy) / ey) ** 2 + ((x - cx) / ex) ** 2);
      inside = Math.min(1, Math.max(0, (1 - d) * 12));
    }
    const t = air + inside * (tissue * (1 + 0.25 * grain[i]!) - air);
    const v = vessel * (1 + 0.25 * flow[i]!);
    const o = occupancy[i]!;
    img[i] = t * (1 - o) + v * o;
  }
  gaussianBlur(img, shape, opts.psf ?? [0.6, 0.6, 0.6]);
  const b = opts.bias ?? 0.3;
  if (b > 0) {
    const field = valueNoise(shape, [Math.max(2, Z / 1.5), Y / 1.5, X / 1.5], rand);
    for (let i = 0; i < img.length; i++) img[i]! *= Math.exp(b * field[i]!);
  }
  const s = opts.noise ?? 0.04;
  for (let i = 0; i < img.length; i++) {
    const re = img[i]! + s * rng.normal(), im = s * rng.normal();
    img[i] = Math.sqrt(re * re + im * im);
  }
  return img;
}

export interface FundusOptions {
  /** field-of-view circle: centre (y, x) and radius in pixels; default centred, 0.47 × min(H, W) */
  fov?: { y: number; x: number; r: number };
  /** optic disc centre and radius in pixels (bright, yellowish); omitted: none */
  disc?: { y: number; x: number; r: number };
  /** macula centre and radius (darker); omitted: none */
  macula?: { y: number; x: number; r: number };
  /** background colour RGB in 0..1; default [0.78, 0.45, 0.28] */
  colour?: readonly [number, number, number];
  /** vessel absorption per channel (fraction of background removed at full occupancy); default [0.12, 0.4, 0.35] */
  absorption?: readonly [number, number, number];
  /** vignetting strength at the FOV edge, 0..1; default 0.35 */
  vignetting?: number;
  /** central light reflex strength on wide vessels; default 0.25 */
  reflex?: number;
  /** per-pixel centre-ness and radius maps of the vessels (from a tree with withCentre) for the reflex */
  centre?: Float32Array;
  radius?: Float32Array;
  /** Gaussian noise std per channel; default 0.015 */
  noise?: number;
  /** optical blur sigma in pixels; default 0.8 */
  blur?: number;
}

export interface FundusImage {
  /** planar RGB: [3][H][W] */
  image: Float32Array;
  /** 1 inside the circular field of view */
  fov: Uint8Array;
}

/** Colour fundus photograph: dark vessels on a red-orange retina inside a round field of view. */
export function fundus2d(occupancy: Float32Array, _label: Uint8Array, shape: Shape3 | readonly [number, number], opts: FundusOptions, rand: Rand): FundusImage {
  const rng = new Rng(rand);
  const H = shape.length === 2 ? shape[0] : shape[1], W = shape.length === 2 ? shape[1] : shape[2];
  const n = H * W, s2: Shape3 = [1, H, W];
  const fovC = opts.fov ?? { y: (H - 1) / 2, x: (W - 1) / 2, r: 0.47 * Math.min(H, W) };
  const col = opts.colour ?? [0.78, 0.45, 0.28], abs = opts.absorption ?? [0.12, 0.4, 0.35];
  const vig = opts.vignetting ?? 0.35, reflex = opts.reflex ?? 0.25;
  // vessels: soften the occupancy slightly (optics) before absorbing
  const v = gaussianBlur(new Float32Array(occupancy), s2, [0, 0.5, 0.5]);
  const tex = fractalNoise(s2, [1, 40, 40], 3, rand); // choroidal mottling
  const illum = valueNoise(s2, [1, H / 2, W / 2], rand); // uneven illumination
  const grain = fractalNoise(s2, [1, 6, 6], 2, rand);
  const image = new Float32Array(3 * n);
  const fov = new Uint8Array(n);
  for (let y = 0, i = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    const rho = Math.sqrt((y - fovC.y) ** 2 + (x - fovC.x) ** 2) / fovC.r;
    const inFov = rho <= 1;
    fov[i] = inFov ? 1 : 0;
    const rc = rho < 1 ? rho : 1;
    const light = (1 - vig * rc * rc * Math.sqrt(rc)) * (1 + 0.15 * illum[i]!);
    let disc = 0, mac = 0;
    if (opts.disc && Math.abs(y - opts.disc.y) < 2 * opts.disc.r && Math.abs(x - opts.disc.x) < 2 * opts.disc.r) {
      const d = Math.sqrt((y - opts.disc.y) ** 2 + (x - opts.disc.x) ** 2) / opts.disc.r;
      disc = d < 1 ? 1 : Math.exp(-((d - 1) ** 2) / 0.02); // sharp-ish rim
      disc *= 0.85 + 0.15 * Math.exp(-d * d * 4); // brighter cup
    }
    if (opts.macula) {
      const d = Math.sqrt((y - opts.macula.y) ** 2 + (x - opts.macula.x) ** 2) / opts.macula.r;
      mac = Math.exp(-d * d);
    }
    const occ = v[i]!;
    let rf = 0;
    if (opts.centre && opts.radius && reflex > 0 && occ > 0) {
      const r = opts.radius[i]!, c = opts.centre[i]!;
      if (r > 2) rf = reflex * Math.min(1, (r - 2) / 2) * Math.max(0, (c - 0.6) / 0.4) ** 2;
    }
    for (let k = 0; k < 3; k++) {
      let b = col[k]! * (1 + (k === 0 ? 0.05 : 0.1) * tex[i]! + 0.03 * grain[i]!);
      b *= 1 - mac * (k === 0 ? 0.1 : 0.3);
      b += disc * (k === 0 ? 0.5 : k === 1 ? 0.6 : 0.25) * (1 - b) * (0.8 + 0.4 * tex[i]!);
      let p = b * (1 - abs[k]! * occ * (1 - 0.3 * disc)) + rf * occ * (k === 0 ? 0.3 : 1) * b;
      p *= light;
      image[k * n + i] = p;
    }
  }
  // optics, then the camera's noise; outside the FOV a dark, slightly noisy surround
  const edge = new Float32Array(n);
  for (let y = 0, i = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    const rho = Math.sqrt((y - fovC.y) ** 2 + (x - fovC.x) ** 2);
    edge[i] = Math.min(1, Math.max(0, fovC.r - rho + 0.5));
  }
  const sd = opts.noise ?? 0.015, bl = opts.blur ?? 0.8;
  for (let k = 0; k < 3; k++) {
    const ch = image.subarray(k * n, (k + 1) * n);
    gaussianBlur(ch, s2, [0, bl, bl]);
    for (let i = 0; i < n; i++) ch[i] = Math.max(0, ch[i]! * edge[i]! + 0.02 * (1 - edge[i]!) + sd * rng.normal());
  }
  return { image, fov };
}
