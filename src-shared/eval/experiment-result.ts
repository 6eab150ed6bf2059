// The results file `lumen experiment` writes ({ config, cells, summary }), read back for the app's
// Results panel. The summary is recomputed from the cells rather than trusted, so a hand-edited
// file cannot show means its own runs do not support.
import { LumenError } from '../errors.ts';
import { summarize, type CurveCell, type CurveSummaryRow } from './learning-curve.ts';

export interface ExperimentResult {
  name: string;
  /** a paragraph on the set-up, where the config had one */
  notes: string | null;
  cells: CurveCell[];
  summary: CurveSummaryRow[];
}

const MAX_CELLS = 10_000; // a learning curve of more runs than this is not one a panel can show

function isCell(c: unknown): c is CurveCell {
  const x = c as Record<string, unknown>;
  const finite = (k: string) => typeof x[k] === 'number' && Number.isFinite(x[k]);
  return typeof c === 'object' && c !== null && typeof x.strategy === 'string' && x.strategy.length > 0 && x.strategy.length <= 100
    && Number.isInteger(x.split) && Number.isInteger(x.n) && (x.n as number) >= 0 && finite('seconds')
    && finite('dice') && (x.dice as number) >= 0 && (x.dice as number) <= 1 && finite('iou') && (x.iou as number) >= 0 && (x.iou as number) <= 1;
}

/** Parses and checks a results file's text; `fileName` only names it in errors. */
export function parseExperimentResult(text: string, fileName: string): ExperimentResult {
  const bad = (why: string) => new LumenError('bad-input', `${fileName} is not a Lumen experiment result: ${why}`);
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { throw bad(`not JSON (${(e as Error).message})`); }
  const o = json as { config?: { name?: unknown; notes?: unknown }; cells?: unknown };
  if (typeof o !== 'object' || o === null || !Array.isArray(o.cells)) throw bad('it has no "cells" list (a config file? run it with `lumen experiment` first)');
  if (o.cells.length === 0) throw bad('it has no runs');
  if (o.cells.length > MAX_CELLS) throw bad(`${o.cells.length} runs is more than ${MAX_CELLS}`);
  const wrong = o.cells.findIndex((c) => !isCell(c));
  if (wrong >= 0) throw bad(`run ${wrong + 1} lacks a strategy, N, split, or a Dice/IoU in [0, 1]`);
  const cells = (o.cells as CurveCell[]).map(({ split, n, strategy, dice, iou, seconds }) => ({ split, n, strategy, dice, iou, seconds }));
  const name = typeof o.config?.name === 'string' && o.config.name.trim() ? o.config.name.trim().slice(0, 200) : fileName.replace(/\.json$/i, '');
  const notes = typeof o.config?.notes === 'string' ? o.config.notes.slice(0, 5000) : null;
  return { name, notes, cells, summary: summarize(cells) };
}
