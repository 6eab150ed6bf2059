// The cluster path against a real one-node SLURM (started by the harness, no scheduler mock):
// a job array that writes marker files, a task that dies and is resubmitted, a task the user
// cancels and that stays cancelled, the finishing job that waits for the array, and the script's
// quoting run through bash.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, execFile } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { startLocalSlurm, localSlurmUnavailable, type LocalSlurm } from './local-slurm.ts';
import { renderArrayScript, renderFinalScript, formatTaskRanges, TASK_ID, type ScriptArg } from '../../src-main/cluster/sbatch-script.ts';
import { submit, arrayTaskStates, mapState, expandTaskIds } from '../../src-main/cluster/slurm-client.ts';
import { followArrayJob, type FollowSummary } from '../../src-main/cluster/follow.ts';
import { readMarkers, markerProgress } from '../../src-main/cluster/markers.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { predictTaskCommand, predictFinishCommand, LUMEN_BIN } from '../../src-main/cluster/lumen-commands.ts';
import { join, resolve } from 'node:path';

const unavailable = localSlurmUnavailable();
if (unavailable) console.warn(`skipping the SLURM tests: ${unavailable}`);

// What one array task runs: writes task-K.done with its peak RSS (the format markers.ts reads).
// kill-once:K  task K kills itself with SIGKILL on its first attempt (it leaves a file to know)
// sleep:K[:S]  task K sleeps S seconds (default a minute, to be cancelled)
// wait:S       every task sleeps S seconds first
const TASK_SOURCE = `
import { writeFileSync, existsSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
const [dir, taskText, ...modes] = process.argv.slice(2);
const task = Number(taskText);
const keep = [];
for (let i = 0; i < 64; i++) keep.push(Buffer.alloc(1 << 20, i)); // ~64 MiB, so the peak is visible
for (const mode of modes) {
  const [kind, arg, seconds] = mode.split(':');
  if (kind === 'kill-once' && Number(arg) === task && !existsSync(dir + '/attempted-' + task)) {
    writeFileSync(dir + '/attempted-' + task, '');
    process.kill(process.pid, 'SIGKILL');
  }
  if (kind === 'sleep' && Number(arg) === task) await new Promise((r) => setTimeout(r, (Number(seconds) || 60) * 1000));
  if (kind === 'wait') await new Promise((r) => setTimeout(r, Number(arg) * 1000));
}
const marker = { task, peakRssBytes: process.resourceUsage().maxRSS * 1024, seconds: process.uptime(), host: hostname() };
writeFileSync(dir + '/task-' + task + '.tmp', JSON.stringify(marker));
renameSync(dir + '/task-' + task + '.tmp', dir + '/task-' + task + '.done');
`;

// The finishing job: records which markers existed when it ran.
const FINAL_SOURCE = `
import { readdirSync, writeFileSync } from 'node:fs';
const [dir] = process.argv.slice(2);
const seen = readdirSync(dir).filter((n) => /^task-\\d+\\.done$/.test(n)).sort();
writeFileSync(dir + '/final.json', JSON.stringify({ seen, at: Date.now() }));
`;

describe.skipIf(unavailable !== null)('SLURM job arrays on a local one-node cluster', () => {
  let slurm: LocalSlurm;
  let root: string;
  let taskScript: string;
  let finalScript: string;

  beforeAll(async () => {
    slurm = await startLocalSlurm();
    root = join(slurm.dir, 'work dir'); // a space: the #SBATCH --output line must survive it
    mkdirSync(root);
    taskScript = join(root, 'task.mjs');
    writeFileSync(taskScript, TASK_SOURCE);
    finalScript = join(root, 'final.mjs');
    writeFileSync(finalScript, FINAL_SOURCE);
  });
  afterAll(async () => {
    await slurm?.stop();
  });

  /** runs a 4-task array to its end with followArrayJob, scripts and logs under root/name */
  async function runArray(name: string, modes: string[], opts: { final?: boolean; onEvent?: (line: string, jobIds: string[]) => void } = {}) {
    const dir = join(root, name);
    const logDir = join(dir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const events: string[] = [];
    const jobIds: string[] = [];
    let n = 0;
    const command: ScriptArg[] = [process.execPath, taskScript, dir, [TASK_ID], ...modes];
    const summary = await followArrayJob({
      tasks: 4,
      maxRetries: 2,
      pollMs: 400,
      env: slurm.env,
      progress: markerProgress(dir, 4),
      taskDone: (t) => existsSync(join(dir, `task-${t}.done`)),
      submitTasks: async (ids) => {
        const path = join(dir, `array-${++n}.sh`);
        writeFileSync(path, renderArrayScript({ jobName: `lumen-${name}`, tasks: 4, taskIds: ids, logDir, command }));
        const id = await submit(path, { env: slurm.env });
        jobIds.push(id);
        return id;
      },
      final: opts.final
        ? {
            submit: async (dependency) => {
              const path = join(dir, 'final.sh');
              writeFileSync(path, renderFinalScript({ jobName: `lumen-${name}-final`, logDir, command: [process.execPath, finalScript, dir] }));
              return submit(path, { env: slurm.env, dependency });
            },
          }
        : undefined,
      onEvent: (line) => {
        events.push(line);
        opts.onEvent?.(line, jobIds);
      },
    });
    return { summary, events, dir, logDir, jobIds };
  }

  const failureContext = (s: FollowSummary, events: string[]) => `${JSON.stringify(s)}\n${events.join('\n')}\n${slurm.logs()}`;

  it('runs a 4-task array to completion; every task leaves its marker with its peak memory', async () => {
    const { summary, events, dir, logDir, jobIds } = await runArray('plain', []);
    expect(summary.completed, failureContext(summary, events)).toEqual([1, 2, 3, 4]);
    expect(summary.failed).toEqual([]);
    expect(summary.cancelled).toEqual([]);
    expect(summary.resubmitted).toEqual({});
    expect(jobIds).toHaveLength(1);
    const markers = readMarkers(dir);
    expect([...markers.keys()].sort()).toEqual([1, 2, 3, 4]);
    for (const m of markers.values()) expect(m.peakRssBytes).toBeGreaterThan(64 << 20);
    // one log per task, named by sbatch's %A_%a, in the folder with a space in its path
    expect(readdirSync(logDir).sort()).toEqual([1, 2, 3, 4].map((t) => `lumen-plain-${jobIds[0]}_${t}.out`));
    expect(events).toContain('blocks 4/4 done · ' + markerProgress(dir, 4)().detail);
    expect(events.at(-1)).toMatch(/^4\/4 tasks completed/);
    // the scheduler still holds the finished tasks (MinJobAge): all COMPLETED
    const states = await arrayTaskStates(jobIds[0], slurm.env);
    expect([...states.entries()].sort((a, b) => a[0] - b[0])).toEqual([[1, 'COMPLETED'], [2, 'COMPLETED'], [3, 'COMPLETED'], [4, 'COMPLETED']]);
  });

  it('resubmits a task killed by SIGKILL (FAILED) and finishes all four; the finishing job follows the resubmit', async () => {
    const { summary, events, dir, jobIds } = await runArray('killed', ['kill-once:3'], { final: true });
    const ctx = failureContext(summary, events);
    expect(summary.completed, ctx).toEqual([1, 2, 3, 4]);
    expect(summary.resubmitted, ctx).toEqual({ 3: 1 });
    expect(events, ctx).toContain(`task 3: FAILED (job ${jobIds[0]}_3)`);
    expect(jobIds).toHaveLength(2);
    expect(events.at(-1)).toContain('1 resubmitted (task 3 ×1)');
    // the first attempt did die: its file is there, and task 3's marker came from the second job
    expect(existsSync(join(dir, 'attempted-3'))).toBe(true);
    expect(readMarkers(dir).size).toBe(4);
    // the finishing job ran after the resubmitted task too
    expect(summary.final?.state, ctx).toBe('COMPLETED');
    expect(JSON.parse(readFileSync(join(dir, 'final.json'), 'utf8')).seen).toHaveLength(4);
  });

  it('leaves a task cancelled with scancel JOBID_K cancelled: not resubmitted, and the finishing job does not run', async () => {
    let cancelledOnce = false;
    const { summary, events, dir } = await runArray('cancelled', ['sleep:2'], {
      final: true,
      onEvent: (line, jobIds) => {
        if (!cancelledOnce && line.startsWith('task 2: RUNNING')) {
          cancelledOnce = true;
          execFileSync('scancel', [`${jobIds[0]}_2`], { env: slurm.env });
        }
      },
    });
    const ctx = failureContext(summary, events);
    expect(cancelledOnce, ctx).toBe(true);
    expect(summary.cancelled, ctx).toEqual([2]);
    expect(summary.completed).toEqual([1, 3, 4]);
    expect(summary.failed).toEqual([]);
    expect(summary.resubmitted).toEqual({});
    expect(summary.states[2]).toBe('CANCELLED');
    expect(summary.jobIds).toHaveLength(1);
    expect(events.at(-1)).toContain('cancelled by the user (not resubmitted): task 2');
    expect(existsSync(join(dir, 'task-2.done'))).toBe(false);
    expect(summary.final?.state).toBe('CANCELLED');
    expect(existsSync(join(dir, 'final.json'))).toBe(false);
  });

  it('runs the finishing job only after every array task has succeeded', async () => {
    // task 4 is the slow one: a finishing job that did not wait would see 3 markers at most
    const { summary, events, dir } = await runArray('final', ['wait:1', 'sleep:4:5'], { final: true });
    const ctx = failureContext(summary, events);
    expect(summary.completed, ctx).toEqual([1, 2, 3, 4]);
    expect(summary.final?.state, ctx).toBe('COMPLETED');
    const final = JSON.parse(readFileSync(join(dir, 'final.json'), 'utf8')) as { seen: string[]; at: number };
    expect(final.seen).toEqual(['task-1.done', 'task-2.done', 'task-3.done', 'task-4.done']);
    // and it ran after the last marker was written
    expect(final.at).toBeGreaterThanOrEqual(statSync(join(dir, 'task-4.done')).mtimeMs);
  });

  it('writes the marker itself when asked (markerDir): peak memory of any command, none for a task that fails', async () => {
    const dir = join(root, 'wrapped');
    const markerDir = join(dir, 'markers');
    const script = join(dir, 'array.sh');
    mkdirSync(dir);
    // task 1 holds ~100 MiB for a second and succeeds; task 2 exits 3
    const program = 'const a = Buffer.alloc(100 << 20, 1); setTimeout(() => process.exit(process.argv[1] === "2" ? 3 : 0), 1200)';
    writeFileSync(script, renderArrayScript({ jobName: 'wrapped', tasks: 2, logDir: dir, markerDir, command: [process.execPath, '-e', program, [TASK_ID]] }));
    const events: string[] = [];
    const summary = await followArrayJob({
      tasks: 2, maxRetries: 0, pollMs: 400, env: slurm.env,
      submitTasks: () => submit(script, { env: slurm.env }),
      progress: markerProgress(markerDir, 2),
      onEvent: (line) => events.push(line),
    });
    const ctx = failureContext(summary, events);
    expect(summary.completed, ctx).toEqual([1]);
    expect(summary.failed, ctx).toEqual([2]);
    expect(summary.states[2]).toBe('FAILED');
    const markers = readMarkers(markerDir);
    expect([...markers.keys()]).toEqual([1]);
    expect(markers.get(1)!.peakRssBytes).toBeGreaterThan(100 << 20);
    expect(events, ctx).toContain(`blocks 1/2 done · peak memory up to ${Math.round(markers.get(1)!.peakRssBytes! / (1 << 20))} MiB per task`);
    expect(events.at(-1)).toContain('failed: task 2 FAILED');
  });

  it('turns an sbatch refusal into a one-line scheduler error with sbatch\'s message', async () => {
    const path = join(root, 'bad.sh');
    writeFileSync(path, renderArrayScript({ jobName: 'bad', tasks: 2, logDir: root, partition: 'no-such-partition', command: ['true'] }));
    const err = await submit(path, { env: slurm.env }).catch((e: unknown) => e);
    expect(isLumenError(err, 'scheduler')).toBe(true);
    expect((err as Error).message).toMatch(/^sbatch refused .*bad\.sh: .*invalid partition/i);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('SLURM scripts and states (no cluster needed)', () => {
  it('quotes every argument: spaces, quotes, $ and newlines reach the task unchanged, with the task id', async () => {
    const weird = ["it's a file", 'with "double" quotes', '$HOME `id` $(id)', 'line\nbreak', '', '*', 'plain'];
    const script = renderArrayScript({
      jobName: 'quote test', tasks: 4, logDir: '/tmp/logs', partition: 'gpu', time: '1:00:00', mem: '8G', gpus: 1, cpusPerTask: 4,
      command: [process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...weird, ['--blocks=', TASK_ID, '/4']],
    });
    expect(script).toContain('#SBATCH --array=1-4\n');
    expect(script).toContain('#SBATCH --job-name=quote_test\n');
    expect(script).toContain('#SBATCH --output=/tmp/logs/quote_test-%A_%a.out\n');
    for (const line of ['--partition=gpu', '--time=1:00:00', '--mem=8G', '--gpus=1', '--cpus-per-task=4']) expect(script).toContain(`#SBATCH ${line}\n`);
    const out = await new Promise<string>((resolve, reject) =>
      execFile('bash', ['-c', script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '3' }, encoding: 'utf8' }, (e, stdout, stderr) => (e ? reject(new Error(stderr)) : resolve(stdout))),
    );
    expect(JSON.parse(out)).toEqual([...weird, '--blocks=3/4']);
  });

  it('writes resubmissions as a task list and the finishing script without an array', () => {
    expect(renderArrayScript({ jobName: 'j', tasks: 9, taskIds: [4, 2], logDir: '/l', command: ['x'] })).toContain('#SBATCH --array=2,4\n');
    expect(formatTaskRanges([7, 1, 2, 3, 5, 8])).toBe('1-3,5,7-8');
    expect(() => renderArrayScript({ jobName: 'j', tasks: 3, taskIds: [4], logDir: '/l', command: ['x'] })).toThrow(/outside 1\.\.3/);
    const final = renderFinalScript({ jobName: 'fin', logDir: '/l', command: ['node', 'a b'] });
    expect(final).not.toContain('--array');
    expect(final).toContain("exec node 'a b'\n");
  });

  it('runs `lumen predict --blocks K/N` per task, with absolute paths, and `--blocks finish` last', async () => {
    const job = { model: 'm.onnx', image: 'in dir/in.zarr', out: 'out.zarr', tasks: 8, extraArgs: ['--device', 'cuda'] };
    const script = renderArrayScript({ jobName: 'p', tasks: 8, logDir: '/l', command: predictTaskCommand(job) });
    const line = script.split('\n').find((l) => l.startsWith('exec '))!;
    const argv = execFileSync('bash', ['-c', `set -- ; printf '%s\\n' ${line.slice('exec '.length)}`], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '5' }, encoding: 'utf8' }).trimEnd().split('\n');
    expect(argv).toEqual([process.execPath, LUMEN_BIN, 'predict', '--model', resolve('m.onnx'), '--image', resolve('in dir/in.zarr'), '--out', resolve('out.zarr'), '--device', 'cuda', '--blocks', '5/8']);
    expect(existsSync(LUMEN_BIN)).toBe(true);
    expect(predictFinishCommand(job).slice(-2)).toEqual(['--blocks', 'finish']);
  });

  it('maps SLURM state names and task ranges', () => {
    expect(mapState('CANCELLED by 0')).toBe('CANCELLED');
    expect(mapState('COMPLETING')).toBe('RUNNING');
    expect(mapState('BOOT_FAIL')).toBe('NODE_FAIL');
    expect(mapState('OUT_OF_MEMORY')).toBe('OUT_OF_MEMORY');
    expect(mapState('DEADLINE')).toBe('TIMEOUT');
    expect(mapState('FAILED')).toBe('FAILED');
    expect(expandTaskIds('[2-4,7%2]')).toEqual([2, 3, 4, 7]);
    expect(expandTaskIds('1-7:3')).toEqual([1, 4, 7]);
  });

  it('says so in one line when sbatch is not installed', async () => {
    const err = await submit('/nonexistent.sh', { env: { PATH: '/nonexistent' } }).catch((e: unknown) => e);
    expect(isLumenError(err, 'scheduler')).toBe(true);
    expect((err as Error).message).toMatch(/^sbatch was not found/);
  });
});
