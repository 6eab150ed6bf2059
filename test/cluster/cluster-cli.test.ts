// `lumen cluster submit` as a user runs it: the dry run (scripts only, no scheduler needed) and a
// real submission to the local SLURM whose tasks fail (no such model), so the command resubmits
// them, gives up, cancels the finishing job and exits 1 with the summary.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLocalSlurm, localSlurmUnavailable, type LocalSlurm } from './local-slurm.ts';

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
  beforeAll(async () => { slurm = await startLocalSlurm(); });
  afterAll(async () => { await slurm?.stop(); });

  it('resubmits tasks that fail, gives up after --max-retries, cancels the finishing job and exits 1', async () => {
    const cwd = join(slurm.dir, 'user');
    mkdirSync(join(cwd, 'in.zarr'), { recursive: true });
    const r = await lumen(['cluster', 'submit', '--scheduler', 'slurm', '--model', 'no-such-model.onnx', '--image', 'in.zarr', '--out', 'out.zarr',
      '--tasks', '2', '--max-retries', '1', '--poll', '0.5'], { cwd, env: slurm.env });
    const ctx = `${r.stdout}\n${r.stderr}\n${slurm.logs()}`;
    expect(r.code, ctx).toBe(1);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(result.ok).toBe(false);
    expect(result.completed).toEqual([]);
    expect(result.failed).toEqual([1, 2]);
    expect(result.resubmitted).toEqual({ 1: 1, 2: 1 });
    expect(result.jobIds).toHaveLength(2);
    expect(result.final.state).toBe('CANCELLED');
    expect(r.stderr).toContain('lumen cluster: 0/2 tasks completed');
    // the tasks really ran lumen predict: its one-line failure is in their logs
    const logs = join(cwd, 'out.zarr-slurm', 'logs');
    const texts = readdirSync(logs).map((f) => readFileSync(join(logs, f), 'utf8'));
    expect(texts.length).toBe(4);
    for (const t of texts) expect(t).toMatch(/^lumen predict: /m);
    expect(existsSync(join(cwd, 'out.zarr-slurm', 'array-retry-1.sh'))).toBe(true);
  });
});
