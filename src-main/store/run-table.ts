// Training runs: the config they started with, one row per optimisation step (so the loss
// curve can be redrawn after reopening, and a crash mid-training keeps every step that was
// committed), and final metrics.

import { LumenError } from '../../src-shared/errors.ts';
import { assertModel } from './model-table.ts';
import { now, parseJson, type Sql } from './sql.ts';

export type RunStatus = 'running' | 'finished' | 'failed' | 'cancelled';

export interface RunStep {
  step: number;
  loss: number;
  /** anything else worth plotting (learning rate, dice on a validation slice...) */
  extra?: Record<string, unknown>;
}

export interface RunInfo {
  id: number;
  modelId: number | null;
  config: unknown;
  status: RunStatus;
  metrics: unknown;
  startedAt: string;
  finishedAt: string | null;
  stepCount: number;
}

interface RunRow { id: number; model_id: number | null; config: string; status: RunStatus; metrics: string | null; started_at: string; finished_at: string | null; step_count: number }

const SELECT_RUN = 'SELECT runs.*, (SELECT count(*) FROM run_steps WHERE run_id = runs.id) AS step_count FROM runs';

function toInfo(r: RunRow): RunInfo {
  return {
    id: r.id, modelId: r.model_id, config: JSON.parse(r.config), status: r.status,
    metrics: parseJson(r.metrics) ?? null, startedAt: r.started_at, finishedAt: r.finished_at, stepCount: r.step_count,
  };
}

export function insertRun(sql: Sql, o: { config: unknown; modelId?: number }): number {
  if (o.modelId !== undefined) assertModel(sql, o.modelId);
  const res = sql.run("INSERT INTO runs (model_id, config, status, started_at) VALUES (?, ?, 'running', ?)",
    o.modelId ?? null, JSON.stringify(o.config ?? null), now());
  return Number(res.lastInsertRowid);
}

function runRow(sql: Sql, id: number): RunRow {
  const r = sql.get<RunRow>(`${SELECT_RUN} WHERE id = ?`, id);
  if (!r) throw new LumenError('bad-input', `the project has no training run ${id}`);
  return r;
}

export function insertRunSteps(sql: Sql, runId: number, steps: readonly RunStep[]): void {
  const r = runRow(sql, runId);
  if (r.status !== 'running') throw new LumenError('bad-input', `training run ${runId} is ${r.status}; it takes no more steps`);
  for (const s of steps) {
    if (!Number.isInteger(s.step) || s.step < 0) throw new LumenError('bad-input', `step number ${s.step} must be an integer ≥ 0`);
    // REAL NOT NULL: SQLite stores NaN as NULL, so a diverged loss is kept as ±Infinity-free text in extra
    const finite = Number.isFinite(s.loss);
    const extra = finite ? s.extra : { ...s.extra, loss: String(s.loss) };
    sql.run('INSERT INTO run_steps (run_id, step, loss, extra) VALUES (?, ?, ?, ?)',
      runId, s.step, finite ? s.loss : 0, extra ? JSON.stringify(extra) : null);
  }
}

export function completeRun(sql: Sql, runId: number, o: { status: Exclude<RunStatus, 'running'>; metrics?: unknown; modelId?: number }): void {
  runRow(sql, runId);
  if (o.modelId !== undefined) assertModel(sql, o.modelId);
  sql.run('UPDATE runs SET status = ?, metrics = ?, finished_at = ?, model_id = coalesce(?, model_id) WHERE id = ?',
    o.status, o.metrics === undefined ? null : JSON.stringify(o.metrics), now(), o.modelId ?? null, runId);
}

export function getRunInfo(sql: Sql, id: number): RunInfo {
  return toInfo(runRow(sql, id));
}

export function listRunInfos(sql: Sql): RunInfo[] {
  return sql.all<RunRow>(`${SELECT_RUN} ORDER BY id`).map(toInfo);
}

export function readRunSteps(sql: Sql, runId: number): RunStep[] {
  runRow(sql, runId);
  return sql.all<{ step: number; loss: number; extra: string | null }>(
    'SELECT step, loss, extra FROM run_steps WHERE run_id = ? ORDER BY step', runId,
  ).map((s) => {
    const extra = parseJson<Record<string, unknown>>(s.extra);
    if (extra && typeof extra.loss === 'string') {
      const { loss, ...rest } = extra;
      const out: RunStep = { step: s.step, loss: Number(loss) };
      if (Object.keys(rest).length) out.extra = rest;
      return out;
    }
    return extra ? { step: s.step, loss: s.loss, extra } : { step: s.step, loss: s.loss };
  });
}
