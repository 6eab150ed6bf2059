import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeVolume } from '../src-shared/io/index.ts';
import { makeVolume } from '../src-shared/volume.ts';
import { PROJECT_ROOT } from './shared-data.ts';

const lumen = (...args: string[]) => spawnSync('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 });

describe('lumen CLI', () => {
  it('lists its commands and rejects unknown ones', () => {
    const help = lumen('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/demo/);
    const bad = lumen('frobnicate');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('refuses an option its help does not name, before any work, and names the closest one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-cli-flags-'));
    try {
      const typo = lumen('segment', '--image', 'missing.tif', '--labels', 'missing.tif', '--out', join(dir, 'p.tif'), '--efort', '2');
      expect(typo.status).toBe(1);
      expect(typo.stderr.trim()).toBe('lumen segment: unknown option --efort for lumen segment; did you mean --effort? (lumen segment --help lists the options)');
      const bogus = lumen('train', '--bogus', '3', '--image', 'missing.tif');
      expect(bogus.status).toBe(1);
      expect(bogus.stderr).toMatch(/^lumen train: unknown option --bogus for lumen train \(lumen train --help/);
      expect(lumen('evaluate', '--pred=a.tif', '--truht', 'b.tif').stderr).toMatch(/did you mean --truth\?/);
      // every flag each command reads is one its help names: the check cannot refuse a real option
      const sources: Record<string, string[]> = { segment: ['commands/segment.ts', 'strategy-options.ts'], train: ['commands/train.ts', 'strategy-options.ts'] };
      for (const name of ['segment', 'train', 'predict', 'evaluate', 'demo', 'pretrain', 'experiment', 'convert']) {
        const help = lumen(name, '--help').stdout;
        const read = (sources[name] ?? [`commands/${name}.ts`]).flatMap((f) => [...readFileSync(resolve(PROJECT_ROOT, 'src-main', f), 'utf8')
          .matchAll(/(?:[fF]lag|flags\.(?:get|has))\((?:args, )?'([a-z0-9-]+)'/g)].map((m) => m[1]!));
        expect(read.length, name).toBeGreaterThan(0);
        for (const f of read) expect(help, `${name} reads --${f}`).toContain(`--${f}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers --help for every command with its options, and runs nothing', () => {
    const names = [...lumen('--help').stdout.matchAll(/^  ([a-z]+) /gm)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(['segment', 'train', 'predict', 'experiment']));
    for (const name of names) {
      const r = lumen(name, '--help');
      expect(r.status, name).toBe(0);
      expect(r.stdout, name).toMatch(new RegExp(`^usage: lumen ${name}`));
    }
    const segment = lumen('segment', '--help').stdout;
    for (const option of ['--image', '--labels', '--out', '--strategy', '--model', '--effort', '--device']) expect(segment).toContain(option);
  });

  it('segment refuses an --out-scale other than 1 or 255 before reading any data', () => {
    const r = lumen('segment', '--image', 'no-such.tif', '--labels', 'no-such.tif', '--out', 'never.tif', '--out-scale', '7');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--out-scale must be 1 or 255, got '7'/);
  });

  it('predict names the flag and what it wants when a number is off, before reading any data', () => {
    const cases: [string, string, RegExp][] = [
      ['--threshold', '2', /--threshold must be a number from 0 to 1, got '2'/],
      ['--overlap', '1', /--overlap must be a fraction from 0 up to \(not including\) 1, got '1'/],
      ['--connectivity', '8', /--connectivity must be 6, 18 or 26, got '8'/],
      ['--batch', '0', /--batch must be an integer ≥ 1, got '0'/],
      ['--min-size', 'big', /--min-size must be an integer ≥ 0, got 'big'/],
    ];
    for (const [key, value, message] of cases) {
      const r = lumen('predict', '--model', 'vessels-3d', '--image', 'no-such.tif', '--out', 'never.tif', key, value);
      expect(r.status, key).toBe(1);
      expect(r.stderr, key).toMatch(message);
    }
  });

  it('evaluate scores a prediction and says how many of its errors lie on the truth\'s outline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-evaluate-'));
    try {
      // truth: a 4×4 square on each of 2 slices of 12×12; prediction: the square one pixel wider, plus one stray voxel
      const truth = new Uint8Array(2 * 144), pred = new Uint8Array(2 * 144);
      for (let z = 0; z < 2; z++) for (let y = 3; y < 9; y++) for (let x = 3; x < 9; x++) {
        const inner = y >= 4 && y < 8 && x >= 4 && x < 8;
        if (inner) truth[z * 144 + y * 12 + x] = 255;
        pred[z * 144 + y * 12 + x] = 1;
      }
      pred[144 + 11 * 12 + 11] = 1;
      await writeVolume(join(dir, 'truth.tif'), makeVolume([2, 12, 12, 1], 'uint8', truth));
      await writeVolume(join(dir, 'pred.tif'), makeVolume([2, 12, 12, 1], 'uint8', pred));
      const r = lumen('evaluate', '--pred', join(dir, 'pred.tif'), '--truth', join(dir, 'truth.tif'));
      expect(r.status, r.stderr).toBe(0);
      const scores = JSON.parse(r.stdout);
      expect(scores.confusion).toMatchObject({ tp: 32, fp: 41, fn: 0 });
      expect(scores.dice).toBeCloseTo(64 / 105, 6);
      expect(scores.outline.errors).toBe(41);
      expect(scores.outline.onOutline).toBeCloseTo(40 / 41, 6);
      expect(scores.outline.diceWithoutOutlineErrors).toBeCloseTo(64 / 65, 6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('demo trains on the bundled sample and prints one JSON line with Dice scores', { timeout: 300_000 }, () => {
    const r = lumen('demo', '--steps', '6', '--device', 'cpu');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.steps).toBe(6);
    expect(out.device).toBe('cpu');
    expect(out.trainDice).toBeGreaterThan(0);
    expect(out.heldOutDice).toBeGreaterThan(0);
    expect(out.trainDice).toBeLessThanOrEqual(1);
    expect(r.stderr).toMatch(/training 100%/);
  });
});
