import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperimentResult } from '../../src-shared/eval/experiment-result.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { PROJECT_ROOT } from '../shared-data.ts';

const committed = join(PROJECT_ROOT, 'docs/results/drive-learning-curve.json');

function refusal(text: string): string {
  try { parseExperimentResult(text, 'x.json'); } catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); return (e as Error).message; }
  throw new Error('accepted');
}

describe('experiment results read back for the Results panel', () => {
  it('reads the committed DRIVE learning curve and recomputes the same summary from its runs', () => {
    const text = readFileSync(committed, 'utf8');
    const r = parseExperimentResult(text, 'drive-learning-curve.json');
    const file = JSON.parse(text);
    expect(r.name).toBe(file.config.name);
    expect(r.notes).toBe(file.config.notes);
    expect(r.cells).toHaveLength(48);
    expect(r.summary).toHaveLength(16);
    for (const row of r.summary) {
      const saved = file.summary.find((s: { n: number; strategy: string }) => s.n === row.n && s.strategy === row.strategy);
      expect(row.dice.mean).toBeCloseTo(saved.dice.mean, 12);
      expect(row.dice.sd).toBeCloseTo(saved.dice.sd, 12);
      expect(row.runs).toBe(3);
    }
  });

  it('ignores a summary that its runs do not support', () => {
    const cells = [{ split: 0, n: 1, strategy: 'scratch', dice: 0.5, iou: 0.33, seconds: 1 }, { split: 1, n: 1, strategy: 'scratch', dice: 0.7, iou: 0.54, seconds: 1 }];
    const r = parseExperimentResult(JSON.stringify({ config: { name: 'x' }, cells, summary: [{ n: 1, strategy: 'scratch', dice: { mean: 0.99, sd: 0 } }] }), 'x.json');
    expect(r.summary[0]!.dice.mean).toBeCloseTo(0.6, 12);
  });

  it('refuses what is not a result with a reason that names the file', () => {
    expect(refusal('{ not json')).toMatch(/^x\.json is not a Lumen experiment result: not JSON/);
    const config = readFileSync(join(PROJECT_ROOT, 'docs/experiments/drive-learning-curve.json'), 'utf8');
    expect(refusal(config)).toMatch(/no "cells" list \(a config file\?/);
    expect(refusal(JSON.stringify({ cells: [] }))).toMatch(/no runs/);
    const cell = { split: 0, n: 1, strategy: 'scratch', dice: 0.5, iou: 0.3, seconds: 2 };
    expect(refusal(JSON.stringify({ cells: [cell, { ...cell, dice: 1.5 }] }))).toMatch(/run 2 lacks/);
    expect(refusal(JSON.stringify({ cells: [{ ...cell, iou: null }] }))).toMatch(/run 1 lacks/);
    expect(refusal(JSON.stringify({ cells: [{ ...cell, strategy: '' }] }))).toMatch(/run 1 lacks/);
  });
});
