import { describe, it, expect } from 'vitest';
import { planSplits, runLearningCurve, summarize, toMarkdown, toSvg } from '../../src-shared/eval/learning-curve.ts';
import { binaryScores } from '../../src-shared/eval/metrics.ts';

describe('learning curves', () => {
  const units = Array.from({ length: 12 }, (_, i) => `img${i}`);

  it('splits keep training and test units disjoint, nested across N, and reproducible by seed', () => {
    const plan = { units, n: [1, 2, 5], strategies: ['a'], splits: 3, testSize: 5, seed: 4 };
    const splits = planSplits(plan);
    expect(splits).toHaveLength(3);
    for (const s of splits) {
      expect(s.train).toHaveLength(5);
      expect(s.train.filter((u) => s.test.includes(u))).toEqual([]);
    }
    expect(new Set(splits.map((s) => s.train.join())).size).toBeGreaterThan(1);
    expect(planSplits(plan)).toEqual(splits);
    expect(() => planSplits({ ...plan, n: [10] })).toThrow(/cannot hold/);
  });

  it('runs every cell, summarises mean (sd), and renders Markdown and SVG', async () => {
    // a fake "strategy" whose score grows with N and differs by strategy, to check the bookkeeping
    const cells = await runLearningCurve({ units, n: [1, 4], strategies: ['weak', 'strong'], splits: 3, testSize: 4 },
      async (train, test, strategy, split) => ({ dice: (strategy === 'strong' ? 0.5 : 0.3) + 0.05 * train.length + 0.01 * split, iou: 0.1 * test.length }));
    expect(cells).toHaveLength(12);
    const rows = summarize(cells);
    const strong4 = rows.find((r) => r.n === 4 && r.strategy === 'strong')!;
    expect(strong4.runs).toBe(3);
    expect(strong4.dice.mean).toBeCloseTo(0.71, 6);
    expect(strong4.dice.sd).toBeCloseTo(0.01, 6);
    const md = toMarkdown(rows, 'test');
    expect(md).toContain('| 4 | 0.510 (0.010) | 0.710 (0.010) |');
    const svg = toSvg(rows, 'test <curve>');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('&lt;curve&gt;');
    expect((svg.match(/<polyline/g) ?? []).length).toBe(2);
  });
});

describe('binary scores', () => {
  it('counts the confusion matrix inside the mask only', () => {
    const s = binaryScores([1, 1, 0, 0, 1], [1, 0, 1, 0, 1], [1, 1, 1, 1, 0]);
    expect(s.confusion).toEqual({ tp: 1, fp: 1, fn: 1, tn: 1 });
    expect(s.dice).toBeCloseTo(0.5, 9);
    expect(s.iou).toBeCloseTo(1 / 3, 9);
    expect(binaryScores([0, 0], [0, 0]).dice).toBe(1);
    expect(() => binaryScores([1], [1, 0])).toThrow(/equal sizes/);
  });
});
