import { describe, expect, it } from 'vitest';
import { drawTube, makeGrid } from '../../src-shared/synth/index.ts';

/** Distance from p to segment ab, written out independently of the rasteriser. */
function dist(p: number[], a: number[], b: number[]): { d: number; t: number } {
  const ab = [b[0]! - a[0]!, b[1]! - a[1]!, b[2]! - a[2]!];
  const ap = [p[0]! - a[0]!, p[1]! - a[1]!, p[2]! - a[2]!];
  const L2 = ab[0]! ** 2 + ab[1]! ** 2 + ab[2]! ** 2;
  const t = Math.min(1, Math.max(0, (ap[0]! * ab[0]! + ap[1]! * ab[1]! + ap[2]! * ab[2]!) / L2));
  return { d: Math.hypot(ap[0]! - t * ab[0]!, ap[1]! - t * ab[1]!, ap[2]! - t * ab[2]!), t };
}

function check(shape: [number, number, number], spacing: [number, number, number], segs: { a: number[]; b: number[]; ra: number; rb: number }[]) {
  const g = makeGrid(shape, spacing);
  for (const s of segs) drawTube(g, s.a, s.b, s.ra, s.rb);
  const [Z, Y, X] = shape;
  let labelled = 0, mismatches = 0, margin = Infinity;
  for (let z = 0; z < Z; z++) for (let y = 0; y < Y; y++) for (let x = 0; x < X; x++) {
    const i = (z * Y + y) * X + x;
    const p = [z * spacing[0], y * spacing[1], x * spacing[2]];
    // inside iff within r(t) of some segment's axis
    let inside = false, best = Infinity;
    for (const s of segs) {
      const { d, t } = dist(p, s.a, s.b);
      const r = s.ra + t * (s.rb - s.ra);
      if (d <= r) inside = true;
      best = Math.min(best, Math.abs(d - r));
    }
    if (g.label[i]) labelled++;
    // skip voxels within rounding distance of the surface
    if (best < 1e-9) continue;
    margin = Math.min(margin, best);
    if ((g.label[i] === 1) !== inside) mismatches++;
    // occupancy is a partial-volume ramp around the same surface: ≥ 0.5 exactly inside
    if ((g.occupancy[i]! >= 0.5) !== (g.label[i] === 1)) mismatches++;
    if (g.occupancy[i]! < 0 || g.occupancy[i]! > 1) mismatches++;
  }
  return { labelled, mismatches, g };
}

describe('tube rasteriser', () => {
  it('labels exactly the voxel centres inside a straight tube', () => {
    const { labelled, mismatches } = check([20, 24, 24], [1, 1, 1], [{ a: [3, 11.3, 12.2], b: [16, 11.3, 12.2], ra: 3, rb: 3 }]);
    expect(mismatches).toBe(0);
    // a cylinder of radius 3 and length 13 plus two half-ball caps: ~ π·9·13 + 4/3·π·27 ≈ 481 voxels
    expect(labelled).toBeGreaterThan(400);
    expect(labelled).toBeLessThan(560);
  });

  it('labels exactly the voxel centres inside an oblique, tapered, bent tube', () => {
    const { labelled, mismatches } = check([24, 32, 32], [1, 1, 1], [
      { a: [4.2, 5.5, 6.1], b: [12.7, 16.3, 14.9], ra: 4, rb: 2.5 },
      { a: [12.7, 16.3, 14.9], b: [18.1, 10.2, 26.4], ra: 2.5, rb: 1.2 },
    ]);
    expect(mismatches).toBe(0);
    expect(labelled).toBeGreaterThan(200);
  });

  it('respects anisotropic voxel spacing', () => {
    const { mismatches, g } = check([10, 30, 30], [3, 1, 1], [{ a: [2, 4, 4], b: [25, 25, 22], ra: 2.2, rb: 2.2 }]);
    expect(mismatches).toBe(0);
    // the tube crosses every z-slice between z = 1 and z = 8
    for (let z = 1; z <= 8; z++) expect(g.label.subarray(z * 900, (z + 1) * 900).some((v) => v === 1)).toBe(true);
  });

  it('clips tubes that leave the grid', () => {
    const { mismatches } = check([8, 16, 16], [1, 1, 1], [{ a: [-5, -3, 8], b: [12, 20, 8], ra: 2, rb: 2 }]);
    expect(mismatches).toBe(0);
  });
});
