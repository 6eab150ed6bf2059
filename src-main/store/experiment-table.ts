// Learning-curve results imported into a project (the files `lumen experiment` writes), kept as
// the checked JSON so the Results panel can redraw their table and chart after reopening.

import { LumenError } from '../../src-shared/errors.ts';
import { now, type Sql } from './sql.ts';

export interface AddExperimentOptions {
  name: string;
  /** the file it came from, for the user's reference */
  source: string;
  /** the parsed, checked result (ExperimentResult) */
  result: unknown;
}

export interface ExperimentInfo { id: number; name: string; source: string; result: unknown; importedAt: string }

interface ExperimentRow { id: number; name: string; source: string; result: string; imported_at: string }

export function insertExperiment(sql: Sql, o: AddExperimentOptions): number {
  const res = sql.run('INSERT INTO experiments (name, source, result, imported_at) VALUES (?, ?, ?, ?)', o.name, o.source, JSON.stringify(o.result), now());
  return Number(res.lastInsertRowid);
}

const toInfo = (r: ExperimentRow): ExperimentInfo => ({ id: r.id, name: r.name, source: r.source, result: JSON.parse(r.result), importedAt: r.imported_at });

export function listExperimentInfos(sql: Sql): ExperimentInfo[] {
  return sql.all<ExperimentRow>('SELECT * FROM experiments ORDER BY id').map(toInfo);
}

export function getExperimentInfo(sql: Sql, id: number): ExperimentInfo {
  const r = sql.get<ExperimentRow>('SELECT * FROM experiments WHERE id = ?', id);
  if (!r) throw new LumenError('bad-input', `the project has no experiment ${id}`);
  return toInfo(r);
}
