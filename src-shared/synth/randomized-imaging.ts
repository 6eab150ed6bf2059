// Domain randomisation for fluorescence-like volumes (after vesselFM, Wittmann et al., CVPR 2025):
// instead of imitating one microscope, every sample draws its own imaging chain (how bright each
// structure is relative to the others, background texture, point-spread function, attenuation,
// stripes, noise model, denoising, and the intensity transfer curve of the recorded file) from
// ranges wide enough that a real stack looks like one more draw. A network trained on the stream
// has to find structures by shape and local contrast, which is what carries across microscopes.
// Each step says why it is there; all randomness comes from `rng`, so a seed fixes the image.
import { fractalNoise, gaussianBlur, quantile, valueNoise, type Shape3 } from './fields.ts';
import type { Rng } from './rng.ts';

/** The draws of one sample, kept in its provenance. */
export interface RandomizedImagingParams {
  /** spread (log units) of brightness between structures and regions: dim capillaries beside bright trunks */
  brightnessSpread: number;
  texture: number;
  background: number;
  backgroundTexture: number;
  backgroundCell: number;
  psf: [number, number, number];
  inhomogeneity: number;
  /** attenuation length along z, in voxels (Infinity: none) */
  depthDecay: number;
  stripes: number;
  photons: number;
  speckle: number;
  readNoise: number;
  denoise: number;
  /** the file's transfer curve: gamma, and where the top saturates (quantile of the image) */
  gamma: number;
  saturateAt: number;
  eightBit: boolean;
}

/** Draw an imaging chain for a volume whose z voxels are `zSpacing` times the in-plane ones. */
export function drawRandomizedImaging(rng: Rng, zSpacing: number): RandomizedImagingParams {
  return {
    brightnessSpread: rng.uniform(0, 1),
    texture: rng.uniform(0, 0.5),
    background: rng.logUniform(0.005, 0.25),
    backgroundTexture: rng.uniform(0, 1),
    backgroundCell: rng.logUniform(2, 40),
    psf: [rng.uniform(0.3, 1.5) / zSpacing, rng.uniform(0.3, 1.4), rng.uniform(0.3, 1.4)],
    inhomogeneity: rng.uniform(0, 0.9),
    depthDecay: rng.chance(0.5) ? rng.logUniform(8, 300) : Infinity,
    stripes: rng.chance(0.25) ? rng.uniform(0.05, 0.5) : 0,
    photons: rng.logUniform(6, 400),
    speckle: rng.chance(0.25) ? rng.uniform(0.05, 0.35) : 0,
    readNoise: rng.logUniform(0.001, 0.04),
    denoise: rng.chance(0.5) ? rng.uniform(0.5, 1.6) : 0,
    gamma: rng.logUniform(0.45, 2.2),
    saturateAt: rng.chance(0.5) ? rng.uniform(0.9, 0.995) : 1,
    eightBit: rng.chance(0.5),
  };
}

/** Render `occupancy` (soft, 0..1) through the chain `p`; returns the recorded image in [0, 1]. */
export function randomizedImaging(occupancy: Float32Array, shape: Shape3, p: RandomizedImagingParams, rng: Rng): Float32Array {
  const [Z, Y, X] = shape;
  const plane = Y * X;
  const rand = rng.rand;
  // structure brightness: a slow log-normal field, so whole vessels and regions differ several-fold
  const slow = valueNoise(shape, [Math.max(2, Z / 2), rng.uniform(16, 96), rng.uniform(16, 96)], rand);
  const fine = p.texture > 0 ? fractalNoise(shape, [2, 4, 4], 2, rand) : null;
  const bgField = fractalNoise(shape, [Math.max(1, p.backgroundCell / 4), p.backgroundCell, p.backgroundCell], 3, rand);
  const img = new Float32Array(occupancy.length);
  for (let i = 0; i < img.length; i++) {
    const signal = occupancy[i]! * Math.exp(p.brightnessSpread * slow[i]!) * (fine ? Math.max(0, 1 + p.texture * fine[i]!) : 1);
    img[i] = signal + p.background * Math.max(0, 1 + p.backgroundTexture * bgField[i]!);
  }
  gaussianBlur(img, shape, p.psf);
  // illumination: a slow multiplicative field, attenuation with depth, light-sheet stripes along y or x
  const shading = p.inhomogeneity > 0 ? valueNoise(shape, [Math.max(2, Z), rng.uniform(64, 256), rng.uniform(64, 256)], rand) : null;
  const stripeAxisX = rng.chance(0.5);
  const stripeProfile = p.stripes > 0 ? Float32Array.from({ length: stripeAxisX ? Y : X }, () => 1 - p.stripes * rand()) : null;
  if (stripeProfile) gaussianBlur(stripeProfile, [1, 1, stripeProfile.length], [0, 0, rng.uniform(0.5, 3)]);
  for (let z = 0; z < Z; z++) {
    const depth = Number.isFinite(p.depthDecay) ? Math.exp(-z / p.depthDecay) : 1;
    for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
      const i = z * plane + y * X + x;
      let g = depth;
      if (shading) g *= Math.exp(p.inhomogeneity * shading[i]!);
      if (stripeProfile) g *= stripeProfile[stripeAxisX ? y : x]!;
      img[i]! *= g;
    }
  }
  // noise: Poisson–Gaussian (shot noise ∝ √signal) and, in some samples, multiplicative speckle
  const top = Math.max(1e-6, quantile(img, 0.999));
  for (let i = 0; i < img.length; i++) {
    const v = Math.max(0, img[i]!) / top;
    let n = v + Math.sqrt(v / p.photons) * rng.normal() + p.readNoise * rng.normal();
    if (p.speckle > 0) n *= Math.max(0, 1 + p.speckle * rng.normal());
    img[i] = n;
  }
  if (p.denoise > 0) gaussianBlur(img, shape, [p.denoise * 0.5, p.denoise, p.denoise]); // BM4D-like smoothing of published stacks
  // the file: offset at the dark end, saturation at the bright end, a gamma, maybe 8-bit steps
  const lo = quantile(img, 0.001), hi = Math.max(lo + 1e-6, quantile(img, p.saturateAt));
  for (let i = 0; i < img.length; i++) {
    let v = Math.min(1, Math.max(0, (img[i]! - lo) / (hi - lo))) ** p.gamma;
    if (p.eightBit) v = Math.round(v * 255) / 255;
    img[i] = v;
  }
  return img;
}
