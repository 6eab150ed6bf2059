import { describe, expect, it } from 'vitest';
import { neuriteTubes3d, nucleiBlobs2d, nucleiBlobs3d, seededRandom, segmentDistance, vesselTree2d, vesselTree3d } from '../../src-shared/synth/index.ts';
import { componentSizes, foreground, sameBits } from './helpers.ts';

describe('vessel trees', () => {
  const opts = { roots: 1, rootRadius: [4, 5] as const, minRadius: 1, maxGenerations: 6, anastomosisProb: 0.5 };

  it('is deterministic by seed', () => {
    const a = vesselTree3d([24, 64, 64], opts, seededRandom(7));
    const b = vesselTree3d([24, 64, 64], opts, seededRandom(7));
    const c = vesselTree3d([24, 64, 64], opts, seededRandom(8));
    expect(sameBits(a.label, b.label)).toBe(true);
    expect(sameBits(a.occupancy, b.occupancy)).toBe(true);
    expect(a.segments.length).toBe(b.segments.length);
    expect(sameBits(a.label, c.label)).toBe(false);
  });

  it('shrinks radii with each generation (Murray split, never wider than the parent)', () => {
    for (const seed of [1, 2, 3]) {
      const t = vesselTree3d([48, 96, 96], { roots: 2, rootRadius: [5, 7], minRadius: 0.8, maxGenerations: 7, anastomosisProb: 0 }, seededRandom(seed));
      const byGen = new Map<number, number[]>();
      for (const b of t.branches) {
        if (b.parent >= 0 && !b.anastomosis) expect(b.radius).toBeLessThanOrEqual(t.branches[b.parent]!.radius + 1e-9);
        byGen.set(b.generation, [...(byGen.get(b.generation) ?? []), b.radius]);
      }
      const means = [...byGen.keys()].sort((a, b) => a - b).map((g) => byGen.get(g)!.reduce((s, r) => s + r, 0) / byGen.get(g)!.length);
      expect(means.length).toBeGreaterThan(3);
      for (let g = 1; g < means.length; g++) expect(means[g]!).toBeLessThanOrEqual(means[g - 1]! + 1e-9);
      expect(means[0]! / means[means.length - 1]!).toBeGreaterThan(2);
      // segment radii taper along the centreline too
      for (const s of t.segments) expect(s.rb).toBeLessThanOrEqual(s.ra + 1e-9);
    }
  });

  it('is one connected tree per root, and every labelled voxel lies inside a segment', () => {
    for (const seed of [11, 12, 13]) {
      const shape = [40, 80, 80] as const;
      const t = vesselTree3d(shape, { roots: 1, rootRadius: [3, 4], minRadius: 1, maxGenerations: 6, anastomosisProb: 0.3 }, seededRandom(seed));
      const fg = foreground(t.label);
      expect(fg).toBeGreaterThan(0.005);
      const sizes = componentSizes(t.label, shape);
      const total = sizes.reduce((s, v) => s + v, 0);
      expect(sizes[0]! / total).toBeGreaterThan(0.9);
      // spot-check the label against the centrelines
      const [Z, Y, X] = shape;
      for (let i = 0; i < t.label.length; i += 97) {
        const p = [Math.floor(i / (Y * X)), Math.floor(i / X) % Y, i % X];
        let inside = false;
        for (const s of t.segments) {
          const { d, t: u } = segmentDistance(p, s.a, s.b);
          if (d <= s.ra + u * (s.rb - s.ra) + 1e-9) { inside = true; break; }
        }
        expect(t.label[i]).toBe(inside ? 1 : 0);
        void Z;
      }
    }
  });

  it('joins some tips to other branches (anastomoses)', () => {
    const t = vesselTree3d([32, 96, 96], { roots: 3, rootRadius: [3, 4], minRadius: 1, maxGenerations: 5, anastomosisProb: 1, anastomosisReach: 40 }, seededRandom(5));
    expect(t.branches.some((b) => b.anastomosis)).toBe(true);
  });

  it('keeps strongly planar trees mostly in the y-x plane', () => {
    const t = vesselTree3d([16, 128, 128], { spacing: [4, 1, 1], roots: 2, planarity: 0.9, rootRadius: [3, 5], minRadius: 1 }, seededRandom(3));
    let dz = 0, dyx = 0;
    for (const s of t.segments) { dz += Math.abs(s.b[0] - s.a[0]); dyx += Math.hypot(s.b[1] - s.a[1], s.b[2] - s.a[2]); }
    expect(dz / dyx).toBeLessThan(0.3);
  });

  it('2D trees stay in the plane and are 8-connected', () => {
    const t = vesselTree2d([128, 128], { roots: 1, rootRadius: [2.5, 3], minRadius: 0.6, maxGenerations: 6, anastomosisProb: 0 }, seededRandom(4));
    expect(t.shape).toEqual([1, 128, 128]);
    for (const s of t.segments) { expect(s.a[0]).toBe(0); expect(s.b[0]).toBe(0); }
    const sizes = componentSizes(t.label, t.shape);
    expect(sizes[0]! / sizes.reduce((s, v) => s + v, 0)).toBeGreaterThan(0.9);
  });
});

describe('neurites', () => {
  it('are thin tubes with somata, deterministic by seed', () => {
    const shape = [32, 96, 96] as const;
    const a = neuriteTubes3d(shape, { fibres: 6, somata: 1 }, seededRandom(3));
    const b = neuriteTubes3d(shape, { fibres: 6, somata: 1 }, seededRandom(3));
    expect(sameBits(a.occupancy, b.occupancy)).toBe(true);
    const fg = foreground(a.label);
    expect(fg).toBeGreaterThan(0.002);
    expect(fg).toBeLessThan(0.1);
    expect(a.somata.length).toBe(1);
    // away from somata and varicosities neurites are at most ~2 voxels thick
    const thin = a.segments.filter((s) => s.ra <= 1.4 * 2.5).length / a.segments.length;
    expect(thin).toBeGreaterThan(0.95);
  });
});

describe('nuclei', () => {
  it('labels = instances > 0, separated blobs with plausible sizes, 3D and 2D', () => {
    const shape = [24, 64, 64] as const;
    const b = nucleiBlobs3d(shape, { count: 25, radius: [4, 6] }, seededRandom(9));
    let mismatch = 0;
    const sizes = new Map<number, number>();
    for (let i = 0; i < b.label.length; i++) {
      if ((b.label[i] === 1) !== (b.instances[i]! > 0)) mismatch++;
      if ((b.occupancy[i]! >= 0.5) !== (b.label[i] === 1) && b.instances[i] === 0 && b.occupancy[i]! >= 0.5) mismatch++;
      if (b.instances[i]) sizes.set(b.instances[i]!, (sizes.get(b.instances[i]!) ?? 0) + 1);
    }
    expect(mismatch).toBe(0);
    expect(b.blobs.length).toBeGreaterThan(5);
    // each visible blob's volume is within range of a ball of radius 4–6 (clipped ones smaller)
    for (const [, n] of sizes) expect(n).toBeLessThan((4 / 3) * Math.PI * (6 * 1.6) ** 3);
    const b2 = nucleiBlobs2d([64, 64], { count: 15, radius: [3, 5] }, seededRandom(9));
    expect(b2.shape).toEqual([1, 64, 64]);
    expect(foreground(b2.label)).toBeGreaterThan(0.05);
    const again = nucleiBlobs2d([64, 64], { count: 15, radius: [3, 5] }, seededRandom(9));
    expect(sameBits(b2.instances, again.instances)).toBe(true);
  });
});
