import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellKey, planCells, planSplits, runLearningCurve, summarize, toMarkdown, toSvg, type CurveCell, type RunCell } from '../../src-shared/eval/learning-curve.ts';
import { appendEntry, checkSettings, finishedCells, fingerprintOf, prepareForAppend, readJournal, setAside, type JournalEntry } from '../../src-shared/eval/experiment-journal.ts';
import { cappedSentence, gridProgress } from '../../src-shared/eval/grid-progress.ts';
import { checkBudgetRule, describeBudget, effortFor } from '../../src-shared/eval/training-budget.ts';
import { StepTally } from '../../src-shared/train/step-tally.ts';
import { isLumenError } from '../../src-shared/errors.ts';
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

describe('a learning curve run in parts', () => {
  const units = Array.from({ length: 12 }, (_, i) => `img${i}`);
  const plan = { units, n: [1, 2], strategies: ['a', 'b'], splits: 2, testSize: 4 };
  const settings = { effort: 0.5, budget: 'fixed', pretrained: null };
  const scoreOf = (train: string[], strategy: string, split: number) => ({ dice: 0.1 * train.length + (strategy === 'b' ? 0.05 : 0) + 0.01 * split, iou: 0.2 });
  const entryFor = (cell: CurveCell): JournalEntry => ({ ...cell, train: [], settings, fingerprint: fingerprintOf(settings), finishedAt: new Date(0).toISOString() });
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'lumen-journal-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a split\'s units whatever the N list and split count, so finished runs stay valid when the grid grows', () => {
    const small = planCells(plan), grown = planCells({ ...plan, n: [1, 2, 5], strategies: ['a', 'b', 'c'], splits: 3 });
    for (const c of small) expect(grown.find((g) => cellKey(g) === cellKey(c))).toEqual(c);
    expect(grown).toHaveLength(27);
  });

  it('appends each run to the journal before the next starts, and a rerun runs only the runs not in it', async () => {
    const path = join(dir, 'curve.runs.jsonl');
    const journal = readJournal(path);
    prepareForAppend(journal);
    let calls = 0;
    // the third run dies (a kill, a crash): the two before it must be on disk already
    const dying: RunCell = async (train, _test, strategy, split) => {
      if (++calls === 3) throw new Error('killed');
      return scoreOf(train, strategy, split);
    };
    const linesOnDisk: number[] = [];
    await expect(runLearningCurve(plan, dying, {
      onCell: (cell) => { appendEntry(journal, entryFor(cell)); linesOnDisk.push(readFileSync(path, 'utf8').split('\n').filter(Boolean).length); },
    })).rejects.toThrow('killed');
    expect(linesOnDisk).toEqual([1, 2]);

    const again = readJournal(path);
    expect(again.entries.map(cellKey)).toEqual(['split 0 N=1 a', 'split 0 N=1 b']);
    const ran: string[] = [];
    const progress: string[] = [];
    const cells = await runLearningCurve(plan, async (train, _test, strategy, split) => { ran.push(`${split} ${train.length} ${strategy}`); return scoreOf(train, strategy, split); }, {
      finished: new Set(finishedCells(again, () => true).keys()),
      onCell: (cell, done, total) => { appendEntry(again, entryFor(cell)); progress.push(`${done}/${total}`); },
    });
    expect(ran).toEqual(['0 2 a', '0 2 b', '1 1 a', '1 1 b', '1 2 a', '1 2 b']);
    expect(progress).toEqual(['3/8', '4/8', '5/8', '6/8', '7/8', '8/8']);
    expect(cells).toHaveLength(6);
    expect(readJournal(path).entries.map(cellKey).sort()).toEqual(planCells(plan).map(cellKey).sort());
    // everything finished: nothing runs
    let more = 0;
    await runLearningCurve(plan, async () => { more++; return { dice: 0, iou: 0 }; }, { finished: new Set(finishedCells(readJournal(path), () => true).keys()) });
    expect(more).toBe(0);
  });

  it('runs only the part of the grid `include` picks', async () => {
    const ran: string[] = [];
    await runLearningCurve(plan, async (train, _test, strategy, split) => { ran.push(`${split} ${train.length} ${strategy}`); return scoreOf(train, strategy, split); },
      { include: (c) => c.n === 2 && c.strategy === 'b' });
    expect(ran).toEqual(['0 2 b', '1 2 b']);
  });

  it('ignores an unfinished last line with a warning, and the next run is appended cleanly after the finished ones', async () => {
    const path = join(dir, 'curve.runs.jsonl');
    const cells = await runLearningCurve(plan, async (train, _test, strategy, split) => scoreOf(train, strategy, split), { include: (c) => c.split === 0 && c.n === 1 });
    writeFileSync(path, cells.map((c) => JSON.stringify(entryFor(c)) + '\n').join('') + '{"split":0,"n":2,"strategy":"a","di');
    const warnings: string[] = [];
    const journal = readJournal(path, (m) => warnings.push(m));
    expect(journal.entries).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/last line is unfinished/);
    prepareForAppend(journal);
    appendEntry(journal, entryFor({ split: 0, n: 2, strategy: 'a', dice: 0.3, iou: 0.2, seconds: 1 }));
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => cellKey(JSON.parse(l)))).toEqual(['split 0 N=1 a', 'split 0 N=1 b', 'split 0 N=2 a']);
    const reread: string[] = [];
    expect(readJournal(path, (m) => reread.push(m)).entries).toHaveLength(3);
    expect(reread).toEqual([]);
  });

  it('keeps a complete last line that lacks its newline (a hand edit) and ends it before appending', () => {
    const path = join(dir, 'curve.runs.jsonl');
    writeFileSync(path, JSON.stringify(entryFor({ split: 0, n: 1, strategy: 'a', dice: 0.5, iou: 0.3, seconds: 2 })));
    const journal = readJournal(path);
    expect(journal.entries).toHaveLength(1);
    prepareForAppend(journal);
    appendEntry(journal, entryFor({ split: 0, n: 1, strategy: 'b', dice: 0.6, iou: 0.4, seconds: 2 }));
    expect(readJournal(path).entries.map((e) => e.strategy)).toEqual(['a', 'b']);
  });

  it('refuses a damaged line that is not the last', () => {
    const path = join(dir, 'curve.runs.jsonl');
    writeFileSync(path, `not json\n${JSON.stringify(entryFor({ split: 0, n: 1, strategy: 'a', dice: 0.5, iou: 0.3, seconds: 2 }))}\n`);
    expect(() => readJournal(path)).toThrow(expect.objectContaining({ code: 'damaged', message: expect.stringMatching(/line 1 .*--restart/) }));
  });

  it('refuses runs made with other result-changing settings, naming what changed', () => {
    const entries = [entryFor({ split: 0, n: 1, strategy: 'a', dice: 0.5, iou: 0.3, seconds: 2 })];
    // the same settings in another key order are the same settings
    expect(() => checkSettings(entries, () => ({ pretrained: null, budget: 'fixed', effort: 0.5 }), 'x.runs.jsonl')).not.toThrow();
    let error: unknown;
    try { checkSettings(entries, () => ({ ...settings, effort: 1 }), 'x.runs.jsonl'); } catch (e) { error = e; }
    expect(isLumenError(error, 'bad-input')).toBe(true);
    expect((error as Error).message).toMatch(/x\.runs\.jsonl holds 1 run made with other settings \(effort 0\.5 → 1\).*new "out".*--restart/);
    expect(fingerprintOf({ ...settings, effort: 1 })).not.toBe(fingerprintOf(settings));
  });

  it('sets an old journal aside under a new name instead of deleting it', () => {
    const path = join(dir, 'curve.runs.jsonl');
    writeFileSync(path, 'runs\n');
    const at = new Date('2025-01-02T03:04:05Z');
    const moved = setAside(path, at)!;
    expect(moved).toBe(join(dir, 'curve.runs.before-2025-01-02T03-04-05.jsonl'));
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(moved, 'utf8')).toBe('runs\n');
    writeFileSync(path, 'more\n');
    expect(setAside(path, at)).toBe(join(dir, 'curve.runs.before-2025-01-02T03-04-05-2.jsonl'));
    expect(setAside(path, at)).toBeUndefined();
    // results from before journals are set aside the same way
    writeFileSync(join(dir, 'curve.json'), '{}');
    expect(setAside(join(dir, 'curve.json'), at)).toBe(join(dir, 'curve.before-2025-01-02T03-04-05.json'));
  });

  it('says how many planned runs a page rests on, which are missing, and which reached the time cap', () => {
    const planned = planCells(plan);
    const half = new Set(planned.filter((c) => c.split === 0).map(cellKey));
    const p = gridProgress(planned, half);
    expect(p).toMatchObject({ planned: 8, finished: 4 });
    expect(p.missing).toEqual(['split 1 N=1 a', 'split 1 N=1 b', 'split 1 N=2 a', 'split 1 N=2 b']);
    expect(p.sentence).toBe('4 of 8 planned runs (2 splits × 2 N × 2 strategies) are finished; the means below rest on those alone. '
      + 'Missing: N=1 a (split 1); N=1 b (split 1); N=2 a (split 1); N=2 b (split 1).');
    expect(gridProgress(planned, new Set(planned.filter((c) => c.n === 1).map(cellKey))).sentence).toMatch(/Missing: N=2 a \(all 2 splits\); N=2 b \(all 2 splits\)\.$/);
    expect(gridProgress(planned, new Set(planned.map(cellKey))).sentence).toBe('All 8 planned runs (2 splits × 2 N × 2 strategies) are finished.');
    const cells: CurveCell[] = [{ split: 0, n: 2, strategy: 'a', dice: 0.5, iou: 0.3, seconds: 9, steps: 40, stepsPlanned: 150, capped: true }, { split: 0, n: 1, strategy: 'a', dice: 0.5, iou: 0.3, seconds: 3 }];
    expect(cappedSentence(cells, 8)).toBe('Time cap per run: 8 s of training; 1 of 2 runs reached it and kept their best weights so far: split 0 N=2 a (40 of 150 steps).');
    expect(cappedSentence(cells.slice(1), 8)).toBe('Time cap per run: 8 s of training; no run reached it.');
    expect(cappedSentence(cells, undefined)).toBe('No time cap per run.');
    const md = toMarkdown(summarize(cells), 't', 'dice', 2);
    expect(md).toContain('| 1 | 0.500, 1 of 2 runs |'); // one run: no sd to show
  });

  it('scales the training budget with N as the rule says', () => {
    expect(effortFor('fixed', 0.5, 10)).toBe(0.5);
    expect(effortFor('sqrt-n', 0.5, 4)).toBe(1);
    expect(effortFor('sqrt-n', 0.5, 1)).toBe(0.5);
    expect(effortFor('linear-n', 0.5, 10)).toBe(5);
    expect(describeBudget('sqrt-n', 0.5, [1, 4])).toMatch(/effort 0\.5 × √N \(N=1: 0\.5, N=4: 1\)/);
    expect(checkBudgetRule(undefined)).toBe('fixed');
    expect(() => checkBudgetRule('scaled')).toThrow(/"budget" must be one of fixed, sqrt-n, linear-n/);
  });

  it('counts the steps a strategy trained and was allowed, phase by phase, from its progress reports', () => {
    const tally = new StepTally();
    for (let s = 1; s <= 10; s++) tally.observe({ phase: 'encoder', step: s, steps: 10, loss: 1 });
    tally.observe({ phase: 'decoder', step: 4, steps: 20, validationDice: 0.5 }); // an evaluation, not a step
    for (let s = 1; s <= 4; s++) tally.observe({ phase: 'decoder', step: s, steps: 20, loss: 1 });
    // the same phase name again: a second fit, counted on top
    for (let s = 1; s <= 3; s++) tally.observe({ phase: 'decoder', step: s, steps: 5, loss: 1 });
    expect(tally.done).toBe(17);
    expect(tally.planned).toBe(35);
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
