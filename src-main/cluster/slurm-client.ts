// The SLURM commands Lumen uses: sbatch to submit, squeue / scontrol (and sacct where the site
// keeps accounting) to read the state of each array task, scancel and scontrol update for the
// finishing job. Errors are one-line LumenErrors with the scheduler's own message.

import { execFile } from 'node:child_process';
import { LumenError } from '../../src-shared/errors.ts';

export type TaskState =
  | 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED'
  | 'TIMEOUT' | 'OUT_OF_MEMORY' | 'NODE_FAIL' | 'PREEMPTED';

export const FINISHED_STATES: ReadonlySet<TaskState> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED']);

export interface SlurmOptions {
  /** environment for the commands (SLURM_CONF and the like); default process.env. */
  env?: NodeJS.ProcessEnv;
}

interface Result { code: number; stdout: string; stderr: string; missing: boolean }

function slurmCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv | undefined, timeoutMs = 30_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: env ?? process.env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr, missing: false });
      const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
      resolve({
        code: typeof e.code === 'number' ? e.code : 1,
        stdout: stdout ?? '',
        stderr: (stderr ?? '') || (e.killed ? `${cmd} did not answer within ${timeoutMs / 1000}s` : e.message),
        missing: e.code === 'ENOENT',
      });
    });
  });
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function missingError(cmd: string): LumenError {
  return new LumenError('scheduler', `${cmd} was not found: run this on a SLURM cluster's login node (or put SLURM's commands on the PATH).`);
}

/** Submits a batch script; returns the job id. */
export async function submit(scriptPath: string, options: SlurmOptions & { dependency?: string; extraArgs?: string[] } = {}): Promise<string> {
  const args = ['--parsable'];
  if (options.dependency) args.push(`--dependency=${options.dependency}`);
  args.push(...(options.extraArgs ?? []), scriptPath);
  const r = await slurmCommand('sbatch', args, options.env);
  if (r.missing) throw missingError('sbatch');
  if (r.code !== 0) throw new LumenError('scheduler', `sbatch refused ${scriptPath}: ${oneLine(r.stderr || r.stdout) || `exit status ${r.code}`}`);
  // --parsable prints "JOBID" or "JOBID;CLUSTER"
  const id = /^(\d+)/.exec(r.stdout.trim().split('\n').pop() ?? '');
  if (!id) throw new LumenError('scheduler', `sbatch did not print a job id for ${scriptPath}: ${oneLine(r.stdout + r.stderr)}`);
  return id[1];
}

/** Cancels a job, or one array task with "JOBID_TASK". */
export async function cancel(jobId: string, options: SlurmOptions = {}): Promise<void> {
  const r = await slurmCommand('scancel', [jobId], options.env);
  if (r.missing) throw missingError('scancel');
  if (r.code !== 0) throw new LumenError('scheduler', `scancel ${jobId} failed: ${oneLine(r.stderr || r.stdout)}`);
}

/** Replaces a pending job's dependency, e.g. "afterok:12:15". */
export async function setDependency(jobId: string, dependency: string, options: SlurmOptions = {}): Promise<void> {
  const r = await slurmCommand('scontrol', ['update', `JobId=${jobId}`, `Dependency=${dependency}`], options.env);
  if (r.missing) throw missingError('scontrol');
  if (r.code !== 0) throw new LumenError('scheduler', `scontrol could not set job ${jobId}'s dependency to ${dependency}: ${oneLine(r.stderr || r.stdout)}`);
}

/** SLURM's state names (squeue, scontrol, sacct) mapped onto the states Lumen acts on. */
export function mapState(raw: string): TaskState {
  const s = raw.trim().split(/\s+/)[0].replace(/\+$/, '').toUpperCase();
  switch (s) {
    case 'PENDING': case 'PD': case 'CONFIGURING': case 'CF': case 'REQUEUED': case 'REQUEUE_FED': case 'REQUEUE_HOLD':
    case 'RESV_DEL_HOLD': case 'RESIZING':
      return 'PENDING';
    case 'RUNNING': case 'R': case 'COMPLETING': case 'CG': case 'SUSPENDED': case 'S': case 'STOPPED': case 'ST':
    case 'SIGNALING': case 'STAGE_OUT':
      return 'RUNNING';
    case 'COMPLETED': case 'CD':
      return 'COMPLETED';
    case 'CANCELLED': case 'CA': case 'REVOKED': case 'RV':
      return 'CANCELLED';
    case 'TIMEOUT': case 'TO': case 'DEADLINE': case 'DL':
      return 'TIMEOUT';
    case 'OUT_OF_MEMORY': case 'OOM':
      return 'OUT_OF_MEMORY';
    case 'NODE_FAIL': case 'NF': case 'BOOT_FAIL': case 'BF':
      return 'NODE_FAIL';
    case 'PREEMPTED': case 'PR':
      return 'PREEMPTED';
    default: // FAILED, SPECIAL_EXIT, anything new
      return 'FAILED';
  }
}

/** "3", "1-4", "1-7:2", "2,5-6", possibly with a "%N" throttle, as numbers. */
export function expandTaskIds(spec: string): number[] {
  const ids: number[] = [];
  for (const part of spec.replace(/^\[|\]$/g, '').replace(/%\d+$/, '').split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]), b = m[2] ? Number(m[2]) : a, step = m[3] ? Number(m[3]) : 1;
    for (let i = a; i <= b; i += step) ids.push(i);
  }
  return ids;
}

const noSuchJob = (r: Result) => /invalid job id|not found/i.test(r.stderr);

/** squeue: the array's pending and running tasks. */
async function fromSqueue(jobId: string, env?: NodeJS.ProcessEnv): Promise<Map<number, TaskState>> {
  const out = new Map<number, TaskState>();
  const r = await slurmCommand('squeue', ['-h', '-r', '-j', jobId, '-o', '%K %T'], env);
  if (r.missing) throw missingError('squeue');
  if (r.code !== 0) {
    if (noSuchJob(r)) return out;
    throw new LumenError('scheduler', `squeue -j ${jobId} failed: ${oneLine(r.stderr || r.stdout)}`);
  }
  for (const line of r.stdout.split('\n')) {
    const [task, state] = line.trim().split(/\s+/);
    if (!task || !state) continue;
    for (const id of expandTaskIds(task)) out.set(id, mapState(state));
  }
  return out;
}

/** scontrol: every task slurmctld still holds, finished ones included (for MinJobAge seconds). */
async function fromScontrol(jobId: string, env?: NodeJS.ProcessEnv): Promise<Map<number, TaskState>> {
  const out = new Map<number, TaskState>();
  const r = await slurmCommand('scontrol', ['-o', 'show', 'job', jobId], env);
  if (r.missing) throw missingError('scontrol');
  if (r.code !== 0) {
    if (noSuchJob(r)) return out;
    throw new LumenError('scheduler', `scontrol show job ${jobId} failed: ${oneLine(r.stderr || r.stdout)}`);
  }
  for (const line of r.stdout.split('\n')) {
    const task = /(?:^|\s)ArrayTaskId=(\S+)/.exec(line);
    const state = /(?:^|\s)JobState=(\S+)/.exec(line);
    const array = /(?:^|\s)ArrayJobId=(\d+)/.exec(line);
    if (!task || !state || (array && array[1] !== jobId)) continue;
    for (const id of expandTaskIds(task[1])) out.set(id, mapState(state[1]));
  }
  return out;
}

const sacctWorks = new WeakMap<object, boolean>();
let sacctWorksDefault: boolean | undefined;

/** sacct: the accounting record, where the site keeps one (tasks long gone from slurmctld too). */
async function fromSacct(jobId: string, env?: NodeJS.ProcessEnv): Promise<Map<number, TaskState> | null> {
  const known = env ? sacctWorks.get(env) : sacctWorksDefault;
  if (known === false) return null;
  const r = await slurmCommand('sacct', ['-n', '-X', '-P', '-j', jobId, '-o', 'JobID,State'], env);
  const works = r.code === 0 && !r.missing;
  if (env) sacctWorks.set(env, works); else sacctWorksDefault = works;
  if (!works) return null;
  const out = new Map<number, TaskState>();
  for (const line of r.stdout.split('\n')) {
    const [id, state] = line.trim().split('|');
    const m = id ? new RegExp(`^${jobId}_(\\S+)$`).exec(id) : null;
    if (!m || !state) continue;
    for (const t of expandTaskIds(m[1])) out.set(t, mapState(state));
  }
  return out;
}

/** The state of each task of a job array that the scheduler still knows about. Tasks it has
 *  forgotten (no accounting, finished longer ago than MinJobAge) are absent from the map. */
export async function arrayTaskStates(jobId: string, env?: NodeJS.ProcessEnv): Promise<Map<number, TaskState>> {
  if (!/^\d+$/.test(jobId)) throw new LumenError('bad-input', `Not a SLURM job id: ${jobId}`);
  const active = await fromSqueue(jobId, env);
  const held = await fromScontrol(jobId, env);
  const states = new Map<number, TaskState>();
  const accounted = await fromSacct(jobId, env);
  if (accounted) for (const [k, v] of accounted) states.set(k, v);
  for (const [k, v] of held) states.set(k, v);
  // squeue's view of a running or pending task is the freshest
  for (const [k, v] of active) states.set(k, v);
  return states;
}

/** The state of a plain (non-array) job and SLURM's reason for it (e.g. "DependencyNeverSatisfied"),
 *  or null once the scheduler has forgotten it. */
export async function jobStatus(jobId: string, env?: NodeJS.ProcessEnv): Promise<{ state: TaskState; reason: string } | null> {
  const r = await slurmCommand('scontrol', ['-o', 'show', 'job', jobId], env);
  if (r.missing) throw missingError('scontrol');
  if (r.code === 0) {
    const m = /(?:^|\s)JobState=(\S+)/.exec(r.stdout);
    const reason = /(?:^|\s)Reason=(\S+)/.exec(r.stdout);
    if (m) return { state: mapState(m[1]), reason: reason?.[1] ?? '' };
  } else if (!noSuchJob(r)) {
    throw new LumenError('scheduler', `scontrol show job ${jobId} failed: ${oneLine(r.stderr || r.stdout)}`);
  }
  const accounted = await slurmCommand('sacct', ['-n', '-X', '-P', '-j', jobId, '-o', 'State'], env);
  if (accounted.code === 0 && accounted.stdout.trim()) return { state: mapState(accounted.stdout.trim().split('\n')[0]), reason: '' };
  return null;
}
