import { describe, it, expect } from 'vitest';
import { rays2d, rays3d } from '../../src-shared/instances/rays.ts';
import { starDistances } from '../../src-shared/instances/star-distances.ts';
import { StarPolygon } from '../../src-shared/instances/polygon.ts';
import { StarPolyhedron, polyhedronVolume } from '../../src-shared/instances/polyhedron.ts';
import { shapeMask, type StarShape } from '../../src-shared/instances/star-shape.ts';
import { iou, paintBlobs, starBlob } from './helpers.ts';

function paint(s: StarShape, shape: number[]): Uint8Array {
  const s3 = shape.length === 2 ? [1, shape[0], shape[1]] : shape;
  const out = new Uint8Array(s3[0] * s3[1] * s3[2]);
  const { mask } = shapeMask(s);
  const [z0, z1, y0, y1, x0, x1] = s.box;
  let i = 0;
  for (let z = z0; z <= z1; z++) for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++, i++) if (mask[i]) out[(z * s3[1] + y) * s3[2] + x] = 1;
  return out;
}

describe('star-convex shapes are reconstructed from their rays', () => {
  it('2D: random star-convex polygons and an ellipse, 32 rays', () => {
    const rays = rays2d(32);
    const h = 80, w = 90;
    const cases = [
      starBlob(h, w, 40, 45, 25, 1), starBlob(h, w, 40, 45, 18, 2), starBlob(h, w, 41, 44, 30, 3),
      paintBlobs([h, w], [{ c: [40, 45], r: [14, 30] }]),
    ];
    for (const lab of cases) {
      const dist = starDistances(lab, [h, w], rays);
      const cy = 40, cx = 45;
      const d = dist.subarray((cy * w + cx) * 32, (cy * w + cx + 1) * 32);
      const poly = new StarPolygon([cy, cx], d, rays, [h, w]);
      const back = paint(poly, [h, w]);
      const q = iou(lab, 1, back, 1);
      expect(q).toBeGreaterThanOrEqual(0.95);
      // the exact area agrees with the voxel count
      expect(Math.abs(poly.size - shapeMask(poly).count) / poly.size).toBeLessThan(0.05);
    }
  });

  it('3D: ellipsoids with 96 rays, isotropic and anisotropic [2,1,1]', () => {
    const shape = [40, 48, 48];
    for (const [an, r] of [[[1, 1, 1], [10, 14, 12]], [[2, 1, 1], [7, 14, 14]], [[2, 1, 1], [8, 12, 16]]] as [[number, number, number], number[]][]) {
      const rays = rays3d(96, an);
      expect(rays.faces.length / 3).toBe(2 * 96 - 4);
      const lab = paintBlobs(shape, [{ c: [20, 24, 24], r }]);
      const dist = starDistances(lab, shape as [number, number, number], rays);
      const i = (20 * 48 + 24) * 48 + 24;
      const poly = new StarPolyhedron([20, 24, 24], dist.subarray(i * 96, i * 96 + 96), rays, [40, 48, 48]);
      const back = paint(poly, shape);
      const q = iou(lab, 1, back, 1);
      console.log(`3D reconstruction anisotropy ${an} radii ${r}: IoU ${q.toFixed(4)}`);
      // Ceiling: the polyhedron on 96 golden-spiral tips of a unit sphere holds only 93.9% of
      // its volume (asserted below), so exact distances cannot reach IoU 0.95 with 96 rays
      // (measured 0.928–0.937; 256 rays on the [2,1,1] case still give only 0.946, the
      // 7-voxel z semi-axis' discretisation then dominates).
      expect(q).toBeGreaterThanOrEqual(0.92);
      expect(Math.abs(poly.size - shapeMask(poly).count) / poly.size).toBeLessThan(0.05);
    }
    // with more rays the same round trip clears the 0.95 (96 is the model's default)
    for (const [n, an, r] of [[384, [1, 1, 1], [12, 16, 14]], [384, [2, 1, 1], [9, 16, 18]]] as [number, [number, number, number], number[]][]) {
      const rays = rays3d(n, an);
      const lab = paintBlobs(shape, [{ c: [20, 24, 24], r }]);
      const dist = starDistances(lab, shape as [number, number, number], rays);
      const i = (20 * 48 + 24) * 48 + 24;
      const back = paint(new StarPolyhedron([20, 24, 24], dist.subarray(i * n, i * n + n), rays, [40, 48, 48]), shape);
      const q = iou(lab, 1, back, 1);
      console.log(`3D reconstruction, ${n} rays, anisotropy ${an}: IoU ${q.toFixed(4)}`);
      expect(q).toBeGreaterThanOrEqual(0.95);
    }
    const sphere = polyhedronVolume(new Float64Array(96).fill(1), rays3d(96)) / ((4 / 3) * Math.PI);
    expect(sphere).toBeGreaterThan(0.93);
    expect(sphere).toBeLessThan(0.945);
  });

});
