// Follows a job array to its end: polls the scheduler, reports progress, resubmits tasks that
// failed for a reason worth retrying (FAILED, TIMEOUT, NODE_FAIL, OUT_OF_MEMORY, PREEMPTED) up to
// maxRetries each, and never resubmits a CANCELLED task: scancel is the user's decision.
// An optional finishing job waits on the array (afterok); its dependency follows the resubmits.

import { arrayTaskStates, cancel, jobStatus, setDependency, FINISHED_STATES, type TaskState } from './slurm-client.ts';

export const RETRIED_STATES: ReadonlySet<TaskState> = new Set(['FAILED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'PREEMPTED']);

export interface FollowOptions {
  /** number of array tasks, ids 1..tasks. */
  tasks: number;
  /** submits an array of exactly these task ids; returns its job id. */
  submitTasks(taskIds: number[]): Promise<string>;
  /** resubmissions per task (default 2). */
  maxRetries?: number;
  /** poll interval (default 5000 ms). */
  pollMs?: number;
  /** environment of the SLURM commands (SLURM_CONF and the like). */
  env?: NodeJS.ProcessEnv;
  /** progress as the tasks report it (e.g. marker files); reported when it changes. */
  progress?: () => { done: number; total: number; detail?: string };
  /** whether a task's work is done (e.g. its marker exists): used for tasks the scheduler has
   *  forgotten (no accounting, finished longer ago than MinJobAge). */
  taskDone?: (task: number) => boolean;
  /** one readable line per event: submissions, state changes, resubmits, progress. */
  onEvent?: (line: string) => void;
  /** the finishing job: submitted right after the array with the given dependency. */
  final?: { submit(dependency: string): Promise<string> };
  /** polls a task may be missing from the scheduler's view before it counts as ended (default 3). */
  missingPolls?: number;
}

export interface FollowSummary {
  /** the array's job id, then one per resubmission. */
  jobIds: string[];
  completed: number[];
  /** ended in a retried state with no retries left. */
  failed: number[];
  cancelled: number[];
  /** task id → times resubmitted. */
  resubmitted: Record<number, number>;
  /** each task's last state. */
  states: Record<number, TaskState>;
  final?: { jobId: string; state: TaskState | 'UNKNOWN' };
  seconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function followArrayJob(options: FollowOptions): Promise<FollowSummary> {
  const start = performance.now();
  const maxRetries = options.maxRetries ?? 2;
  const pollMs = options.pollMs ?? 5000;
  const missingPolls = options.missingPolls ?? 3;
  const say = options.onEvent ?? (() => {});
  const all = Array.from({ length: options.tasks }, (_, i) => i + 1);

  const jobIds: string[] = [];
  const jobOf = new Map<number, string>();          // task → the job running its latest attempt
  const state = new Map<number, TaskState>();       // task → last state seen
  const ended = new Map<number, TaskState>();       // task → final state (not to be resubmitted)
  const resubmitted: Record<number, number> = {};
  const missing = new Map<number, number>();
  const tainted = new Set<string>();                // jobs with a task that ended other than COMPLETED

  const submit = async (ids: number[]) => {
    const jobId = await options.submitTasks(ids);
    jobIds.push(jobId);
    for (const t of ids) { jobOf.set(t, jobId); state.set(t, 'PENDING'); missing.delete(t); }
    return jobId;
  };

  const first = await submit(all);
  say(`submitted job array ${first} (${options.tasks} task${options.tasks === 1 ? '' : 's'})`);
  let finalJob: string | undefined;
  if (options.final) {
    finalJob = await options.final.submit(`afterok:${first}`);
    say(`submitted finishing job ${finalJob} (runs after job ${first} succeeds)`);
  }

  /** afterok on what is still outstanding: whole jobs where nothing failed, single tasks elsewhere */
  const outstandingDependency = () => {
    const parts: string[] = [];
    const byJob = new Map<string, number[]>();
    for (const t of all) if (!ended.has(t)) byJob.set(jobOf.get(t)!, [...(byJob.get(jobOf.get(t)!) ?? []), t]);
    for (const [job, ids] of byJob) {
      if (tainted.has(job)) parts.push(...ids.map((t) => `${job}_${t}`));
      else parts.push(job);
    }
    return parts.length ? `afterok:${parts.join(':')}` : '';
  };

  let lastProgress = '';
  const reportProgress = () => {
    if (!options.progress) return;
    const p = options.progress();
    const line = `blocks ${p.done}/${p.total} done${p.detail ? ` · ${p.detail}` : ''}`;
    if (line !== lastProgress) { lastProgress = line; say(line); }
  };

  while (ended.size < options.tasks) {
    await sleep(pollMs);
    const open = [...new Set(all.filter((t) => !ended.has(t)).map((t) => jobOf.get(t)!))];
    const retry: number[] = [];
    for (const job of open) {
      const states = await arrayTaskStates(job, options.env);
      for (const t of all) {
        if (ended.has(t) || jobOf.get(t) !== job) continue;
        let s = states.get(t);
        if (s === undefined) {
          const n = (missing.get(t) ?? 0) + 1;
          missing.set(t, n);
          if (n < missingPolls) continue;
          s = options.taskDone?.(t) ? 'COMPLETED' : 'FAILED';
          say(`task ${t}: job ${job} is no longer known to the scheduler; ${s === 'COMPLETED' ? 'its marker says it finished' : 'no marker, counted as failed'}`);
        } else {
          missing.delete(t);
        }
        if (s !== state.get(t)) {
          state.set(t, s);
          if (s !== 'PENDING') say(`task ${t}: ${s} (job ${job}_${t})`);
        }
        if (!FINISHED_STATES.has(s)) continue;
        if (s === 'COMPLETED') { ended.set(t, s); continue; }
        tainted.add(job);
        if (s === 'CANCELLED') { ended.set(t, s); say(`task ${t} was cancelled: not resubmitted`); continue; }
        if (RETRIED_STATES.has(s) && (resubmitted[t] ?? 0) < maxRetries) retry.push(t);
        else { ended.set(t, s); say(`task ${t} ${s} ${resubmitted[t] ? `after ${resubmitted[t]} resubmission${resubmitted[t] === 1 ? '' : 's'}` : ''}: giving up on it`.replace(/\s+:/, ':')); }
      }
    }
    if (retry.length) {
      for (const t of retry) resubmitted[t] = (resubmitted[t] ?? 0) + 1;
      const job = await submit(retry);
      say(`resubmitted task${retry.length === 1 ? '' : 's'} ${retry.join(', ')} as job ${job}`);
      if (finalJob) {
        const dep = outstandingDependency();
        if (dep) await setDependency(finalJob, dep, { env: options.env });
      }
    }
    reportProgress();
  }

  const completed = all.filter((t) => ended.get(t) === 'COMPLETED');
  const cancelled = all.filter((t) => ended.get(t) === 'CANCELLED');
  const failed = all.filter((t) => ended.has(t) && ended.get(t) !== 'COMPLETED' && ended.get(t) !== 'CANCELLED');
  let final: FollowSummary['final'];
  if (finalJob) {
    if (completed.length < options.tasks) {
      await cancel(finalJob, { env: options.env }).catch(() => {});
      say(`finishing job ${finalJob} cancelled: ${options.tasks - completed.length} task(s) did not complete`);
      final = { jobId: finalJob, state: 'CANCELLED' };
    } else {
      say(`all ${options.tasks} tasks completed; waiting for finishing job ${finalJob}`);
      let st: { state: TaskState; reason: string } | null = null;
      let gone = 0;
      for (;;) {
        st = await jobStatus(finalJob, options.env);
        if (st === null ? ++gone >= missingPolls : FINISHED_STATES.has(st.state)) break;
        if (st?.reason === 'DependencyNeverSatisfied') {
          // cannot happen when the dependency follows the resubmits; never wait forever on it
          await cancel(finalJob, { env: options.env }).catch(() => {});
          say(`finishing job ${finalJob} cancelled: SLURM says its dependency can never be satisfied`);
          st = { state: 'CANCELLED', reason: st.reason };
          break;
        }
        await sleep(pollMs);
      }
      final = { jobId: finalJob, state: st?.state ?? 'UNKNOWN' };
      say(`finishing job ${finalJob}: ${final.state}`);
    }
  }
  const states: Record<number, TaskState> = {};
  for (const t of all) states[t] = ended.get(t) ?? state.get(t) ?? 'PENDING';
  const seconds = (performance.now() - start) / 1000;
  const summary: FollowSummary = { jobIds, completed, failed, cancelled, resubmitted, states, seconds };
  if (final) summary.final = final;
  say(summarize(summary));
  return summary;
}

/** The closing line: counts, resubmissions, what did not complete. */
export function summarize(s: FollowSummary): string {
  const total = s.completed.length + s.failed.length + s.cancelled.length;
  const parts = [`${s.completed.length}/${total} tasks completed in ${Math.round(s.seconds)}s`];
  const re = Object.entries(s.resubmitted);
  if (re.length) parts.push(`${re.length} resubmitted (${re.map(([t, n]) => `task ${t} ×${n}`).join(', ')})`);
  if (s.failed.length) parts.push(`failed: ${s.failed.map((t) => `task ${t} ${s.states[t]}`).join(', ')}`);
  if (s.cancelled.length) parts.push(`cancelled by the user (not resubmitted): task${s.cancelled.length === 1 ? '' : 's'} ${s.cancelled.join(', ')}`);
  if (s.final) parts.push(`finishing job ${s.final.jobId} ${s.final.state}`);
  return parts.join('; ');
}
