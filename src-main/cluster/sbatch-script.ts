// sbatch scripts for a job array (one array task per block set) and for the finishing job that
// runs after it. Generic over what a task runs: the caller gives the argv; every argument is
// shell-quoted, and the array task id enters only where the caller puts TASK_ID.

import { LumenError } from '../../src-shared/errors.ts';

/** Stands for the array task id ($SLURM_ARRAY_TASK_ID) inside an argument. */
export const TASK_ID: unique symbol = Symbol('SLURM_ARRAY_TASK_ID');
/** One argument: a plain string, or pieces joined together, e.g. [TASK_ID, '/8'] for "3/8". */
export type ScriptArg = string | ReadonlyArray<string | typeof TASK_ID>;

export interface ResourceSpec {
  partition?: string;
  /** SLURM time limit, e.g. "2:00:00" or "30" (minutes). */
  time?: string;
  /** memory per node, e.g. "16G". */
  mem?: string;
  /** e.g. 1 or "a100:1". */
  gpus?: number | string;
  cpusPerTask?: number;
}

export interface ArrayScriptSpec extends ResourceSpec {
  jobName: string;
  /** number of array tasks; ids run 1..tasks. */
  tasks: number;
  /** only these ids (a resubmission); default all of 1..tasks. */
  taskIds?: readonly number[];
  /** at most this many tasks at once (`%P`). */
  maxParallel?: number;
  /** each task writes its stdout and stderr to LOGDIR/JOBNAME-%A_%a.out. */
  logDir: string;
  /** working directory of the tasks (default: sbatch's, the submitting directory). */
  workDir?: string;
  /** extra environment for the task's command. */
  env?: Record<string, string>;
  /** the command each task runs; use TASK_ID for the task's id. */
  command: readonly ScriptArg[];
  /** when set, the script runs the command as a child, samples its peak memory (VmHWM, every
   *  half second) and, when it exits 0, writes MARKERDIR/task-K.done (markers.ts's format). */
  markerDir?: string;
}

export interface FinalScriptSpec extends ResourceSpec {
  jobName: string;
  logDir: string;
  workDir?: string;
  env?: Record<string, string>;
  command: readonly string[];
}

/** POSIX shell quoting: safe for any string (spaces, quotes, $, newlines). */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function renderArg(arg: ScriptArg): string {
  if (typeof arg === 'string') return shellQuote(arg);
  if (arg.length === 0) return "''";
  return arg.map((p) => (p === TASK_ID ? '"${SLURM_ARRAY_TASK_ID}"' : shellQuote(p))).join('');
}

/** "1-3,5,7-8" from task ids (sorted, deduplicated). */
export function formatTaskRanges(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** A value on an #SBATCH line: sbatch reads these lines itself (no shell), so it must be one line;
 *  with spaces it is double-quoted, which sbatch understands, so double quotes cannot appear. */
function directiveValue(name: string, value: string): string {
  if (/[\n\r\0]/.test(value)) throw new LumenError('bad-input', `The ${name} for the SLURM script cannot contain a line break: ${JSON.stringify(value)}.`);
  if (/\s/.test(value)) {
    if (value.includes('"')) throw new LumenError('bad-input', `The ${name} for the SLURM script cannot contain both spaces and double quotes: ${value}.`);
    return `"${value}"`;
  }
  return value;
}

function jobNameOf(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return clean === '' ? 'lumen' : clean;
}

function resourceLines(r: ResourceSpec): string[] {
  const lines: string[] = [];
  if (r.partition) lines.push(`#SBATCH --partition=${directiveValue('partition', r.partition)}`);
  if (r.time) lines.push(`#SBATCH --time=${directiveValue('time limit', r.time)}`);
  if (r.mem) lines.push(`#SBATCH --mem=${directiveValue('memory', r.mem)}`);
  if (r.gpus !== undefined && r.gpus !== '' && r.gpus !== 0) lines.push(`#SBATCH --gpus=${directiveValue('gpus', String(r.gpus))}`);
  if (r.cpusPerTask !== undefined) {
    if (!Number.isInteger(r.cpusPerTask) || r.cpusPerTask < 1) throw new LumenError('bad-input', `cpus per task must be a positive whole number, not ${r.cpusPerTask}.`);
    lines.push(`#SBATCH --cpus-per-task=${r.cpusPerTask}`);
  }
  return lines;
}

function bodyLines(workDir: string | undefined, env: Record<string, string> | undefined): string[] {
  const lines = ['set -eu'];
  if (workDir !== undefined) lines.push(`cd ${shellQuote(workDir)}`);
  for (const [k, v] of Object.entries(env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new LumenError('bad-input', `Not an environment variable name: ${JSON.stringify(k)}.`);
    lines.push(`export ${k}=${shellQuote(v)}`);
  }
  return lines;
}

export function renderArrayScript(spec: ArrayScriptSpec): string {
  if (!Number.isInteger(spec.tasks) || spec.tasks < 1) throw new LumenError('bad-input', `The number of tasks must be a positive whole number, not ${spec.tasks}.`);
  const ids = spec.taskIds ?? Array.from({ length: spec.tasks }, (_, i) => i + 1);
  if (ids.length === 0) throw new LumenError('bad-input', 'A job array needs at least one task id.');
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 1 || id > spec.tasks) throw new LumenError('bad-input', `Task id ${id} is outside 1..${spec.tasks}.`);
  }
  if (spec.command.length === 0) throw new LumenError('bad-input', 'The job array needs a command to run.');
  const name = jobNameOf(spec.jobName);
  let array = formatTaskRanges(ids);
  if (spec.maxParallel !== undefined) array += `%${spec.maxParallel}`;
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}`,
    `#SBATCH --array=${array}`,
    `#SBATCH --output=${directiveValue('log folder', `${spec.logDir.replace(/\/+$/, '')}/${name}-%A_%a.out`)}`,
    ...resourceLines(spec),
    `# written by lumen: task K of ${spec.tasks} runs the command below with K = $SLURM_ARRAY_TASK_ID`,
    ...bodyLines(spec.workDir, spec.env),
    ...(spec.markerDir === undefined ? [`exec ${spec.command.map(renderArg).join(' ')}`] : markerLines(spec.markerDir, spec.command.map(renderArg).join(' '))),
    '',
  ].join('\n');
}

/** Runs the command as a child so the script can record its peak memory and write the marker. */
function markerLines(markerDir: string, command: string): string[] {
  return [
    `marker_dir=${shellQuote(markerDir)}`,
    'started=$SECONDS',
    `${command} &`,
    'pid=$!',
    `trap 'kill -TERM "$pid" 2>/dev/null' TERM INT`,
    'peak_kib=0',
    'while kill -0 "$pid" 2>/dev/null; do',
    '  hwm=$(sed -n \'s/^VmHWM:[[:space:]]*\\([0-9]*\\) kB$/\\1/p\' "/proc/$pid/status" 2>/dev/null || true)',
    '  if [ -n "$hwm" ]; then peak_kib=$hwm; fi',
    '  sleep 0.5',
    'done',
    'status=0',
    'wait "$pid" || status=$?',
    'if [ "$status" -ne 0 ]; then exit "$status"; fi',
    'mkdir -p "$marker_dir"',
    'marker="$marker_dir/task-${SLURM_ARRAY_TASK_ID}.done"',
    'printf \'{"task":%d,"peakRssBytes":%d,"seconds":%d,"host":"%s"}\\n\' "$SLURM_ARRAY_TASK_ID" "$((peak_kib * 1024))" "$((SECONDS - started))" "\${HOSTNAME%%.*}" > "$marker.tmp"',
    'mv -f "$marker.tmp" "$marker"',
  ];
}

export function renderFinalScript(spec: FinalScriptSpec): string {
  if (spec.command.length === 0) throw new LumenError('bad-input', 'The finishing job needs a command to run.');
  const name = jobNameOf(spec.jobName);
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}`,
    `#SBATCH --output=${directiveValue('log folder', `${spec.logDir.replace(/\/+$/, '')}/${name}-%j.out`)}`,
    ...resourceLines(spec),
    '# written by lumen: runs once the job array has succeeded (sbatch --dependency=afterok:ARRAY)',
    ...bodyLines(spec.workDir, spec.env),
    `exec ${spec.command.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}
