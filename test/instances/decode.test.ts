import { describe, it, expect } from 'vitest';
import { rays2d, rays3d } from '../../src-shared/instances/rays.ts';
import { starDistances } from '../../src-shared/instances/star-distances.ts';
import { objectProbability } from '../../src-shared/instances/object-probability.ts';
import { nonMaximumSuppression, type Candidate } from '../../src-shared/instances/nms.ts';
import { instancesFromPrediction, labelArrayFor } from '../../src-shared/instances/to-instances.ts';
import { seededRandom } from '../../src-shared/random.ts';
import { blobGrid, distinctIds, matchIoUs, paintBlobs } from './helpers.ts';

const fmt = (t: { candidates: number; nms: number; rasterise: number }): string =>
  `candidates ${t.candidates.toFixed(0)} ms, nms ${t.nms.toFixed(0)} ms, rasterise ${t.rasterise.toFixed(0)} ms`;

describe('object probability', () => {
  it('is the EDT inside each object over its maximum', () => {
    const lab = paintBlobs([40, 60], [{ c: [20, 18], r: [10, 10] }, { c: [20, 39], r: [10, 10] }]);
    const p = objectProbability(lab, [40, 60]);
    expect(p[20 * 60 + 18]).toBeCloseTo(1, 5); // disc centre
    // max: (21, 8) is outside the r = 10 disc (1² + 10² > 10²), √101 from the centre
    expect(p[20 * 60 + 8]).toBeCloseTo(1 / Math.sqrt(101), 5); // edge pixel: 1 px from background
    expect(p[0]).toBe(0);
    // touching discs: the pixel next to the other object is 1 px from it
    const x = 28; expect(lab[20 * 60 + x]).toBe(1); expect(lab[20 * 60 + x + 1]).toBe(2);
    expect(p[20 * 60 + x]).toBeCloseTo(1 / Math.sqrt(101), 5);
  });
});

describe('decoding predictions into instances', () => {
  it('keeps two touching discs apart', () => {
    const shape: [number, number] = [64, 80];
    const truth = paintBlobs(shape, [{ c: [32, 29], r: [11, 11] }, { c: [32, 51], r: [11, 11] }]);
    const rays = rays2d(32);
    const res = instancesFromPrediction(objectProbability(truth, shape), starDistances(truth, shape, rays), shape, { probThreshold: 0.5, nmsThreshold: 0.4, rays });
    expect(res.count).toBe(2);
    expect(res.labels).toBeInstanceOf(Uint16Array);
    for (const q of matchIoUs(truth, res.labels, 2)) expect(q).toBeGreaterThanOrEqual(0.9);
  });

  it('suppresses duplicates: many candidates of one object give one', () => {
    const shape: [number, number] = [64, 64];
    const truth = paintBlobs(shape, [{ c: [32, 32], r: [14, 10] }]);
    const rays = rays2d(32);
    const dist = starDistances(truth, shape, rays);
    const rand = seededRandom(5);
    const cands: Candidate[] = [];
    for (let y = 26; y <= 38; y++) for (let x = 28; x <= 36; x++) {
      const i = y * 64 + x;
      cands.push({ centre: [y, x], dists: dist.subarray(i * 32, i * 32 + 32), prob: rand() });
    }
    const r = nonMaximumSuppression(cands, { nmsThreshold: 0.4, rays, shape });
    expect(r.kept).toHaveLength(1);
    expect(cands[r.kept[0]].prob).toBe(Math.max(...cands.map((c) => c.prob)));
    // the same in 3D
    const s3: [number, number, number] = [24, 32, 32];
    const t3 = paintBlobs(s3, [{ c: [12, 16, 16], r: [8, 10, 9] }]);
    const r3 = rays3d(96);
    const d3 = starDistances(t3, s3, r3);
    const c3: Candidate[] = [];
    for (let z = 10; z <= 14; z++) for (let y = 14; y <= 18; y++) for (let x = 14; x <= 18; x++) {
      const i = (z * 32 + y) * 32 + x;
      c3.push({ centre: [z, y, x], dists: d3.subarray(i * 96, i * 96 + 96), prob: rand() });
    }
    expect(nonMaximumSuppression(c3, { nmsThreshold: 0.3, rays: r3, shape: s3 }).kept).toHaveLength(1);
    // with no suppression allowed beyond identical shapes, distinct candidates survive
    expect(nonMaximumSuppression(cands.slice(0, 3), { nmsThreshold: 0.999, rays, shape }).kept.length).toBeGreaterThan(1);
  });

  it('2D: ~200 small discs on 512×512 are all recovered (timing printed)', () => {
    const shape: [number, number] = [512, 512];
    const blobs = blobGrid(shape, [15, 14], 1.0, 7);
    const truth = paintBlobs(shape, blobs);
    const rays = rays2d(32);
    const prob = objectProbability(truth, shape), dist = starDistances(truth, shape, rays);
    const t0 = performance.now();
    const res = instancesFromPrediction(prob, dist, shape, { probThreshold: 0.5, nmsThreshold: 0.4, rays });
    const total = performance.now() - t0;
    console.log(`2D 512×512, ${blobs.length} objects, ${res.candidateCount} candidates: total ${total.toFixed(0)} ms (${fmt(res.timings)}); nms pairs ${JSON.stringify(res.nmsStats)}`);
    expect(res.count).toBe(blobs.length);
    const ious = matchIoUs(truth, res.labels, blobs.length);
    console.log(`  min IoU ${Math.min(...ious).toFixed(3)}`);
    for (const q of ious) expect(q).toBeGreaterThanOrEqual(0.8);
  });

  it('3D: 50 touching ellipsoids on 32×96×96 are all recovered', () => {
    const shape: [number, number, number] = [32, 96, 96];
    const blobs = blobGrid(shape, [2, 5, 5], 1.05, 11);
    const truth = paintBlobs(shape, blobs);
    const rays = rays3d(96);
    const prob = objectProbability(truth, shape), dist = starDistances(truth, shape, rays);
    const res = instancesFromPrediction(prob, dist, shape, { probThreshold: 0.5, nmsThreshold: 0.3, rays });
    console.log(`3D 32×96×96, ${blobs.length} objects, ${res.candidateCount} candidates: ${fmt(res.timings)}; ${JSON.stringify(res.nmsStats)}`);
    expect(res.count).toBe(blobs.length);
    const ious = matchIoUs(truth, res.labels, blobs.length);
    console.log(`  min IoU ${Math.min(...ious).toFixed(3)}`);
    for (const q of ious) expect(q).toBeGreaterThanOrEqual(0.8);
  });

  it('more than 65535 objects come out as Uint32Array', () => {
    expect(labelArrayFor(65535, 1)).toBeInstanceOf(Uint16Array);
    expect(labelArrayFor(65536, 1)).toBeInstanceOf(Uint32Array);
    // every pixel its own half-pixel polygon: 90 000 objects
    const shape: [number, number] = [300, 300];
    const rays = rays2d(8);
    const res = instancesFromPrediction(new Float32Array(90000).fill(1), new Float32Array(90000 * 8).fill(0.5), shape, { probThreshold: 0.5, nmsThreshold: 0.3, rays });
    expect(res.count).toBe(90000);
    expect(res.labels).toBeInstanceOf(Uint32Array);
    expect(distinctIds(res.labels)).toBe(90000);
  });
});
