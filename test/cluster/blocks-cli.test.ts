// `lumen predict --blocks` without a scheduler: the steps a job array runs, started by hand, and
// every misuse answered in one line that names the flag or the file, with nothing half-written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeVolume } from '../../src-shared/volume.ts';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { pretrainedPath } from '../../src-main/pretrained.ts';
import { blobVolume } from '../infer/helpers.ts';

const LUMEN = resolve('bin/lumen.mjs');

function lumen(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [LUMEN, ...args], { cwd, encoding: 'utf8', timeout: 100_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('lumen predict --blocks', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'lumen-blocks-cli-'));
    const [d, h, w] = [12, 40, 56];
    writeVolume(join(cwd, 'in.tif'), makeVolume([d, h, w, 1], 'float32', blobVolume(d, h, w, 4), { spacing: [1, 1, 1], unit: 'um' }));
    expect((await lumen(['convert', 'in.tif', 'in.zarr', '--chunks', '4,16,16'], cwd)).code).toBe(0);
    writeVolume(join(cwd, 'other.tif'), makeVolume([d, h, w + 1, 1], 'float32', blobVolume(d, h, w + 1, 4)));
    expect((await lumen(['convert', 'other.tif', 'other.zarr'], cwd)).code).toBe(0);
    copyFileSync(pretrainedPath('vessels-3d'), join(cwd, 'model.onnx'));
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('init, three block sets in reverse order and finish give one process\'s probabilities; reruns do nothing and say so', async () => {
    const init = await lumen(['predict', '--blocks', 'init', '--model', 'model.onnx', '--image', 'in.zarr', '--out', 'p.zarr', '--prob'], cwd);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout).blocks).toBe(3);
    for (const k of [3, 2, 1]) {
      const r = await lumen(['predict', '--blocks', `${k}/3`, '--out', 'p.zarr'], cwd);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).predicted).toBe(1);
    }
    const again = await lumen(['predict', '--blocks', '2/3', '--out', 'p.zarr'], cwd);
    expect(again.stderr).toContain('already finished; nothing to do');
    expect(JSON.parse(again.stdout).predicted).toBe(0);
    expect((await lumen(['predict', '--blocks', 'finish', '--out', 'p.zarr'], cwd)).code).toBe(0);
    expect((await lumen(['predict', '--blocks', 'finish', '--out', 'p.zarr'], cwd)).stderr).toContain('already finished');
    const single = await lumen(['predict', '--model', 'model.onnx', '--image', 'in.zarr', '--out', 'single.tif', '--prob'], cwd);
    expect(single.code, single.stderr).toBe(0);
    const [a, b] = [await readVolume(join(cwd, 'single.tif')), await readVolume(join(cwd, 'p.zarr'))];
    expect(b.dtype).toBe('float32');
    expect([...b.data]).toEqual([...a.data]);
  });

  it('misuse: one line each, naming the flag or the file', async () => {
    const cases: [string[], RegExp][] = [
      [['--blocks', '4/3', '--out', 'p.zarr'], /--blocks wants K\/N with 1 ≤ K ≤ N/],
      [['--blocks', '1/2', '--out', 'p.tif'], /name the output \*\.zarr/],
      [['--blocks', '1/2', '--out', 'p.zarr', '--fill-holes'], /--fill-holes needs the whole volume/],
      [['--blocks', '1/2', '--out', 'never-prepared.zarr'], /run lumen predict --blocks init first/],
      [['--blocks', 'init', '--model', 'model.onnx', '--image', 'in.zarr', '--out', 'p.zarr'], /already holds a block-wise prediction with other settings/],
      [['--blocks', '1/3', '--image', 'other.zarr', '--out', 'p.zarr'], /other\.zarr is 12×40×57×1 but the output was prepared for 12×40×56×1/],
    ];
    for (const [args, message] of cases) {
      const r = await lumen(['predict', ...args], cwd);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(cwd, 'never-prepared.zarr'))).toBe(false);
    // a model changed after init is refused by the tasks
    expect((await lumen(['predict', '--blocks', 'init', '--model', 'model.onnx', '--image', 'in.zarr', '--out', 'm.zarr'], cwd)).code).toBe(0);
    appendFileSync(join(cwd, 'model.onnx'), '\n');
    const changed = await lumen(['predict', '--blocks', '1/3', '--out', 'm.zarr'], cwd);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/model\.onnx has changed since this output was prepared/);
    expect(readdirSync(join(cwd, 'm.zarr', '0')).length).toBe(1); // metadata only, no chunk
  });
});
