// `lumen segment --instances` and `lumen train --instances` as a user runs them: a synthetic
// nuclei image (its instance ids known) with some nuclei drawn, real files in and out, one JSON
// line; bad input gets one readable line and exit code 1, and the files are left as they were.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { nucleiImage } from '../../src-shared/synth/nuclei-image.ts';
import { seededRandom } from '../../src-shared/random.ts';
import { importOnnxModel } from '../../src-shared/nn/model-file.ts';
import { PROJECT_ROOT } from '../shared-data.ts';

const lumen = (...args: string[]) => spawnSync('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 });
const H = 96, W = 96;
let dir: string;
const file = (name: string) => join(dir, name);
let truthCount = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-instances-'));
  const v = nucleiImage(2, [1, H, W], { count: 30, radius: [5, 8], cnr: 6 }, seededRandom(4));
  truthCount = v.count;
  await writeVolume(file('image.tif'), makeVolume([1, H, W, 1], 'float32', v.image));
  // the nuclei of the top half drawn, the top half annotated; one id drawn twice (a slip)
  const drawn = new Uint16Array(H * W);
  const top = new Set<number>();
  for (let i = 0; i < H * W; i++) if (v.instances[i] && Math.floor(i / W) < H / 2) top.add(v.instances[i]!);
  for (let i = 0; i < H * W; i++) if (top.has(v.instances[i]!)) drawn[i] = v.instances[i]!;
  const [a, b] = [...top];
  for (let i = 0; i < H * W; i++) if (drawn[i] === b) drawn[i] = a!;
  await writeVolume(file('drawn.tif'), makeVolume([1, H, W, 1], 'uint16', drawn));
  await writeVolume(file('annotated.tif'), makeVolume([1, H, W, 1], 'uint8', Uint8Array.from({ length: H * W }, (_, i) => (Math.floor(i / W) < H / 2 ? 1 : 0))));
  await writeVolume(file('small.tif'), makeVolume([1, H, W - 1, 1], 'uint16', new Uint16Array(H * (W - 1))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lumen segment --instances', () => {
  it('trains on the drawn nuclei and writes every nucleus as its own id, with the object table', async () => {
    const r = lumen('segment', '--instances', '--image', file('image.tif'), '--labels', file('drawn.tif'), '--annotated', file('annotated.tif'),
      '--out', file('objects.tif'), '--csv', file('objects.csv'), '--save-model', file('model.onnx'), '--steps', '40', '--strategy', 'scratch');
    expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
    expect(r.status, r.stderr).toBe(0);
    // the id drawn as two pieces: a warning, and training went on
    expect(r.stderr).toMatch(/separate pieces/);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out.objects).toBeGreaterThan(0);
    expect(out.mode).toBe('scratch');
    const labels = await readVolume(file('objects.tif'));
    expect(labels.dtype).toBe('uint16');
    expect(labels.shape).toEqual([1, H, W, 1]);
    expect(new Set(labels.data).size - 1).toBeLessThanOrEqual(out.objects);
    const rows = readFileSync(file('objects.csv'), 'utf8').trim().split('\n');
    expect(rows.length - 1).toBe(new Set(labels.data).size - 1);
    // the model keeps what decodes it: rays and the tuned thresholds
    const model = importOnnxModel(readFileSync(file('model.onnx')));
    expect(model.config.starRays).toBe(32);
    expect(model.instances!.probThreshold).toBe(out.probThreshold);
    expect(truthCount).toBeGreaterThan(10);
  });

  it('an instance image of another shape: one line naming both shapes, nothing written', () => {
    const r = lumen('segment', '--instances', '--image', file('image.tif'), '--labels', file('small.tif'), '--out', file('never.tif'));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/1×96×95.*1×96×96/);
    expect(existsSync(file('never.tif'))).toBe(false);
  });

  it('no object drawn: one line', async () => {
    await writeVolume(file('empty.tif'), makeVolume([1, H, W, 1], 'uint16', new Uint16Array(H * W)));
    const r = lumen('segment', '--instances', '--image', file('image.tif'), '--labels', file('empty.tif'), '--out', file('never.tif'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no objects are drawn/);
  });
});

describe('instance label files', () => {
  it('ids beyond 65535 are read as uint32 and kept', async () => {
    const { loadInstanceInput } = await import('../../src-main/instance-input.ts');
    const ids = new Uint32Array(H * W);
    for (let i = 0; i < 40; i++) ids[i * 50] = 70_000 + i;
    await writeVolume(file('big-ids.tif'), makeVolume([1, H, W, 1], 'uint32', ids));
    const { data } = await loadInstanceInput(file('image.tif'), file('big-ids.tif'));
    expect(data.instances).toBeInstanceOf(Uint32Array);
    expect(data.instances[39 * 50]).toBe(70_039);
  });
  it('fractional ids are refused with the voxel that holds one', async () => {
    const { loadInstanceInput } = await import('../../src-main/instance-input.ts');
    const ids = new Float32Array(H * W);
    ids[W + 3] = 2.5;
    await writeVolume(file('float-ids.tif'), makeVolume([1, H, W, 1], 'float32', ids));
    await expect(loadInstanceInput(file('image.tif'), file('float-ids.tif'))).rejects.toThrow(/2\.5 at \(z 0, y 1, x 3\)/);
  });
});

describe('lumen train --instances', () => {
  it('an unknown strategy for instances is refused before anything runs', () => {
    const r = lumen('train', '--instances', '--image', file('image.tif'), '--labels', file('drawn.tif'), '--out', file('m.onnx'), '--strategy', 'dwp');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/does not train instances/);
  });
});
