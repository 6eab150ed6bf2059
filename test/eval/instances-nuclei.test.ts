// Instance matching on real annotations: the StarDist sample's 125 nuclei (512×512, uint16 ids).
// Expected numbers are worked out here from the labels with simple loops, not from the code under test.
import { describe, it, expect, beforeAll } from 'vitest';
import { readVolume } from '../../src-shared/io/index.ts';
import { evaluateInstances } from '../../src-shared/eval/instance-matching.ts';
import { dataPath } from '../shared-data.ts';

const H = 512, W = 512, shape: [number, number, number] = [1, H, W];
let truth: Uint16Array;

beforeAll(async () => {
  const v = await readVolume(dataPath('nuclei2d/instances.tif'));
  expect(v.shape).toEqual([1, H, W, 1]);
  truth = v.data as Uint16Array;
});

/** Voxels per id. */
function sizes(labels: ArrayLike<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) if (labels[i]) m.set(labels[i]!, (m.get(labels[i]!) ?? 0) + 1);
  return m;
}

/** Each object shrunk by one pixel: a pixel stays when its four neighbours (inside the image) carry its id. */
function erode(labels: Uint16Array): Uint16Array {
  const out = new Uint16Array(labels.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = y * W + x, id = labels[i]!;
    if (!id) continue;
    const same = (yy: number, xx: number) => yy < 0 || yy >= H || xx < 0 || xx >= W || labels[yy * W + xx] === id;
    if (same(y - 1, x) && same(y + 1, x) && same(y, x - 1) && same(y, x + 1)) out[i] = id;
  }
  return out;
}

const TAUS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];

describe('instance matching on the nuclei2d annotations', () => {
  it('the truth against itself scores 1 at every threshold', () => {
    const r = evaluateInstances(truth, truth, shape);
    expect(r.truthObjects).toBe(125);
    expect(r.perThreshold.map((s) => s.tau)).toEqual(TAUS);
    for (const s of r.perThreshold) expect(s).toMatchObject({ tp: 125, fp: 0, fn: 0, f1: 1, ap: 1, meanMatchedIoU: 1, panopticQuality: 1 });
  });

  it('against the truth eroded by one pixel: exact counts per threshold, falling with τ', () => {
    const eroded = erode(truth);
    // an eroded nucleus lies inside its own truth and no other, so its IoU is its share of the
    // original, and it is a TP exactly when that share reaches τ
    const before = sizes(truth), after = sizes(eroded);
    const shares = [...before].map(([id, n]) => (after.get(id) ?? 0) / n);
    const r = evaluateInstances(truth, eroded, shape);
    for (const s of r.perThreshold) {
      const tp = shares.filter((q) => q >= s.tau).length;
      expect(s, `τ ${s.tau}`).toMatchObject({ tp, fn: 125 - tp, fp: after.size - tp });
    }
    const f1 = r.perThreshold.map((s) => s.f1);
    for (let k = 1; k < f1.length; k++) expect(f1[k]!).toBeLessThanOrEqual(f1[k - 1]!);
    // one pixel off a disc of radius r keeps about (1 - 1/r)² of it, and a disc loses the least (the
    // shortest outline for its area): ≥ 0.5 from r ≈ 3.4 (≈ 37 pixels), ≥ 0.9 only from r ≈ 19.5
    // (≈ 1194 pixels). So F1 stays near 1 at 0.5, where only the tiniest nuclei can fail, and is 0
    // at 0.9, since no nucleus here is that large
    const small = [...before.values()].filter((n) => n < 37).length;
    expect(small).toBeLessThanOrEqual(3);
    expect(r.perThreshold[0]!.tp).toBeGreaterThanOrEqual(125 - small);
    expect(f1[0]!).toBeGreaterThan(0.95);
    expect(Math.max(...before.values())).toBeLessThan(1194);
    expect(r.perThreshold.at(-1)).toMatchObject({ tp: 0, f1: 0 });
    const mean = r.perThreshold[0]!.meanMatchedIoU;
    const matched = shares.filter((q) => q >= 0.5);
    expect(mean).toBeCloseTo(matched.reduce((a, b) => a + b, 0) / matched.length, 12);
  });

  it('a centroid mask scores only the objects whose centroid lies inside, on both sides', () => {
    // centroid x per id, and which ids round into the left half
    const sumX = new Map<number, number>(), n = sizes(truth);
    for (let i = 0; i < truth.length; i++) if (truth[i]) sumX.set(truth[i]!, (sumX.get(truth[i]!) ?? 0) + (i % W));
    const leftIds = new Set([...sumX].filter(([id, s]) => Math.round(s / n.get(id)!) < W / 2).map(([id]) => id));
    expect(leftIds.size).toBeGreaterThan(20);
    expect(leftIds.size).toBeLessThan(105);
    const left = new Uint8Array(H * W), right = new Uint8Array(H * W);
    for (let i = 0; i < H * W; i++) (i % W < W / 2 ? left : right)[i] = 1;

    const inLeft = evaluateInstances(truth, truth, shape, { mask: left });
    expect(inLeft).toMatchObject({ truthObjects: leftIds.size, predObjects: leftIds.size, ignoredTruthObjects: 125 - leftIds.size, ignoredPredObjects: 125 - leftIds.size });
    expect(inLeft.perThreshold[0]).toMatchObject({ tp: leftIds.size, fp: 0, fn: 0 });

    // a prediction that found only the left nuclei: perfect on the left half, all right ones missed
    // overall; scoring the right half while ignoring left predictions: nothing found, nothing false
    const leftOnly = truth.map((id) => (leftIds.has(id) ? id : 0));
    expect(evaluateInstances(truth, leftOnly, shape, { mask: left }).perThreshold[0]).toMatchObject({ tp: leftIds.size, fp: 0, fn: 0, f1: 1 });
    expect(evaluateInstances(truth, leftOnly, shape).perThreshold[0]).toMatchObject({ tp: leftIds.size, fp: 0, fn: 125 - leftIds.size });
    expect(evaluateInstances(truth, leftOnly, shape, { mask: right }).perThreshold[0]).toMatchObject({ tp: 0, fp: 0, fn: 125 - leftIds.size });
  });
});
