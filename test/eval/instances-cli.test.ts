// `lumen evaluate --instances` and `--objects` run as a user runs them: real files in, one JSON
// line out, one readable line and exit code 1 for each kind of bad input.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume, type DType, type TypedArray } from '../../src-shared/volume.ts';
import { PROJECT_ROOT, dataPath } from '../shared-data.ts';

const lumen = (...args: string[]) => spawnSync('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), 'evaluate', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 });
const TRUTH = dataPath('nuclei2d/instances.tif'), IMAGE = dataPath('nuclei2d/image.tif');
const H = 512, W = 512;

let dir: string;
let truth: Uint16Array;
/** nuclei the prediction leaves out: those lying wholly in the left 100 columns */
let missing = 0;
const file = (name: string) => join(dir, name);
const write = (name: string, shape: [number, number, number], dtype: DType, data: TypedArray) => writeVolume(file(name), makeVolume([...shape, 1], dtype, data));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-instances-cli-'));
  truth = (await readVolume(TRUTH)).data as Uint16Array;
  // prediction: the truth without its nuclei whose every pixel lies in the left 100 columns
  const leftmost = new Set<number>(truth), reaches = new Set<number>();
  for (let i = 0; i < truth.length; i++) if (truth[i] && i % W >= 100) reaches.add(truth[i]!);
  for (const id of reaches) leftmost.delete(id);
  leftmost.delete(0);
  await write('pred.tif', [1, H, W], 'uint16', truth.map((id) => (leftmost.has(id) ? 0 : id)));
  missing = leftmost.size;
  const right = new Uint8Array(H * W);
  for (let i = 0; i < right.length; i++) right[i] = i % W >= W / 2 ? 255 : 0;
  await write('right.tif', [1, H, W], 'uint8', right);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lumen evaluate --instances / --objects', () => {
  it('--instances prints F1 and AP at 0.5, the counts and a row per threshold', () => {
    expect(missing).toBeGreaterThan(0);
    const r = lumen('--instances', '--pred', file('pred.tif'), '--truth', TRUTH);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout);
    const tp = 125 - missing;
    expect(out).toMatchObject({ truthObjects: 125, predObjects: tp, f1: (2 * tp) / (2 * tp + missing), ap: tp / 125 });
    expect(out.perThreshold.map((s: { tau: number }) => s.tau)).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]);
    for (const s of out.perThreshold) expect(s).toMatchObject({ tp, fp: 0, fn: missing, precision: 1, meanMatchedIoU: 1 });
    expect(out).not.toHaveProperty('ignoredTruthObjects');

    // the right half, ignoring everything whose centroid lies in the left half: nothing is missed
    const right = lumen('--instances', '--pred', file('pred.tif'), '--truth', TRUTH, '--mask', file('right.tif'), '--thresholds', '0.75,0.9');
    expect(right.status, right.stderr).toBe(0);
    const masked = JSON.parse(right.stdout);
    expect(masked.perThreshold.map((s: { tau: number }) => s.tau)).toEqual([0.75, 0.9]);
    expect(masked.ignoredTruthObjects + masked.truthObjects).toBe(125);
    expect(masked.ignoredTruthObjects).toBeGreaterThanOrEqual(missing);
    expect(masked.predObjects).toBe(masked.truthObjects);
    expect(masked.perThreshold[0]).toMatchObject({ tp: masked.truthObjects, fp: 0, fn: 0, f1: 1 });
  });

  it('--objects writes the per-object CSV and prints count, total volume and unit', () => {
    const r = lumen('--objects', TRUTH, '--image', IMAGE, '--csv', file('objects.csv'));
    expect(r.status, r.stderr).toBe(0);
    const foreground = truth.reduce((n, id) => n + (id ? 1 : 0), 0);
    expect(JSON.parse(r.stdout)).toEqual({ objects: 125, totalVolume: foreground, unit: 'unknown', csv: file('objects.csv') });
    const lines = readFileSync(file('objects.csv'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(126);
    expect(lines[0]!.split(',').slice(0, 3)).toEqual(['id', 'voxels', 'volume_units3']);
    const voxels = lines.slice(1).reduce((n, l) => n + Number(l.split(',')[1]), 0);
    expect(voxels).toBe(foreground);
    expect(lines.slice(1).every((l) => Number(l.split(',').at(-1)) > 0)).toBe(true); // a mean intensity per nucleus
  });

  it('handles 70 000 objects in a uint32 image', async () => {
    const labels = new Uint32Array(300 * 300);
    for (let i = 0; i < 70_000; i++) labels[i] = 70_000 - i;
    await write('many.tif', [1, 300, 300], 'uint32', labels);
    const r = lumen('--instances', '--pred', file('many.tif'), '--truth', file('many.tif'), '--thresholds', '0.9');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ truthObjects: 70_000, predObjects: 70_000, f1: 1 });
    const o = lumen('--objects', file('many.tif'), '--csv', file('many.csv'));
    expect(JSON.parse(o.stdout)).toMatchObject({ objects: 70_000, totalVolume: 70_000 });
  });

  it('warns, naming the id, when an id is drawn as separate pieces, and still scores', async () => {
    const split = truth.slice();
    split[0] = 7; split[W * H - 1] = 7; // id 7 also in two far corners
    await write('split.tif', [1, H, W], 'uint16', split);
    const r = lumen('--instances', '--pred', TRUTH, '--truth', file('split.tif'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/warning: in the truth, id 7 \(3 pieces\) is drawn as separate pieces/);
    expect(JSON.parse(r.stdout).truthObjects).toBe(125);
  });

  it('refuses bad input with one line and exit code 1', async () => {
    await write('small.tif', [1, 10, 10], 'uint16', new Uint16Array(100));
    await write('fraction.tif', [1, 2, 2], 'float32', new Float32Array([0, 1, 1.5, 2]));
    await write('whole-float.tif', [1, 2, 2], 'float32', new Float32Array([0, 1, 2, 2]));
    await write('negative.tif', [1, 2, 2], 'int16', new Int16Array([0, 1, -2, 2]));
    await write('small-mask.tif', [1, 10, 10], 'uint8', new Uint8Array(100).fill(1));
    const cases: [string[], RegExp][] = [
      [['--instances', '--pred', file('small.tif'), '--truth', TRUTH], /the truth is 1×512×512 but the prediction is 1×10×10/],
      [['--instances', '--pred', file('fraction.tif'), '--truth', file('whole-float.tif')], /the prediction holds 1.5 at \(z 0, y 1, x 0\), a value that is not a whole number/],
      [['--instances', '--pred', file('whole-float.tif'), '--truth', file('negative.tif')], /the truth holds -2 at \(z 0, y 1, x 0\), a negative id/],
      [['--instances', '--pred', file('pred.tif'), '--truth', TRUTH, '--mask', file('small-mask.tif')], /the mask is 1×10×10 but the prediction is 1×512×512/],
      [['--instances', '--pred', file('pred.tif'), '--truth', TRUTH, '--thresholds', '0.5,1.2'], /--thresholds must be IoU values above 0 and at most 1/],
      [['--objects', TRUTH, '--image', file('small.tif'), '--csv', file('x.csv')], /the image is 1×10×10 but the label image is 1×512×512/],
      [['--objects', file('fraction.tif'), '--csv', file('x.csv')], /the label image holds 1.5/],
    ];
    for (const [args, message] of cases) {
      const r = lumen(...args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    // whole numbers stored as float are fine
    expect(lumen('--instances', '--pred', file('whole-float.tif'), '--truth', file('whole-float.tif')).status).toBe(0);
  });
});
