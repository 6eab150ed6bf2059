// `lumen cluster submit` as a user runs it: the dry run (scripts only, no scheduler needed), and
// real submissions to the local SLURM: four array tasks of `lumen predict --blocks K/N`, one
// killed mid-way and resubmitted, whose output must equal one process's; a task that always dies.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLocalSlurm, localSlurmUnavailable, type LocalSlurm } from './local-slurm.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { blobVolume } from '../infer/helpers.ts';

const LUMEN = resolve('bin/lumen.mjs');

function lumen(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [LUMEN, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', timeout: 100_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('lumen cluster submit', () => {
  it('--dry-run writes the array and finishing scripts and submits nothing (no sbatch on the PATH)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lumen-cluster-dry-'));
    try {
      writeFileSync(join(cwd, 'm.onnx'), ''); // the model must exist (it is not read in a dry run)
      const r = await lumen(['cluster', 'submit', '--scheduler', 'slurm', '--model', 'm.onnx', '--image', 'in.zarr', '--out', 'out.zarr',
        '--tasks', '3', '--partition', 'gpu', '--gpus', '1', '--time', '1:00:00', '--dry-run'], { cwd, env: { ...process.env, PATH: '/nonexistent' } });
      expect(r.code, r.stderr).toBe(0);
      const array = readFileSync(join(cwd, 'out.zarr-slurm', 'array.sh'), 'utf8');
      expect(array).toContain('#SBATCH --array=1-3\n');
      expect(array).toContain('#SBATCH --partition=gpu\n');
      expect(array).toContain('#SBATCH --gpus=1\n');
      expect(array).toContain(` predict --model ${join(cwd, 'm.onnx')} --image ${join(cwd, 'in.zarr')} --out ${join(cwd, 'out.zarr')} --blocks "\${SLURM_ARRAY_TASK_ID}"/3 &\n`);
      const finish = readFileSync(join(cwd, 'out.zarr-slurm', 'finish.sh'), 'utf8');
      expect(finish).toContain('--blocks finish\n');
      expect(finish).not.toContain('--gpus');
      expect(r.stdout).toContain('dry run: nothing submitted');
      expect(r.stdout).toContain('--dependency=afterok:ARRAYJOB');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses another scheduler and a missing --tasks in one line', async () => {
    const a = await lumen(['cluster', 'submit', '--scheduler', 'pbs', '--model', 'm', '--image', 'i', '--out', 'o', '--tasks', '2'], { cwd: tmpdir() });
    expect(a.code).toBe(1);
    expect(a.stderr.trim()).toBe('lumen cluster: --scheduler pbs is not supported; Lumen submits to slurm');
    const b = await lumen(['cluster', 'submit', '--scheduler', 'slurm', '--model', 'm', '--image', 'i', '--out', 'o'], { cwd: tmpdir() });
    expect(b.code).toBe(1);
    expect(b.stderr.trim()).toBe('lumen cluster: missing --tasks');
  });
});

const unavailable = localSlurmUnavailable();
describe.skipIf(unavailable !== null)('lumen cluster submit on the local SLURM', () => {
  let slurm: LocalSlurm;
  let cwd: string;
  beforeAll(async () => {
    slurm = await startLocalSlurm();
    cwd = join(slurm.dir, 'user');
    mkdirSync(cwd, { recursive: true });
    // a 24×96×96 stack of bright blobs, as OME-Zarr in chunks 4 deep: 6 blocks, so task 2 of 4 has two
    const [d, h, w] = [24, 96, 96];
    const blobs = blobVolume(d, h, w, 9);
    writeVolume(join(cwd, 'in.tif'), makeVolume([d, h, w, 1], 'uint16', Uint16Array.from(blobs, (v) => Math.max(0, Math.round(1000 + 800 * v))), { spacing: [2, 0.5, 0.5], unit: 'um' }));
    const c = await lumen(['convert', 'in.tif', 'in.zarr', '--chunks', '4,48,48'], { cwd });
    expect(c.code, c.stderr).toBe(0);
    const single = await lumen(['predict', '--model', 'vessels-3d', '--image', 'in.zarr', '--out', 'single.tif'], { cwd });
    expect(single.code, single.stderr).toBe(0);
  });
  afterAll(async () => { await slurm?.stop(); });

  const submitArgs = (out: string, extra: string[] = [], tasks = 4) => ['cluster', 'submit', '--scheduler', 'slurm', '--model', 'vessels-3d', '--image', 'in.zarr', '--out', out,
    '--tasks', String(tasks), '--poll', '0.5', ...extra];

  it('4 array tasks, one killed mid-way (SIGKILL → FAILED) and resubmitted: the result equals one process voxel for voxel; a rerun does nothing', async () => {
    const once = join(cwd, 'killed-once');
    const r = await lumen(submitArgs('out.zarr'), { cwd, env: { ...slurm.env, LUMEN_FAULT_KILL_TASK: '2/4', LUMEN_FAULT_ONCE: once } });
    const ctx = `${r.stdout}\n${r.stderr}\n${slurm.logs()}`;
    expect(r.code, ctx).toBe(0);
    expect(existsSync(once), 'the fault was injected').toBe(true);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(result.ok).toBe(true);
    expect(result.completed).toEqual([1, 2, 3, 4]);
    expect(result.resubmitted).toEqual({ 2: 1 });
    expect(result.final.state).toBe('COMPLETED');
    expect(result.blocks).toBe(6);
    expect(result.blocksFinished).toBe(6);
    expect(result.taskPeakRssMB.every((m: number) => m > 50 && m < 2000)).toBe(true);
    expect(r.stderr).toMatch(/blocks \d\/6 done/);
    const [a, b] = [await readVolume(join(cwd, 'single.tif')), await readVolume(join(cwd, 'out.zarr'))];
    expect(b.shape).toEqual(a.shape);
    let differing = 0, foreground = 0;
    for (let i = 0; i < a.data.length; i++) { if (a.data[i] !== b.data[i]) differing++; if (a.data[i]) foreground++; }
    expect(foreground).toBeGreaterThan(100);
    expect(differing).toBe(0);
    // the killed task's first block was kept (its marker), and the resubmitted task skipped it
    const reports = readdirSync(join(cwd, 'out.zarr', '.lumen-blocks')).filter((f) => f.startsWith('task-2-of-4'));
    expect(reports.length).toBe(1);
    const report = JSON.parse(readFileSync(join(cwd, 'out.zarr', '.lumen-blocks', reports[0]!), 'utf8'));
    expect(report.skipped).toHaveLength(1);
    expect(report.predicted).toHaveLength(1);

    const again = await lumen(submitArgs('out.zarr'), { cwd, env: slurm.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('already finished');
    expect(JSON.parse(again.stdout.trim()).alreadyFinished).toBe(true);
  });

  it('a task that fails every time is resubmitted --max-retries times, then the finishing job is cancelled and it exits 1', async () => {
    const r = await lumen(submitArgs('failing.zarr', ['--max-retries', '1'], 2), { cwd, env: { ...slurm.env, LUMEN_FAULT_KILL_TASK: '2/2' } });
    const ctx = `${r.stdout}\n${r.stderr}\n${slurm.logs()}`;
    expect(r.code, ctx).toBe(1);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(result.ok).toBe(false);
    expect(result.completed).toEqual([1]);
    expect(result.failed).toEqual([2]);
    expect(result.resubmitted).toEqual({ 2: 1 });
    expect(result.final.state).toBe('CANCELLED');
    expect(existsSync(join(cwd, 'failing.zarr-slurm', 'array-retry-1.sh'))).toBe(true);
    // a later plain rerun finishes what is missing
    const rerun = await lumen(submitArgs('failing.zarr', [], 2), { cwd, env: slurm.env });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/blocks are already finished and will be skipped/);
  });
});
