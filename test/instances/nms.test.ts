import { describe, it, expect } from 'vitest';
import { rays2d, rays3d, type Rays } from '../../src-shared/instances/rays.ts';
import { nonMaximumSuppression, type Candidate } from '../../src-shared/instances/nms.ts';
import { StarPolygon } from '../../src-shared/instances/polygon.ts';
import { StarPolyhedron } from '../../src-shared/instances/polyhedron.ts';
import { shapeMask, type StarShape } from '../../src-shared/instances/star-shape.ts';
import { seededRandom } from '../../src-shared/random.ts';

// Reference NMS with no shortcuts: full masks in image space, IoU = counted intersection
// over (exact size + exact size - intersection), every kept shape compared.
function referenceNms(cands: Candidate[], rays: Rays, shape: [number, number, number], thr: number): number[] {
  const order = cands.map((_, i) => i).sort((a, b) => cands[b].prob - cands[a].prob || a - b);
  const kept: { i: number; s: StarShape; vox: Set<number> }[] = [];
  for (const i of order) {
    const c = cands[i];
    const s: StarShape = rays.dim === 2
      ? new StarPolygon([c.centre[0], c.centre[1]], c.dists, rays, [shape[1], shape[2]])
      : new StarPolyhedron([c.centre[0], c.centre[1], c.centre[2]], c.dists, rays, shape);
    const vox = new Set<number>();
    const { mask } = shapeMask(s);
    const [z0, z1, y0, y1, x0, x1] = s.box;
    let m = 0;
    for (let z = z0; z <= z1; z++) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++, m++) if (mask[m]) vox.add((z * shape[1] + y) * shape[2] + x);
    let suppressed = false;
    for (const k of kept) {
      let inter = 0;
      for (const v of vox) if (k.vox.has(v)) inter++;
      if (inter / (s.size + k.s.size - inter) > thr) { suppressed = true; break; }
    }
    if (!suppressed) kept.push({ i, s, vox });
  }
  return kept.map((k) => k.i);
}

function randomCandidates(rays: Rays, shape: [number, number, number], count: number, seed: number): Candidate[] {
  const rand = seededRandom(seed);
  const out: Candidate[] = [];
  for (let i = 0; i < count; i++) {
    const base = 5 + 6 * rand();
    const dists = Float32Array.from({ length: rays.n }, () => base * (0.7 + 0.6 * rand()));
    const centre = rays.dim === 2
      ? [Math.floor(rand() * shape[1]), Math.floor(rand() * shape[2])]
      : [Math.floor(rand() * shape[0]), Math.floor(rand() * shape[1]), Math.floor(rand() * shape[2])];
    out.push({ centre, dists, prob: rand() });
  }
  return out;
}

describe('NMS shortcuts give the same answer as plain pairwise IoU', () => {
  it('2D, dense random candidates, several thresholds', () => {
    const rays = rays2d(32);
    const shape: [number, number, number] = [1, 60, 70];
    for (const [thr, seed] of [[0.1, 1], [0.3, 2], [0.5, 3], [0.7, 4]]) {
      const cands = randomCandidates(rays, shape, 250, seed);
      const got = nonMaximumSuppression(cands, { nmsThreshold: thr, rays, shape: [60, 70] });
      expect(got.kept).toEqual(referenceNms(cands, rays, shape, thr));
      expect(got.kept.length).toBeGreaterThan(1);
      expect(got.kept.length).toBeLessThan(250);
      // both the ball bounds and the voxel count were exercised
      expect(got.stats.byBounds).toBeGreaterThan(0);
      expect(got.stats.counted).toBeGreaterThan(0);
    }
  });

  it('3D, dense random candidates', () => {
    const rays = rays3d(96, [2, 1, 1]);
    const shape: [number, number, number] = [24, 40, 40];
    for (const [thr, seed] of [[0.2, 5], [0.4, 6]]) {
      const cands = randomCandidates(rays, shape, 120, seed);
      const got = nonMaximumSuppression(cands, { nmsThreshold: thr, rays, shape });
      expect(got.kept).toEqual(referenceNms(cands, rays, shape, thr));
      expect(got.kept.length).toBeGreaterThan(1);
    }
  });
});
