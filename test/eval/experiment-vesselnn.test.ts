// `lumen experiment` on a VesselNN-style stack: N whole z-slices labeled from the truth, every
// strategy `lumen segment` knows (the pixel classifier here, quick) and a pretrained model used as
// it is, scored on held-out slices; and the refusals of a stack config that cannot run.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { blobs } from '../classic/synthetic.ts';
import { run as experiment } from '../../src-main/commands/experiment.ts';

describe('lumen experiment on a VesselNN stack', () => {
  it('labels N z-slices, scores the held-out ones, runs a pretrained model as it is and self-trained, and writes the page', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-experiment-stack-'));
    try {
      const { volume, truth } = blobs([10, 40, 40], 2, 5);
      await writeVolume(join(dir, 'tiny_image.tif'), makeVolume([10, 40, 40, 1], 'uint16', Uint16Array.from(volume.image, (v) => Math.max(0, Math.round(1000 + 400 * v)))));
      await writeVolume(join(dir, 'tiny_labels.tif'), makeVolume([10, 40, 40, 1], 'uint8', Uint8Array.from(truth, (t) => (t === 2 ? 255 : 0))));
      const config = join(dir, 'stack.json');
      writeFileSync(config, JSON.stringify({
        name: 'tiny stack', dataset: { kind: 'vesselnn', root: '.', stack: 'tiny' }, n: [1, 2], strategies: ['pixel-classifier', 'pretrained-as-is', 'pretrained-self-trained'],
        pretrained: { 'pretrained-as-is': 'vessels-3d', 'pretrained-self-trained': 'vessels-3d' }, splits: 2, testSize: 5, out: 'out/stack',
      }));
      expect(await experiment([config, '--device', 'cpu'])).toBe(0);
      const runs = readFileSync(join(dir, 'out/stack.runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(runs).toHaveLength(12);
      for (const r of runs) {
        expect(r.train).toHaveLength(r.n);
        expect(r.train.every((u: string) => /^z\d$/.test(u))).toBe(true);
        expect(r.settings.dataset).toBe('vesselnn:tiny');
      }
      // bright blobs at contrast-to-noise 3: the forest finds them from one labeled slice
      const forest = runs.filter((r) => r.strategy === 'pixel-classifier');
      expect(Math.min(...forest.map((r) => r.dice))).toBeGreaterThan(0.8);
      // the untrained model does not depend on N: the same slices score the same at N=1 and N=2
      const asIs = runs.filter((r) => r.strategy === 'pretrained-as-is' && r.split === 0);
      expect(asIs[0].dice).toBe(asIs[1].dice);
      expect(asIs[0].steps).toBe(0);
      // adapted to the stack without labels: a different segmentation of the same slices
      const adapted = runs.find((r) => r.strategy === 'pretrained-self-trained' && r.split === 0 && r.n === 1);
      expect(adapted.dice).toBeGreaterThan(0);
      expect(adapted.dice).not.toBe(asIs[0].dice);
      const page = readFileSync(join(dir, 'out/stack.md'), 'utf8');
      expect(page).toContain('Dice (F1) on 5 held-out z-slices of tiny, mean (sd) over 2 splits');
      expect(page).toMatch(/\| 2 \| 0\.\d{3} \(0\.\d{3}\) \| 0\.\d{3} \(0\.\d{3}\) \|/);

      // a suite page over this experiment and a second one: before the second runs, and after
      writeFileSync(join(dir, 'second.json'), JSON.stringify({
        name: 'second', dataset: { kind: 'vesselnn', root: '.', stack: 'tiny' }, n: [1], strategies: ['pixel-classifier'], splits: 1, testSize: 5, seed: 7, out: 'out/second',
      }));
      const suite = join(dir, 'suite.json');
      writeFileSync(suite, JSON.stringify({ name: 'both parts', notes: 'Why these two.', parts: ['stack.json', 'second.json'], columns: ['pixel-classifier'], out: 'out/suite' }));
      expect(await experiment([suite, '--report-only'])).toBe(0);
      const before = readFileSync(join(dir, 'out/suite.md'), 'utf8');
      expect(before).toContain('## tiny stack');
      expect(before).toContain('12 of 12 planned runs finished');
      expect(before).toMatch(/\| N labeled \| pixel-classifier \|/); // narrowed to the columns
      expect(before).toContain('## second\n\nNo run has finished yet');
      // what people read in the tables, kept beside the pages, survives every rebuild of them
      writeFileSync(join(dir, 'out/suite.findings.md'), 'The forest wins here.\n');
      writeFileSync(join(dir, 'out/stack.findings.md'), 'Self-training changes the segmentation.\n');
      expect(await experiment([suite, '--device', 'cpu'])).toBe(0);
      const after = readFileSync(join(dir, 'out/suite.md'), 'utf8');
      expect(after).toContain('1 of 1 planned runs finished');
      expect(after).toMatch(/## What the runs show\n\nThe forest wins here\.\n\nRegenerate:/);
      expect(readFileSync(join(dir, 'out/stack.md'), 'utf8')).toContain('## What the runs show\n\nSelf-training changes the segmentation.\n');
      expect(after).not.toContain('No run has finished yet');
      expect(readFileSync(join(dir, 'out/stack.runs.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12); // nothing reran

      // a third page sharing the forest column with the same settings: its runs are copied, not
      // made again, and they are the runs it would have made (the same Dice when made anew)
      writeFileSync(join(dir, 'third.json'), JSON.stringify({
        name: 'third', dataset: { kind: 'vesselnn', root: '.', stack: 'tiny' }, n: [1, 2], strategies: ['pixel-classifier'], splits: 1, testSize: 5, out: 'out/third',
      }));
      expect(await experiment([join(dir, 'third.json'), '--device', 'cpu'])).toBe(0);
      const copied = readFileSync(join(dir, 'out/third.runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(copied.map((r) => r.copiedFrom)).toEqual(['stack.runs.jsonl', 'stack.runs.jsonl']);
      expect(copied.map((r) => r.dice)).toEqual(forest.filter((r) => r.split === 0).map((r) => r.dice));
      expect(readFileSync(join(dir, 'out/third.md'), 'utf8')).toContain('2 from `stack.runs.jsonl` (split 0 N=1 pixel-classifier, split 0 N=2 pixel-classifier)');
      expect(await experiment([join(dir, 'third.json'), '--device', 'cpu', '--restart', '--no-reuse'])).toBe(0);
      const made = readFileSync(join(dir, 'out/third.runs.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(made.map((r) => r.copiedFrom)).toEqual([undefined, undefined]);
      expect(made.map((r) => r.dice)).toEqual(copied.map((r) => r.dice));
      expect(readFileSync(join(dir, 'out/third.md'), 'utf8')).not.toContain('Runs made once for two pages');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a stack config without its stack, its test size or the model to run as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-experiment-stack-'));
    try {
      const write = (name: string, cfg: object) => { writeFileSync(join(dir, name), JSON.stringify({ name: 'x', n: [1], out: 'o', ...cfg })); return join(dir, name); };
      await expect(experiment([write('a.json', { dataset: { kind: 'vesselnn', root: '.' }, strategies: ['3d'], testSize: 3 })])).rejects.toThrow(/names its "stack"/);
      await expect(experiment([write('b.json', { dataset: { kind: 'vesselnn', root: '.', stack: 's' }, strategies: ['3d'] })])).rejects.toThrow(/needs "testSize"/);
      await expect(experiment([write('c.json', { dataset: { kind: 'vesselnn', root: '.', stack: 's' }, strategies: ['pretrained-as-is'], testSize: 3 })])).rejects.toThrow(/"pretrained-as-is" needs its model in "pretrained"/);
      await expect(experiment([write('d.json', { dataset: { kind: 'drive', root: '.' }, strategies: ['pixel-classifier'] })])).rejects.toThrow(/unknown strategy pixel-classifier; choose from: auto, scratch/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
