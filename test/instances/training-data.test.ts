// StarDist training data: targets from instance labels, ray permutations for flipped and turned
// patches, the object hold-out, and ids drawn in two pieces. Checked against the geometry code's
// own ground truth on the transformed labels, not against hand-copied numbers.
import { describe, it, expect } from 'vitest';
import { rays2d, rays3d } from '../../src-shared/instances/rays.ts';
import { starDistances } from '../../src-shared/instances/star-distances.ts';
import { rayChannelOrder } from '../../src-shared/instances/train/ray-order.ts';
import { starPatchSource } from '../../src-shared/instances/train/star-source.ts';
import { splitObjects } from '../../src-shared/instances/train/validation-objects.ts';
import { decodeStarOutput } from '../../src-shared/instances/train/predict-instances.ts';
import { defaultDecoding } from '../../src-shared/instances/train/decoding.ts';
import { separatePieces } from '../../src-shared/eval/split-objects.ts';
import { evaluateInstances } from '../../src-shared/eval/instance-matching.ts';
import { samplePatch } from '../../src-shared/train/patches.ts';
import { seededRandom } from '../../src-shared/random.ts';
import { blobGrid, paintBlobs } from './helpers.ts';

/** (y, x) → the source pixel a patch reads after `turns` quarter turns and flips (train/patches.ts's rule). */
function transformLabels(labels: Uint16Array, n: number, flipY: boolean, flipX: boolean, turns: number): Uint16Array {
  const out = new Uint16Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    let ry = y, rx = x;
    for (let t = 0; t < turns; t++) [ry, rx] = [rx, n - 1 - ry];
    out[y * n + x] = labels[(flipY ? n - 1 - ry : ry) * n + (flipX ? n - 1 - rx : rx)]!;
  }
  return out;
}

describe('ray channel order', () => {
  const n = 48;
  const labels = paintBlobs([n, n], blobGrid([n, n], [3, 3], 0.9, 7));
  const rays = rays2d(32);
  const order = rayChannelOrder(rays);
  it('every flip and quarter turn of a patch reads the distances of the transformed labels', () => {
    const base = starDistances(labels, [n, n], rays);
    for (const turns of [0, 1, 2, 3]) for (const flipY of [false, true]) for (const flipX of [false, true]) {
      const moved = starDistances(transformLabels(labels, n, flipY, flipX, turns), [n, n], rays);
      const o = order([false, flipY, flipX], turns)!;
      // the distances at output pixel (y, x) along ray k = the source pixel's along ray o[1+k]-1
      let worst = 0;
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
        let ry = y, rx = x;
        for (let t = 0; t < turns; t++) [ry, rx] = [rx, n - 1 - ry];
        const s = (flipY ? n - 1 - ry : ry) * n + (flipX ? n - 1 - rx : rx);
        for (let k = 0; k < 32; k++) worst = Math.max(worst, Math.abs(moved[(y * n + x) * 32 + k]! - base[s * 32 + o[1 + k]! - 1]!));
      }
      expect(worst, `turns ${turns} flipY ${flipY} flipX ${flipX}`).toBeLessThan(1e-4);
    }
  });
  it('3D rays offer only the identity', () => {
    const o3 = rayChannelOrder(rays3d(24));
    expect(o3([false, false, false], 0)).toBeDefined();
    expect(o3([false, true, false], 0)).toBeUndefined();
    expect(o3([false, false, false], 1)).toBeUndefined();
  });
});

describe('StarDist targets', () => {
  it('decoding the targets of a 2D image gives its objects back', () => {
    const n = 96;
    const labels = paintBlobs([n, n], blobGrid([n, n], [5, 5], 0.95, 3));
    const src = starPatchSource({ image: new Float32Array(n * n), channels: 1, shape: [1, n, n], instances: labels }, rays2d(32));
    expect(src.targetChannels).toBe(33);
    const d = { ...defaultDecoding(2), probThreshold: 0.4, nmsThreshold: 0.3 };
    const objects = decodeStarOutput(src.target, [1, n, n], d);
    const f1 = evaluateInstances(labels, objects.labels, [1, n, n], { thresholds: [0.5] }).perThreshold[0]!.f1;
    expect(f1).toBeGreaterThan(0.95);
  });
  it('decoding the targets of an anisotropic 3D volume gives its objects back', () => {
    const shape = [16, 48, 48];
    const labels = paintBlobs(shape, blobGrid(shape, [2, 3, 3], 0.95, 5).map((b) => ({ c: b.c, r: [b.r[0]!, b.r[1]!, b.r[2]!] })));
    const d = { ...defaultDecoding(3, [2, 1, 1]), probThreshold: 0.4, nmsThreshold: 0.3 };
    const src = starPatchSource({ image: new Float32Array(labels.length), channels: 1, shape: [16, 48, 48], instances: labels, spacing: [2, 1, 1] }, rays3d(96, d.anisotropy));
    const objects = decodeStarOutput(src.target, [16, 48, 48], d);
    const f1 = evaluateInstances(labels, objects.labels, [16, 48, 48], { thresholds: [0.5] }).perThreshold[0]!.f1;
    expect(f1).toBeGreaterThan(0.9);
  });
  it('sparse annotation: weight 0 outside the annotated region except on drawn objects', () => {
    const n = 32;
    const labels = new Uint16Array(n * n);
    for (let y = 10; y < 16; y++) for (let x = 20; x < 26; x++) labels[y * n + x] = 5;
    const annotated = Uint8Array.from({ length: n * n }, (_, i) => (i % n < 16 ? 1 : 0));
    const src = starPatchSource({ image: new Float32Array(n * n), channels: 1, shape: [1, n, n], instances: labels, annotated }, rays2d(8));
    expect(src.weight[3 * n + 3]).toBe(1); // annotated background
    expect(src.weight[3 * n + 30]).toBe(0); // unknown
    expect(src.weight[12 * n + 22]).toBe(1); // a drawn object outside the region
  });
  it('a flipped training patch carries permuted rays that match its own labels', () => {
    const n = 64;
    const labels = paintBlobs([n, n], blobGrid([n, n], [4, 4], 0.9, 11));
    const rays = rays2d(16);
    const src = starPatchSource({ image: Float32Array.from(labels), channels: 1, shape: [1, n, n], instances: labels }, rays);
    const rand = seededRandom(2);
    for (let t = 0; t < 6; t++) {
      const p = samplePatch(src, { size: [1, n, n], flips: true, rotations: true, labeledFraction: 0 }, rand);
      // the patch's image is the labels themselves: its distances must equal the patch's target
      const again = starDistances(Uint16Array.from(p.image), [n, n], rays);
      let worst = 0;
      for (let i = 0; i < n * n; i++) for (let k = 0; k < 16; k++) worst = Math.max(worst, Math.abs(again[i * 16 + k]! - p.target[(1 + k) * n * n + i]!));
      expect(worst).toBeLessThan(1e-4);
    }
  });
});

describe('objects held out for thresholds', () => {
  it('holds out about a fifth of the objects, with their part of the region, and never trains on them', () => {
    const shape: [number, number, number] = [1, 100, 60];
    const labels = paintBlobs([100, 60], blobGrid([100, 60], [10, 6], 0.8, 1));
    const s = splitObjects(labels, shape, undefined);
    expect(s.trainObjects + s.validationObjects).toBe(60);
    expect(s.validationObjects).toBeGreaterThanOrEqual(10);
    expect(s.validationObjects).toBeLessThanOrEqual(15);
    for (let i = 0; i < labels.length; i++) {
      expect(s.trainWeight[i]! * s.validationWeight![i]!).toBe(0);
      if (s.scoreTruth[i]) expect(s.trainWeight[i]).toBe(0);
    }
  });
  it('a handful of objects all train and score', () => {
    const labels = paintBlobs([40, 40], blobGrid([40, 40], [2, 2], 0.8, 1));
    const s = splitObjects(labels, [1, 40, 40], undefined);
    expect(s.validationWeight).toBeUndefined();
    expect(s.trainObjects).toBe(4);
  });
});

describe('ids drawn in two pieces', () => {
  it('each piece becomes an object of its own', () => {
    const n = 20;
    const labels = new Uint16Array(n * n);
    for (let x = 0; x < 4; x++) { labels[2 * n + x] = 7; labels[10 * n + x] = 7; labels[15 * n + x] = 3; }
    const r = separatePieces(labels, [1, n, n]);
    expect(r.split).toEqual([{ id: 7, pieces: 2 }]);
    expect(r.labels[2 * n]).toBe(7);
    expect(r.labels[10 * n]).toBe(8);
    expect(r.labels[15 * n]).toBe(3);
  });
  it('uint32 when new ids pass 65535', () => {
    const labels = new Uint16Array(10);
    labels[0] = 65535; labels[5] = 65535;
    const r = separatePieces(labels, [1, 1, 10]);
    expect(r.labels).toBeInstanceOf(Uint32Array);
    expect(r.labels[5]).toBe(65536);
  });
});

describe('thresholds tuned on held-out objects', () => {
  it('a network whose probabilities run low gets a lower probability threshold, and finds the objects', async () => {
    const { optimiseThresholds, f1At } = await import('../../src-shared/instances/train/thresholds.ts');
    const n = 96;
    const labels = paintBlobs([n, n], blobGrid([n, n], [5, 5], 0.95, 9));
    const src = starPatchSource({ image: new Float32Array(n * n), channels: 1, shape: [1, n, n], instances: labels }, rays2d(32));
    const out = Float32Array.from(src.target);
    for (let i = 0; i < n * n; i++) out[i] = out[i]! * 0.55; // an under-confident network: nothing above 0.55
    const d = defaultDecoding(2);
    const everywhere = new Uint8Array(n * n).fill(1);
    expect(f1At(out, [1, n, n], d, labels, everywhere, 0.6, 0.4)).toBe(0);
    const choice = optimiseThresholds(out, [1, n, n], d, labels, everywhere);
    expect(choice.probThreshold).toBeLessThan(0.55);
    expect(choice.f1).toBeGreaterThan(0.95);
  });
});
