import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT, dataPath } from '../shared-data.ts';

const lumen = (...args: string[]) => spawnSync('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 });

describe('lumen experiment', () => {
  it('runs a tiny DRIVE learning curve to JSON, Markdown and SVG, and rebuilds the page from the JSON alone', { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-experiment-'));
    try {
      const config = join(dir, 'curve.json');
      writeFileSync(config, JSON.stringify({
        name: 'tiny curve', dataset: { kind: 'drive', root: dataPath('drive') }, n: [1], strategies: ['scratch'], splits: 1, testSize: 1,
        effort: 0.04, notes: 'A set-up paragraph.', out: 'out/tiny',
      }));
      const r = lumen('experiment', config, '--device', 'cpu');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/\[1\/1\] split 0 N=1 scratch: Dice/);
      const saved = JSON.parse(readFileSync(join(dir, 'out/tiny.json'), 'utf8'));
      expect(saved.cells).toHaveLength(1);
      const dice = saved.cells[0].dice;
      expect(dice).toBeGreaterThan(0);
      expect(dice).toBeLessThan(1);
      const md = readFileSync(join(dir, 'out/tiny.md'), 'utf8');
      expect(md).toContain('A set-up paragraph.');
      expect(md).toContain(`| 1 | ${dice.toFixed(3)} (0.000) |`);
      expect(readFileSync(join(dir, 'out/tiny.svg'), 'utf8')).toMatch(/^<svg[\s\S]*scratch[\s\S]*<\/svg>$/);

      unlinkSync(join(dir, 'out/tiny.md'));
      const again = lumen('experiment', config, '--report-only');
      expect(again.status, again.stderr).toBe(0);
      expect(readFileSync(join(dir, 'out/tiny.md'), 'utf8')).toBe(md);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what is wrong with a config it cannot run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-experiment-'));
    try {
      const config = join(dir, 'bad.json');
      writeFileSync(config, JSON.stringify({ name: 'x', dataset: { kind: 'brats', root: '.' }, n: [1], strategies: ['scratch'], out: 'x' }));
      const r = lumen('experiment', config);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/dataset kind 'brats' is not supported/);
      const none = lumen('experiment', join(dir, 'missing.json'));
      expect(none.status).toBe(1);
      expect(none.stderr).toMatch(/cannot read/);
      expect(existsSync(join(dir, 'x.json'))).toBe(false);
      const selfConfig = join(dir, 'same.json');
      const setup = JSON.stringify({ name: 'x', dataset: { kind: 'drive', root: '.' }, n: [1], strategies: ['scratch'], out: 'same' });
      writeFileSync(selfConfig, setup);
      const same = lumen('experiment', selfConfig);
      expect(same.status).toBe(1);
      expect(same.stderr).toMatch(/would overwrite the config/);
      expect(readFileSync(selfConfig, 'utf8')).toBe(setup);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
