import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync, unlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { PROJECT_ROOT, dataPath } from '../shared-data.ts';
import { parseExperimentResult } from '../../src-shared/eval/experiment-result.ts';
import { run as experiment } from '../../src-main/commands/experiment.ts';
import { curvePlan, readExperimentConfig, resultSettings } from '../../src-main/experiments/experiment-config.ts';
import { clickPool } from '../../src-main/experiments/drive-cell.ts';
import { planSplits } from '../../src-shared/eval/learning-curve.ts';

const LUMEN = resolve(PROJECT_ROOT, 'bin/lumen.mjs');
const lumen = (...args: string[]) => spawnSync('node', [LUMEN, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 });

/** Runs lumen and sends SIGTERM as soon as stderr shows `when`; resolves with the exit status and stderr. */
function lumenStoppedAt(when: RegExp, ...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('node', [LUMEN, ...args], { cwd: PROJECT_ROOT });
    let stderr = '', sent = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!sent && when.test(stderr)) { sent = true; child.kill('SIGTERM'); }
    });
    child.stdout.resume();
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`no ${when} within 240 s:\n${stderr}`)); }, 240_000);
    child.on('close', (status) => { clearTimeout(timer); done({ status, stderr }); });
  });
}

const journalLines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const progressLines = (stderr: string) => stderr.split('\n').filter((l) => /^\[\d+\/\d+\] split/.test(l));

describe('lumen experiment', () => {
  it('journals each run of a tiny DRIVE learning curve: stopped after the first run, a rerun trains only the missing one, and the page lists all', { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-experiment-'));
    try {
      const config = join(dir, 'curve.json');
      writeFileSync(config, JSON.stringify({
        name: 'tiny curve', dataset: { kind: 'drive', root: dataPath('drive') }, n: [1], strategies: ['scratch'], splits: 2, testSize: 1,
        effort: 0.04, notes: 'A set-up paragraph.', out: 'out/tiny',
      }));
      const journal = join(dir, 'out/tiny.runs.jsonl');

      // stopped (SIGTERM) once the first run is reported: that run is in the journal and on the page
      const first = await lumenStoppedAt(/\[1\/2\] split 0 N=1 scratch: Dice/, 'experiment', config, '--device', 'cpu');
      expect(first.status, first.stderr).toBe(143);
      expect(first.stderr).toMatch(/0 of 2 planned runs are in .*tiny\.runs\.jsonl; running 2 now/);
      expect(first.stderr).toMatch(/stopped by SIGTERM: 1 of 2 planned runs are in/);
      expect(progressLines(first.stderr)).toHaveLength(1);
      expect(journalLines(journal).map((e) => `${e.split} ${e.n} ${e.strategy}`)).toEqual(['0 1 scratch']);
      const partial = readFileSync(join(dir, 'out/tiny.md'), 'utf8');
      expect(partial).toContain('1 of 2 planned runs (2 splits × 1 N × 1 strategy) are finished');
      expect(partial).toContain('Missing: N=1 scratch (split 1).');
      expect(partial).toMatch(/\| 1 \| \d\.\d{3}, 1 of 2 runs \|/); // one run: no sd

      // the rerun trains split 1 only and completes the page
      const second = lumen('experiment', config, '--device', 'cpu');
      expect(second.status, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/1 of 2 planned runs are in .*; running 1 now/);
      expect(progressLines(second.stderr)).toEqual([expect.stringMatching(/^\[2\/2\] split 1 N=1 scratch: Dice \d\.\d{3} \(\d+s\), /)]);
      const runs = journalLines(journal);
      expect(runs.map((e) => e.split)).toEqual([0, 1]);
      for (const r of runs) {
        expect(r).toMatchObject({ n: 1, strategy: 'scratch', effort: 0.04, capped: false, settings: { effort: 0.04, budget: 'fixed', maxSecondsPerRun: null } });
        expect(r.steps).toBe(r.stepsPlanned); // 12 steps: nothing cut them short
        expect(r.train).toHaveLength(1);
      }
      const saved = JSON.parse(readFileSync(join(dir, 'out/tiny.json'), 'utf8'));
      expect(saved.cells).toHaveLength(2);
      expect(saved.progress).toEqual({ planned: 2, finished: 2, missing: [] });
      for (const c of saved.cells) { expect(c.dice).toBeGreaterThan(0); expect(c.dice).toBeLessThan(1); }
      // the app's Results panel imports it as before
      expect(parseExperimentResult(readFileSync(join(dir, 'out/tiny.json'), 'utf8'), 'tiny.json').summary).toMatchObject([{ n: 1, strategy: 'scratch', runs: 2 }]);
      const [a, b] = saved.cells.map((c: { dice: number }) => c.dice);
      const mean = (a + b) / 2, sd = Math.abs(a - b) / Math.SQRT2;
      const md = readFileSync(join(dir, 'out/tiny.md'), 'utf8');
      expect(md).toContain('A set-up paragraph.');
      expect(md).toContain('All 2 planned runs (2 splits × 1 N × 1 strategy) are finished.');
      expect(md).toContain('Training budget: fixed: effort 0.04 for every N');
      expect(md).toContain('No time cap per run.');
      expect(md).toContain(`| 1 | ${mean.toFixed(3)} (${sd.toFixed(3)}) |`);
      expect(readFileSync(join(dir, 'out/tiny.svg'), 'utf8')).toMatch(/^<svg[\s\S]*scratch[\s\S]*<\/svg>$/);

      // nothing left: a third run trains nothing
      const third = lumen('experiment', config, '--device', 'cpu');
      expect(third.status, third.stderr).toBe(0);
      expect(third.stderr).toMatch(/2 of 2 planned runs are in .*; running 0 now/);
      expect(progressLines(third.stderr)).toEqual([]);
      expect(journalLines(journal)).toHaveLength(2);

      unlinkSync(join(dir, 'out/tiny.md'));
      const again = lumen('experiment', config, '--report-only');
      expect(again.status, again.stderr).toBe(0);
      expect(readFileSync(join(dir, 'out/tiny.md'), 'utf8')).toBe(md);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a journal made with other settings until --restart sets it aside; a time cap ends training early and marks the run capped', { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-experiment-'));
    try {
      const config = join(dir, 'curve.json');
      writeFileSync(config, JSON.stringify({
        name: 'capped curve', dataset: { kind: 'drive', root: dataPath('drive') }, n: [1], strategies: ['scratch'], splits: 2, testSize: 1,
        effort: 1, out: 'capped',
      }));
      // a run recorded at another effort (as an earlier session with effort 0.5 would have left it)
      const journal = join(dir, 'capped.runs.jsonl');
      const old = JSON.stringify({ split: 0, n: 1, strategy: 'scratch', dice: 0.7, iou: 0.5, seconds: 60, train: ['33'], fingerprint: 'old', finishedAt: '2025-01-01T00:00:00Z',
        settings: { dataset: 'drive', testSize: 1, seed: 0, effort: 0.5, budget: 'fixed', maxSecondsPerRun: null, foregroundWeight: 1, pretrained: null, weightPrior: null } }) + '\n';
      writeFileSync(journal, old);
      const refused = lumen('experiment', config, '--device', 'cpu', '--max-seconds-per-run', '1');
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/capped\.runs\.jsonl holds 1 run made with other settings \(effort 0\.5 → 1, maxSecondsPerRun null → 1\).*--restart/);
      expect(readFileSync(journal, 'utf8')).toBe(old);

      // 300 steps planned (effort 1); the 1 s cap ends training after a few
      const r = lumen('experiment', config, '--device', 'cpu', '--max-seconds-per-run', '1', '--restart', '--only', 'split=0');
      expect(r.status, r.stderr).toBe(0);
      const aside = readdirSync(dir).filter((f) => /^capped\.runs\.before-.*\.jsonl$/.test(f));
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(old);
      expect(r.stderr).toMatch(/running 1 now \(--only split=0\)/);
      const [run, ...more] = journalLines(journal);
      expect(more).toEqual([]);
      expect(run).toMatchObject({ split: 0, capped: true, stepsPlanned: 300, settings: { maxSecondsPerRun: 1 } });
      expect(run.steps).toBeGreaterThanOrEqual(1);
      expect(run.steps).toBeLessThan(300);
      expect(r.stderr).toContain(`capped at 1 s after ${run.steps} of 300 steps`);
      const md = readFileSync(join(dir, 'capped.md'), 'utf8');
      expect(md).toContain(`Time cap per run: 1 s of training; 1 of 1 runs reached it and kept their best weights so far: split 0 N=1 scratch (${run.steps} of 300 steps).`);
      expect(md).toContain('Missing: N=1 scratch (split 1).');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('DRIVE synthetic only: the bundled fundus model as it is and adapted to each photograph, neither trained on the labels', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-experiment-'));
    try {
      const config = join(dir, 'as-is.json');
      writeFileSync(config, JSON.stringify({
        name: 'as is', dataset: { kind: 'drive', root: dataPath('drive') }, n: [1], strategies: ['pretrained-as-is', 'pretrained-self-trained'], splits: 1, testSize: 1,
        pretrained: { 'pretrained-as-is': 'vessels-2d-fundus', 'pretrained-self-trained': 'vessels-2d-fundus' }, out: 'results/as-is',
      }));
      expect(await experiment([config, '--device', 'cpu'])).toBe(0);
      const [asIs, adapted] = journalLines(join(dir, 'results/as-is.runs.jsonl'));
      expect([asIs.strategy, adapted.strategy]).toEqual(['pretrained-as-is', 'pretrained-self-trained']);
      for (const r of [asIs, adapted]) { expect(r.steps).toBe(0); expect(r.dice).toBeGreaterThan(0.4); }
      expect(adapted.dice).not.toBe(asIs.dice);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('clicks on many images and masks on few: the click pool holds each split\'s masked images and no test image; bad pools are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-experiment-'));
    try {
      const base = { name: 'x', dataset: { kind: 'drive', root: '.' }, n: [1, 2], strategies: ['scratch', 'localization-pretrain'], splits: 3, out: 'o' };
      const cfg = readExperimentConfig((() => { const p = join(dir, 'ok.json'); writeFileSync(p, JSON.stringify({ ...base, clickImages: 6 })); return p; })());
      const plan = curvePlan(cfg);
      planSplits(plan).forEach((s, split) => {
        const pool = clickPool(cfg, split);
        expect(pool).toHaveLength(6);
        expect(pool.slice(0, 2)).toEqual(s.train);
        expect(pool.filter((id) => s.test.includes(id))).toEqual([]);
      });
      // only localization runs carry it, so other strategies' journal lines keep their fingerprints
      expect(resultSettings(cfg, 'localization-pretrain', undefined).clickImages).toBe(6);
      expect('clickImages' in resultSettings(cfg, 'scratch', undefined)).toBe(false);
      const refuse = async (extra: object, why: RegExp) => {
        const p = join(dir, 'bad.json');
        writeFileSync(p, JSON.stringify({ ...base, ...extra }));
        await expect(experiment([p])).rejects.toThrow(why);
      };
      await refuse({ clickImages: 1 }, /"clickImages" must be a whole number from the largest N \(2\) to 10/);
      await refuse({ clickImages: 11 }, /"clickImages" must be a whole number/);
      await refuse({ clickImages: 4, strategies: ['scratch'] }, /for the localization-pretrain strategy/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // in-process (the command's own run()): ten refusals, no training, no process start-ups to wait for
  it('says what is wrong with a config it cannot run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-experiment-'));
    try {
      const config = join(dir, 'bad.json');
      writeFileSync(config, JSON.stringify({ name: 'x', dataset: { kind: 'brats', root: '.' }, n: [1], strategies: ['scratch'], out: 'x' }));
      await expect(experiment([config])).rejects.toThrow(/dataset kind 'brats' is not supported/);
      await expect(experiment([join(dir, 'missing.json')])).rejects.toThrow(/cannot read/);
      expect(existsSync(join(dir, 'x.json'))).toBe(false);
      const selfConfig = join(dir, 'same.json');
      const setup = JSON.stringify({ name: 'x', dataset: { kind: 'drive', root: '.' }, n: [1], strategies: ['scratch'], out: 'same' });
      writeFileSync(selfConfig, setup);
      await expect(experiment([selfConfig])).rejects.toThrow(/would overwrite the config/);
      expect(readFileSync(selfConfig, 'utf8')).toBe(setup);

      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ name: 'x', dataset: { kind: 'drive', root: '.' }, n: [1, 2], strategies: ['scratch'], splits: 2, out: 'results' }));
      await expect(experiment([good, '--only', 'n=7'])).rejects.toThrow(/--only n=7: the config's n values are 1, 2/);
      await expect(experiment([good, '--only', 'steps=3'])).rejects.toThrow(/--only takes KEY=V1,V2 with KEY one of split, n, strategy/);
      const typo = join(dir, 'typo.json');
      writeFileSync(typo, JSON.stringify({ name: 'x', dataset: { kind: 'drive', root: '.' }, n: [1], strategies: ['scratch', 'scrach'], out: 't' }));
      await expect(experiment([typo])).rejects.toThrow(/unknown strategy scrach; choose from: auto, scratch,/);
      const budget = join(dir, 'budget.json');
      writeFileSync(budget, JSON.stringify({ name: 'x', dataset: { kind: 'drive', root: '.' }, n: [1], strategies: ['scratch'], budget: 'scaled', out: 'b' }));
      await expect(experiment([budget])).rejects.toThrow(/"budget" must be one of fixed, sqrt-n, linear-n/);
      await expect(experiment([good, '--report-only'])).rejects.toThrow(/no results to report/);
      // results from before journals (as docs/results/drive-learning-curve.json): a run would replace them, so it is refused
      const earlier = JSON.stringify({ cells: [{ split: 0, n: 1, strategy: 'scratch', dice: 0.7, iou: 0.5, seconds: 60 }] });
      writeFileSync(join(dir, 'results.json'), earlier);
      await expect(experiment([good])).rejects.toThrow(/results\.json holds 1 runs but there is no journal .*results\.runs\.jsonl.*--restart.*--report-only/);
      expect(readFileSync(join(dir, 'results.json'), 'utf8')).toBe(earlier);
      expect(readdirSync(dir).sort()).toEqual(['bad.json', 'budget.json', 'good.json', 'results.json', 'same.json', 'typo.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
