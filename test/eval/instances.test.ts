// Instance matching on hand-made label images whose answers can be worked out on paper.
import { describe, it, expect } from 'vitest';
import { overlapTable, matchAtThreshold, evaluateInstances, type OverlapTable } from '../../src-shared/eval/instance-matching.ts';
import { maxWeightAssignment } from '../../src-shared/eval/assignment.ts';
import { idsInSeveralPieces } from '../../src-shared/eval/split-objects.ts';
import { checkInstanceLabels } from '../../src-shared/eval/instance-labels.ts';

/** One row of `w` voxels from runs [id, from, to) — enough to build any overlap by hand. */
function row(w: number, runs: [number, number, number][]): Uint16Array {
  const a = new Uint16Array(w);
  for (const [id, from, to] of runs) a.fill(id, from, to);
  return a;
}
const scoresAt = (truth: ArrayLike<number>, pred: ArrayLike<number>, tau: number) => matchAtThreshold(overlapTable(truth, pred), tau).scores;

describe('instance matching', () => {
  it('two objects at IoU exactly 0.6 match at τ ≤ 0.6 and become a miss plus a false object above', () => {
    const truth = row(12, [[4, 0, 10]]);   // 10 voxels
    const pred = row(12, [[9, 2, 8]]);     // 6 voxels inside: IoU 6/10
    expect(overlapTable(truth, pred).pairs).toEqual([{ truthId: 4, predId: 9, intersection: 6, iou: 0.6 }]);
    for (const tau of [0.5, 0.6]) expect(scoresAt(truth, pred, tau)).toMatchObject({ tp: 1, fp: 0, fn: 0, f1: 1, ap: 1, meanMatchedIoU: 0.6, panopticQuality: 0.6 });
    for (const tau of [0.65, 0.7]) expect(scoresAt(truth, pred, tau)).toMatchObject({ tp: 0, fp: 1, fn: 1, precision: 0, recall: 0, f1: 0, ap: 0, meanMatchedIoU: 0 });
  });

  it('a split object: one half matches at 0.5 (IoU exactly 0.5), nothing above', () => {
    const truth = row(10, [[1, 0, 10]]);
    const pred = row(10, [[1, 0, 5], [2, 5, 10]]);
    expect(scoresAt(truth, pred, 0.5)).toMatchObject({ tp: 1, fp: 1, fn: 0, precision: 0.5, recall: 1, f1: 2 / 3, ap: 0.5 });
    expect(scoresAt(truth, pred, 0.55)).toMatchObject({ tp: 0, fp: 2, fn: 1, ap: 0 });
  });

  it('a merged object matches the true object it mostly covers and misses the other', () => {
    const truth = row(10, [[1, 0, 6], [2, 7, 10]]);   // 6 and 3 voxels
    const pred = row(10, [[5, 0, 10]]);               // IoU 0.6 with 1, 0.3 with 2
    expect(scoresAt(truth, pred, 0.5)).toMatchObject({ tp: 1, fp: 0, fn: 1, precision: 1, recall: 0.5, ap: 0.5 });
    expect(matchAtThreshold(overlapTable(truth, pred), 0.5).matches).toEqual([{ truthId: 1, predId: 5, iou: 0.6 }]);
    expect(scoresAt(truth, pred, 0.25)).toMatchObject({ tp: 1, fp: 0, fn: 1 }); // one prediction matches one truth only
  });

  it('empty prediction, empty truth, both empty', () => {
    const two = row(10, [[1, 0, 3], [2, 5, 8]]), none = new Uint16Array(10);
    expect(scoresAt(two, none, 0.5)).toMatchObject({ tp: 0, fp: 0, fn: 2, precision: 1, recall: 0, f1: 0, ap: 0, meanMatchedIoU: 0 });
    expect(scoresAt(none, two, 0.5)).toMatchObject({ tp: 0, fp: 2, fn: 0, precision: 0, recall: 1, f1: 0, ap: 0 });
    expect(scoresAt(none, none, 0.5)).toMatchObject({ tp: 0, fp: 0, fn: 0, precision: 1, recall: 1, f1: 1, ap: 1 });
  });

  it('below τ = 0.5 the matching is optimal, not greedy: the most pairs, then the largest summed IoU', () => {
    // greedy by IoU takes t1–p1 (0.45) and leaves t2 alone; the optimum pairs t1–p2 and t2–p1
    const table: OverlapTable = {
      truthSizes: new Map([[1, 10], [2, 10]]), predSizes: new Map([[1, 10], [2, 10]]),
      pairs: [{ truthId: 1, predId: 1, intersection: 6, iou: 0.45 }, { truthId: 1, predId: 2, intersection: 5, iou: 0.4 }, { truthId: 2, predId: 1, intersection: 4, iou: 0.35 }],
    };
    const { scores, matches } = matchAtThreshold(table, 0.3);
    expect(scores).toMatchObject({ tp: 2, fp: 0, fn: 0 });
    expect(matches).toEqual([{ truthId: 1, predId: 2, iou: 0.4 }, { truthId: 2, predId: 1, iou: 0.35 }]);
    expect(scores.meanMatchedIoU).toBeCloseTo(0.375, 12);
    expect(matchAtThreshold(table, 0.42).scores).toMatchObject({ tp: 1, fp: 1, fn: 1, meanMatchedIoU: 0.45 });
  });

  it('the assignment maximises the summed weight, with more columns than rows', () => {
    expect(maxWeightAssignment([[3, 2, 0], [3, 0, 1]])).toEqual([1, 0]);  // 2 + 3 beats 3 + 1
    expect(maxWeightAssignment([[0, 0], [0, 5]])[1]).toBe(1);
    expect(maxWeightAssignment([])).toEqual([]);
    // against every assignment, on small random matrices (a fixed linear congruential sequence)
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const best = (w: number[][], r: number, used: Set<number>): number => {
      if (r === w.length) return 0;
      let top = -Infinity;
      for (let c = 0; c < w[0]!.length; c++) if (!used.has(c)) { used.add(c); top = Math.max(top, w[r]![c]! + best(w, r + 1, used)); used.delete(c); }
      return top;
    };
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 4), m = n + Math.floor(rand() * 3);
      const w = Array.from({ length: n }, () => Array.from({ length: m }, () => (rand() < 0.4 ? 0 : Math.round(rand() * 100) / 10)));
      const cols = maxWeightAssignment(w);
      expect(new Set(cols).size).toBe(n);
      expect(cols.reduce((s, c, r) => s + w[r]![c]!, 0)).toBeCloseTo(best(w, 0, new Set()), 9);
    }
  });

  it('permuting the ids of either image changes no score', () => {
    // a 3×12 image with five objects of various overlaps
    const truth = new Uint32Array([...row(12, [[1, 0, 4], [2, 4, 9], [3, 10, 12]]), ...row(12, [[1, 0, 3], [2, 3, 9]]), ...row(12, [[4, 0, 6], [5, 6, 12]])]);
    const pred = new Uint32Array([...row(12, [[7, 0, 5], [8, 5, 9]]), ...row(12, [[7, 0, 2], [8, 2, 9], [9, 9, 12]]), ...row(12, [[6, 0, 7], [3, 7, 12]])]);
    const base = evaluateInstances(truth, pred, [1, 3, 12], { thresholds: [0.3, 0.5, 0.6, 0.7] });
    expect(base.perThreshold[1]!.tp).toBeGreaterThan(0);
    const relabel = (a: Uint32Array, map: Record<number, number>) => a.map((v) => (v ? map[v]! : 0));
    const permuted = evaluateInstances(relabel(truth, { 1: 50, 2: 3, 3: 70000, 4: 1, 5: 9 }), relabel(pred, { 3: 2, 6: 100, 7: 4, 8: 1, 9: 65536 }), [1, 3, 12], { thresholds: [0.3, 0.5, 0.6, 0.7] });
    expect(permuted).toEqual(base);
  });

  it('70 000 one-voxel objects in a uint32 image are matched under permuted ids', () => {
    const n = 70_000, truth = new Uint32Array(300 * 300), pred = new Uint32Array(300 * 300);
    for (let i = 0; i < n; i++) truth[i] = i + 1;
    // prediction: the same objects under ids 100 000 + a fixed shuffle; the last 10 missing
    const ids = Array.from({ length: n }, (_, i) => 100_000 + ((i * 7919) % n));
    for (let i = 0; i < n - 10; i++) pred[i] = ids[i]!;
    const t0 = performance.now();
    const r = evaluateInstances(truth, pred, [1, 300, 300], { thresholds: [0.5, 0.9] });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.truthObjects).toBe(n);
    expect(r.predObjects).toBe(n - 10);
    for (const s of r.perThreshold) expect(s).toMatchObject({ tp: n - 10, fp: 0, fn: 10, meanMatchedIoU: 1 });
  });

  it('finds ids drawn as separate pieces: touching diagonally is one piece (8/26-connectivity)', () => {
    // 2 slices of 3×4: id 1 touches itself only diagonally across slices; id 2 has two pieces in slice 0
    const labels = new Uint8Array([
      1, 0, 2, 0,
      0, 0, 0, 0,
      0, 0, 2, 0,
      0, 0, 0, 0,
      0, 1, 0, 3,
      0, 0, 0, 3,
    ]);
    expect(idsInSeveralPieces(labels, [2, 3, 4])).toEqual([{ id: 2, pieces: 2 }]);
  });

  it('refuses fractional and negative label values, naming the voxel', () => {
    expect(() => checkInstanceLabels(new Float32Array([0, 1, 2.5, 0]), [1, 2, 2], 'truth')).toThrow(/the truth holds 2.5 at \(z 0, y 1, x 0\), a value that is not a whole number/);
    expect(() => checkInstanceLabels(new Int16Array([0, -3]), [1, 1, 2], 'prediction')).toThrow(/the prediction holds -3 at \(z 0, y 0, x 1\), a negative id/);
    expect(() => checkInstanceLabels(new Float32Array([0, 3, 70000]), [1, 1, 3], 'truth')).not.toThrow();
  });
});
