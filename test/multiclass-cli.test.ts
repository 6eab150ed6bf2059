// Multi-class through the CLI and its inputs: label files with any class values, `lumen predict`
// writing the painted class values (and one probability channel per class), `lumen segment` on a
// three-class volume, and `lumen evaluate` per class.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readVolume, writeVolume } from '../src-shared/io/index.ts';
import { makeVolume, type DType } from '../src-shared/volume.ts';
import { loadLabeledInput } from '../src-main/labeled-input.ts';
import { isLumenError } from '../src-shared/errors.ts';
import { Trainer } from '../src-shared/nn/trainer.ts';
import { exportOnnxModel } from '../src-shared/nn/model-file.ts';
import { zscore } from '../src-shared/train/normalize.ts';
import { seededRandom } from '../src-shared/nn/params.ts';
import { createRuntime } from '../src-main/runtime.ts';
import { PROJECT_ROOT } from './shared-data.ts';

const lumen = (...args: string[]) => spawnSync('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 });
const runtime = createRuntime({ device: 'cpu', threads: 2 });

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lumen-multiclass-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two cubes in a [D, H, W] volume: class index 1 bright, 2 dark, 0 the noisy grey around them. */
function cubes([D, H, W]: [number, number, number], seed = 1) {
  const rand = seededRandom(seed);
  const n = D * H * W, image = new Float32Array(n), index = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = i % W, y = Math.floor(i / W) % H, z = Math.floor(i / (W * H));
    const k = x < W / 2 && y < H / 2 && z >= D / 4 && z < (3 * D) / 4 ? 1 : x >= W / 2 && y >= H / 2 && z < D / 2 ? 2 : 0;
    index[i] = k;
    image[i] = 100 + 40 * [0, 1, -1][k]! + 12 * (rand() - 0.5);
  }
  return { image, index };
}

describe('label files with any class values', () => {
  const shape: [number, number, number] = [2, 4, 5];
  const imagePath = () => join(dir, 'img-small.tif');
  const labelsFile = async (name: string, values: number[], dtype: DType = 'uint8') => {
    const data = Array.from({ length: 40 }, (_, i) => values[i % values.length]!);
    const typed = dtype === 'uint16' ? Uint16Array.from(data) : dtype === 'float32' ? Float32Array.from(data) : Uint8Array.from(data);
    const path = join(dir, name);
    await writeVolume(path, makeVolume([...shape, 1], dtype, typed));
    return path;
  };
  beforeAll(async () => { await writeVolume(imagePath(), makeVolume([...shape, 1], 'uint8', Uint8Array.from({ length: 40 }, (_, i) => i))); });

  it('accepts values 0, 1, 2, 3, 5 in uint8 and uint16 files and reports the classes', async () => {
    for (const dtype of ['uint8', 'uint16'] as const) {
      const r = await loadLabeledInput(imagePath(), await labelsFile(`ok-${dtype}.tif`, [0, 1, 2, 3, 5], dtype));
      expect(r.classes).toEqual([1, 2, 3, 5]);
      expect([...new Set(r.labeled.labels)].sort()).toEqual([0, 1, 2, 3, 5]);
    }
  });

  it('refuses files that cannot teach, with one line naming the file', async () => {
    const cases: [string, number[], DType, RegExp][] = [
      ['only-background.tif', [0, 1], 'uint8', /paint at least one class \(2 or higher\)/],
      ['no-background.tif', [0, 2, 3], 'uint8', /paint some background \(1\)/],
      ['nothing.tif', [0], 'uint8', /no labeled voxel/],
      ['fraction.tif', [0, 1, 2.5], 'float32', /holds the value 2\.5; labels must be whole numbers/],
      ['too-big.tif', [0, 1, 300], 'uint16', /holds the value 300; labels must be whole numbers: 0 = unlabeled, 1 = background, 2…255 = classes/],
    ];
    for (const [name, values, dtype, message] of cases) {
      const path = await labelsFile(name, values, dtype);
      const err = await loadLabeledInput(imagePath(), path).then(() => undefined, (e: unknown) => e);
      expect(isLumenError(err, 'bad-input'), name).toBe(true);
      expect((err as Error).message, name).toMatch(message);
      expect((err as Error).message, name).toContain(path);
      expect((err as Error).message, name).not.toContain('\n');
    }
  });
});

describe('lumen predict with a multi-class model', () => {
  const shape: [number, number, number] = [8, 16, 16];
  const classes = [1, 3, 7];
  let truth: Uint8Array;
  beforeAll(async () => {
    // a 3-class network trained on the (z-scored) image, exported with the user's values 1, 3, 7
    const { image, index } = cubes(shape);
    truth = Uint8Array.from(index, (k) => classes[k]!);
    const model = { dims: 3 as const, inChannels: 1, outChannels: 3, channels: [4, 8], norm: 'instance' as const };
    const batchShape = [1, 1, ...shape];
    const t = await Trainer.create({ model, batchShape, loss: 'bce+dice', optimizer: { kind: 'adam' }, seed: 3 }, runtime.factory);
    const batch = { image: zscore(image), target: Float32Array.from(index), weight: new Float32Array(index.length).fill(1) };
    for (let i = 0; i < 60; i++) await t.step(batch, 1e-2);
    writeFileSync(join(dir, 'three.onnx'), exportOnnxModel({ config: model, params: t.parameters(), classes, provenance: {} }, batchShape));
    await t.release();
    await writeVolume(join(dir, 'cubes.tif'), makeVolume([...shape, 1], 'float32', image));
  });

  it('writes the class values as painted (1, 3, 7)', async () => {
    const out = join(dir, 'pred-labels.tif');
    const r = lumen('predict', '--model', join(dir, 'three.onnx'), '--image', join(dir, 'cubes.tif'), '--out', out, '--patch', '8,16,16', '--device', 'cpu');
    expect(r.status, r.stderr).toBe(0);
    const pred = await readVolume(out);
    expect(pred.shape).toEqual([...shape, 1]);
    expect(pred.dtype).toBe('uint8');
    expect(new Set(pred.data)).toEqual(new Set(classes));
    let agree = 0;
    for (let i = 0; i < truth.length; i++) if (pred.data[i] === truth[i]) agree++;
    expect(agree / truth.length).toBeGreaterThan(0.95);
  });

  it('--prob writes one probability channel per class, summing to 1', async () => {
    const out = join(dir, 'pred-prob.tif');
    const r = lumen('predict', '--model', join(dir, 'three.onnx'), '--image', join(dir, 'cubes.tif'), '--out', out, '--patch', '8,16,16', '--device', 'cpu', '--prob');
    expect(r.status, r.stderr).toBe(0);
    const prob = await readVolume(out);
    expect(prob.shape).toEqual([...shape, 3]);
    expect(prob.dtype).toBe('float32');
    let agree = 0;
    for (let i = 0; i < truth.length; i++) {
      const p = [0, 1, 2].map((c) => prob.data[i * 3 + c]!);
      expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 4);
      if (classes[p.indexOf(Math.max(...p))] === truth[i]) agree++;
    }
    expect(agree / truth.length).toBeGreaterThan(0.95);
  });

  it('refuses the binary-only object filters in one line', () => {
    const r = lumen('predict', '--model', join(dir, 'three.onnx'), '--image', join(dir, 'cubes.tif'), '--out', join(dir, 'never.tif'), '--fill-holes', '--device', 'cpu');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/apply to binary models; this one has 3 classes/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('lumen segment with three classes', () => {
  it('trains on labels 1, 2, 4 and writes those values back', { timeout: 300_000 }, async () => {
    const shape: [number, number, number] = [8, 32, 32];
    const { image, index } = cubes(shape, 2);
    const values = [1, 2, 4];
    // painted: every other slice
    const labels = Uint8Array.from(index, (k, i) => (Math.floor(i / (32 * 32)) % 2 === 0 ? values[k]! : 0));
    await writeVolume(join(dir, 'seg-img.tif'), makeVolume([...shape, 1], 'float32', image));
    await writeVolume(join(dir, 'seg-labels.tif'), makeVolume([...shape, 1], 'uint8', labels));
    const out = join(dir, 'seg-out.tif');
    const r = lumen('segment', '--image', join(dir, 'seg-img.tif'), '--labels', join(dir, 'seg-labels.tif'), '--out', out, '--strategy', 'scratch', '--effort', '0.1', '--device', 'cpu');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!).classes).toEqual(values);
    const pred = await readVolume(out);
    expect(pred.shape).toEqual([...shape, 1]);
    expect(new Set(pred.data)).toEqual(new Set(values));
    let agree = 0;
    for (let i = 0; i < index.length; i++) if (pred.data[i] === values[index[i]!]) agree++;
    expect(agree / index.length).toBeGreaterThan(0.9);
  });
});

describe('lumen evaluate on class maps', () => {
  it('scores every class value ≥ 2 found in either file, with their mean; 0 and 1 are both background', async () => {
    // 1 slice of 2×10: truth classes 2 (4 voxels), 3 (4), 5 (2) on background 1; the prediction
    // writes background as 0 in places, misses one voxel of class 2 and calls a class-3 voxel 5
    const truth = Uint8Array.of(2, 2, 2, 2, 3, 3, 3, 3, 5, 5, /**/ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    const pred = Uint8Array.of(2, 2, 2, 1, 3, 3, 3, 5, 5, 5, /**/ 0, 0, 1, 1, 0, 1, 1, 1, 1, 1);
    await writeVolume(join(dir, 'eval-truth.tif'), makeVolume([1, 2, 10, 1], 'uint8', truth));
    await writeVolume(join(dir, 'eval-pred.tif'), makeVolume([1, 2, 10, 1], 'uint8', pred));
    const r = lumen('evaluate', '--pred', join(dir, 'eval-pred.tif'), '--truth', join(dir, 'eval-truth.tif'));
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.classes).toEqual([2, 3, 5]);
    expect(s.perClass['2'].dice).toBeCloseTo(6 / 7, 6); // tp 3, fn 1
    expect(s.perClass['2'].confusion).toEqual({ tp: 3, fp: 0, fn: 1, tn: 16 });
    expect(s.perClass['3'].dice).toBeCloseTo(6 / 7, 6); // tp 3, fn 1
    expect(s.perClass['5'].dice).toBeCloseTo(4 / 5, 6); // tp 2, fp 1
    expect(s.perClass['5'].iou).toBeCloseTo(2 / 3, 6);
    expect(s.perClass['5'].precision).toBeCloseTo(2 / 3, 6);
    expect(s.perClass['5'].recall).toBe(1);
    expect(s.meanDice).toBeCloseTo((6 / 7 + 6 / 7 + 4 / 5) / 3, 6);
    expect(s.outline).toBeUndefined();
  });

  it('a class found only in the prediction scores 0 and counts in the mean; binary files keep the binary report', async () => {
    const truth = Uint8Array.of(1, 1, 2, 2), pred = Uint8Array.of(4, 1, 2, 2);
    await writeVolume(join(dir, 'eval2-truth.tif'), makeVolume([1, 1, 4, 1], 'uint8', truth));
    await writeVolume(join(dir, 'eval2-pred.tif'), makeVolume([1, 1, 4, 1], 'uint8', pred));
    const s = JSON.parse(lumen('evaluate', '--pred', join(dir, 'eval2-pred.tif'), '--truth', join(dir, 'eval2-truth.tif')).stdout);
    expect(s.classes).toEqual([2, 4]);
    expect(s.perClass['4'].dice).toBe(0);
    expect(s.meanDice).toBeCloseTo(0.5, 6);
    // 0/1 against 0/255: the binary report, as before
    await writeVolume(join(dir, 'eval3-truth.tif'), makeVolume([1, 1, 4, 1], 'uint8', Uint8Array.of(0, 255, 255, 0)));
    await writeVolume(join(dir, 'eval3-pred.tif'), makeVolume([1, 1, 4, 1], 'uint8', Uint8Array.of(0, 1, 0, 0)));
    const b = JSON.parse(lumen('evaluate', '--pred', join(dir, 'eval3-pred.tif'), '--truth', join(dir, 'eval3-truth.tif')).stdout);
    expect(b.confusion).toEqual({ tp: 1, fp: 0, fn: 1, tn: 2 });
    expect(b.dice).toBeCloseTo(2 / 3, 6);
    expect(b.outline).toBeDefined();
    // a binary 0/1 prediction against labels written as 1 background / 2 foreground: still binary
    await writeVolume(join(dir, 'eval4-truth.tif'), makeVolume([1, 1, 4, 1], 'uint8', Uint8Array.of(1, 2, 2, 1)));
    const c = JSON.parse(lumen('evaluate', '--pred', join(dir, 'eval3-pred.tif'), '--truth', join(dir, 'eval4-truth.tif')).stdout);
    expect(c.confusion).toEqual({ tp: 1, fp: 0, fn: 1, tn: 2 });
  });
});
