// The domain-randomised imaging chain: every draw is a valid recorded image, its knobs do what they
// say, and a stream of seeds covers microscopes that differ (the point of randomising).
import { describe, expect, it } from 'vitest';
import { drawRandomizedImaging, randomizedImaging, Rng, synthSample, type RandomizedImagingParams } from '../../src-shared/synth/index.ts';

const SHAPE = [12, 64, 64] as const;

/** Two bright tubes along x, one in each half of the field, on an empty background. */
function tubes(): Float32Array {
  const occ = new Float32Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
  for (let z = 4; z < 8; z++) for (const y0 of [16, 48]) for (let y = y0 - 2; y <= y0 + 2; y++) for (let x = 0; x < SHAPE[2]; x++) occ[(z * SHAPE[1] + y) * SHAPE[2] + x] = 1;
  return occ;
}

const plain: RandomizedImagingParams = {
  brightnessSpread: 0, texture: 0, background: 0.05, backgroundTexture: 0, backgroundCell: 8, psf: [0.5, 0.5, 0.5], inhomogeneity: 0,
  depthDecay: Infinity, stripes: 0, photons: 1e6, speckle: 0, readNoise: 0.001, denoise: 0, gamma: 1, saturateAt: 1, eightBit: false,
};

describe('randomised imaging', () => {
  it('records images in [0, 1]; 8-bit draws come in steps of 1/255', () => {
    const img = randomizedImaging(tubes(), SHAPE, { ...plain, eightBit: true }, Rng.fromSeed(1));
    expect(img.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(img.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4)).toBe(true);
    expect(Math.max(...img)).toBe(1);
  });

  it('brightness spread makes structures differ in brightness; without it they match', () => {
    const inside = (img: Float32Array, y0: number) => {
      let s = 0, n = 0;
      for (let z = 5; z < 7; z++) for (let x = 8; x < 56; x++) { s += img[(z * SHAPE[1] + y0) * SHAPE[2] + x]!; n++; }
      return s / n;
    };
    const ratio = (spread: number, seed: number) => {
      const img = randomizedImaging(tubes(), SHAPE, { ...plain, brightnessSpread: spread }, Rng.fromSeed(seed));
      const a = inside(img, 16), b = inside(img, 48);
      return Math.max(a, b) / Math.min(a, b);
    };
    for (const seed of [1, 2, 3]) expect(ratio(0, seed)).toBeLessThan(1.05);
    expect(Math.max(...[1, 2, 3, 4, 5].map((s) => ratio(1, s)))).toBeGreaterThan(1.3);
  });

  it('depth decay darkens deep slices; gamma above 1 darkens mid-tones', () => {
    const mean = (img: Float32Array, z: number) => { let s = 0; const P = SHAPE[1] * SHAPE[2]; for (let i = z * P; i < (z + 1) * P; i++) s += img[i]!; return s / P; };
    const decayed = randomizedImaging(tubes(), SHAPE, { ...plain, depthDecay: 3 }, Rng.fromSeed(4));
    expect(mean(decayed, 7)).toBeLessThan(0.6 * mean(decayed, 4));
    // mid-tones: the tubes' blurred edges, the same voxels in both (same seed, same noise)
    const blurred = { ...plain, psf: [1, 1.5, 1.5] as [number, number, number] };
    const lin = randomizedImaging(tubes(), SHAPE, blurred, Rng.fromSeed(5));
    const dark = randomizedImaging(tubes(), SHAPE, { ...blurred, gamma: 2 }, Rng.fromSeed(5));
    const mid = [...lin.keys()].filter((i) => lin[i]! > 0.2 && lin[i]! < 0.8);
    expect(mid.length).toBeGreaterThan(100);
    const avg = (img: Float32Array) => mid.reduce((a, i) => a + img[i]!, 0) / mid.length;
    expect(avg(dark)).toBeLessThan(0.8 * avg(lin));
  });

  it('a stream of seeds spans different microscopes and vessel scales', () => {
    const draws = Array.from({ length: 40 }, (_, i) => drawRandomizedImaging(Rng.fromSeed(i), 2));
    const spread = (f: (p: RandomizedImagingParams) => number) => { const v = draws.map(f); return Math.max(...v) / Math.min(...v); };
    expect(spread((p) => p.photons)).toBeGreaterThan(10);
    expect(spread((p) => p.background)).toBeGreaterThan(5);
    expect(spread((p) => p.gamma)).toBeGreaterThan(2);
    expect(draws.some((p) => p.stripes > 0) && draws.some((p) => p.stripes === 0)).toBe(true);
    // the vessels themselves: from capillary beds to trunks many voxels wide
    const fg = [1, 2, 3, 4, 5, 6].map((seed) => { const s = synthSample('vessels-random', [8, 96, 96], seed); return s.label.reduce((a, v) => a + v, 0) / s.label.length; });
    expect(Math.max(...fg) / Math.min(...fg)).toBeGreaterThan(3);
  });
});
