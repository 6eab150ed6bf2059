import { describe, expect, it } from 'vitest';
import { lightSheet, mriAngio, seededRandom, SYNTH_KINDS, synthSample, twoPhoton, type SynthKind } from '../../src-shared/synth/index.ts';
import { foreground, sameBits, stats } from './helpers.ts';

const SHAPES: Record<SynthKind, [number, number, number]> = {
  'vessels-2p': [16, 96, 96],
  'vessels-lightsheet': [24, 64, 64],
  'vessels-mra': [32, 64, 64],
  'vessels-random': [16, 96, 96],
  'neurites-lightsheet': [24, 64, 64],
  nuclei: [16, 64, 64],
  fundus: [1, 292, 283],
};

/** plausible foreground fractions per kind, over many seeds */
const FG: Record<SynthKind, [number, number]> = {
  'vessels-2p': [0.002, 0.5],
  'vessels-lightsheet': [0.005, 0.4],
  'vessels-mra': [0.001, 0.2],
  'vessels-random': [0.002, 0.6],
  'neurites-lightsheet': [0.002, 0.25],
  nuclei: [0.03, 0.6],
  fundus: [0.03, 0.3],
};

describe('synthSample', () => {
  it.each(SYNTH_KINDS)('%s: same seed → bit-identical, other seed → different', (kind) => {
    const a = synthSample(kind, SHAPES[kind], 42), b = synthSample(kind, SHAPES[kind], 42), c = synthSample(kind, SHAPES[kind], 43);
    expect(sameBits(a.image, b.image)).toBe(true);
    expect(sameBits(a.label, b.label)).toBe(true);
    expect(sameBits(a.image, c.image)).toBe(false);
    const n = a.shape[0] * a.shape[1] * a.shape[2];
    expect(a.image.length).toBe(n * a.channels);
    expect(a.label.length).toBe(n);
    expect(a.image.every(Number.isFinite)).toBe(true);
    expect(a.label.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it.each(SYNTH_KINDS)('%s: labels match the image (contrast sign and margin) and foreground is plausible', (kind) => {
    const shape = SHAPES[kind];
    const n = shape[0] * shape[1] * shape[2];
    for (const seed of [1, 2, 3, 4]) {
      const s = synthSample(kind, shape, seed);
      const fg = foreground(s.label);
      expect(fg, `seed ${seed} foreground`).toBeGreaterThan(FG[kind][0]);
      expect(fg, `seed ${seed} foreground`).toBeLessThan(FG[kind][1]);
      if (kind === 'fundus') {
        // dark vessels in green, inside the field of view
        const inFov = (i: number) => s.fov![i] === 1;
        const v = stats(s.image, n, (i) => inFov(i) && s.label[i] === 1, 1);
        const bg = stats(s.image, n, (i) => inFov(i) && s.label[i] === 0, 1);
        expect(v.mean, `seed ${seed}`).toBeLessThan(bg.mean - 0.3 * bg.sd);
      } else {
        // bright objects: fluorescence and time-of-flight inflow
        const v = stats(s.image, n, (i) => s.label[i] === 1);
        const bg = stats(s.image, n, (i) => s.label[i] === 0);
        expect(v.mean, `seed ${seed}`).toBeGreaterThan(bg.mean + 0.5 * bg.sd);
      }
    }
  });

  it('fundus: RGB, red-orange, a round field of view, label only inside it', () => {
    const [, H, W] = SHAPES.fundus, n = H * W;
    const s = synthSample('fundus', SHAPES.fundus, 7);
    expect(s.channels).toBe(3);
    const fov = s.fov!;
    const frac = foreground(fov);
    expect(frac).toBeGreaterThan(0.5);
    expect(frac).toBeLessThan(Math.PI / 4 + 0.01);
    // the corners are outside, the centre inside
    expect(fov[0]).toBe(0); expect(fov[n - 1]).toBe(0); expect(fov[(H >> 1) * W + (W >> 1)]).toBe(1);
    for (let i = 0; i < n; i++) if (!fov[i]) expect(s.label[i]).toBe(0);
    const inside = (i: number) => fov[i] === 1 && s.label[i] === 0;
    const r = stats(s.image, n, inside, 0).mean, g = stats(s.image, n, inside, 1).mean, b = stats(s.image, n, inside, 2).mean;
    expect(r).toBeGreaterThan(g); expect(g).toBeGreaterThan(b);
    const outside = stats(s.image, n, (i) => !fov[i], 1).mean;
    expect(outside).toBeLessThan(0.2 * g);
    // vessels are most visible in green: relative contrast green > red
    const rel = (c: number) => 1 - stats(s.image, n, (i) => fov[i] === 1 && s.label[i] === 1, c).mean / stats(s.image, n, inside, c).mean;
    expect(rel(1)).toBeGreaterThan(rel(0));
  });

  it('refuses a 3D fundus', () => {
    expect(() => synthSample('fundus', [4, 64, 64], 1)).toThrow(/2D/);
  });

  it('nuclei in 2D (z = 1) carry instance ids', () => {
    const s = synthSample('nuclei', [1, 96, 96], 5);
    expect(s.instances).toBeDefined();
    let ids = 0;
    for (const v of new Set(s.instances)) if (v > 0) ids++;
    expect(ids).toBeGreaterThan(3);
  });
});

describe('imaging models', () => {
  const shape = [12, 48, 48] as const;
  const n = 12 * 48 * 48;
  const half = new Float32Array(n).fill(0.5), none = new Uint8Array(n);

  it('two-photon: intensity decays with depth', () => {
    const img = twoPhoton(half, none, shape, { depthDecay: 10, photons: 1000, haze: 0 }, seededRandom(1));
    const slice = (z: number) => stats(img.subarray(z * 48 * 48, (z + 1) * 48 * 48), 48 * 48, () => true).mean;
    expect(slice(11)).toBeLessThan(0.5 * slice(0));
  });

  it('light-sheet: stripes vary across y and stay constant along x', () => {
    const img = lightSheet(half, none, shape, { stripes: 0.8, stripeWidth: 3, psf: [0, 0, 0], photons: 1e6, readNoise: 0, texture: 0, background: 0, illuminationDecay: Infinity, depthDecay: Infinity }, seededRandom(2));
    const z = 6;
    let varRows = 0, varCols = 0;
    const rows: number[] = [], cols: number[] = [];
    for (let y = 0; y < 48; y++) { let s = 0; for (let x = 0; x < 48; x++) s += img[(z * 48 + y) * 48 + x]!; rows.push(s / 48); }
    for (let x = 0; x < 48; x++) { let s = 0; for (let y = 0; y < 48; y++) s += img[(z * 48 + y) * 48 + x]!; cols.push(s / 48); }
    const variance = (a: number[]) => { const m = a.reduce((s, v) => s + v, 0) / a.length; return a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length; };
    varRows = variance(rows); varCols = variance(cols);
    expect(varRows).toBeGreaterThan(20 * varCols);
  });

  it('MR angiography: Rician noise biases a zero signal upwards and stays non-negative', () => {
    const zero = new Float32Array(n);
    const img = mriAngio(zero, none, shape, { head: false, tissue: 0, air: 0, bias: 0, noise: 0.1 }, seededRandom(3));
    const m = stats(img, n, () => true).mean;
    // the mean of a Rayleigh distribution is σ√(π/2)
    expect(m).toBeGreaterThan(0.1 * Math.sqrt(Math.PI / 2) * 0.9);
    expect(m).toBeLessThan(0.1 * Math.sqrt(Math.PI / 2) * 1.1);
    expect(img.every((v) => v >= 0)).toBe(true);
  });
});
