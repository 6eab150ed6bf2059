// Intensity augmentation on a z-scored patch, in place: the few labeled slices a user paints
// rarely span the brightness range of the whole stack, so training sees rescaled, shifted,
// gamma-bent and noisier versions of them.

export interface IntensityAugment {
  /** multiply by e^U(-s, s) */
  scale?: number;
  /** add U(-s, s) */
  shift?: number;
  /** gamma e^U(-g, g) applied to the patch rescaled to [0, 1] */
  gamma?: number;
  /** add N(0, σ) with σ ~ U(0, noise) */
  noise?: number;
}

export const DEFAULT_INTENSITY_AUGMENT: IntensityAugment = { scale: 0.2, shift: 0.2, gamma: 0.3, noise: 0.1 };

export function augmentIntensity(image: Float32Array, aug: IntensityAugment, rand: () => number): void {
  const u = (s: number) => (2 * rand() - 1) * s;
  if (aug.gamma) {
    let lo = Infinity, hi = -Infinity;
    for (const v of image) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const range = hi - lo || 1, g = Math.exp(u(aug.gamma));
    for (let i = 0; i < image.length; i++) image[i] = lo + range * ((image[i]! - lo) / range) ** g;
  }
  const scale = Math.exp(u(aug.scale ?? 0)), shift = u(aug.shift ?? 0);
  const sigma = rand() * (aug.noise ?? 0);
  for (let i = 0; i < image.length; i++) {
    let v = image[i]! * scale + shift;
    if (sigma > 0) v += sigma * Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
    image[i] = v;
  }
}
