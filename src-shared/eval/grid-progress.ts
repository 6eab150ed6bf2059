// How far a learning-curve grid has got, in words for its page: a grid run in parts has a page
// after every run, and a reader must see what the means rest on and what is still missing.
import { cellKey, type CurveCell, type PlannedCell } from './learning-curve.ts';

export interface GridProgress {
  planned: number;
  finished: number;
  /** keys (cellKey) of the planned runs not finished, in the order they run */
  missing: string[];
  /** one sentence: planned vs finished, and the missing runs grouped by N and strategy */
  sentence: string;
}

const MAX_GROUPS_LISTED = 12;

export function gridProgress(planned: PlannedCell[], finished: ReadonlySet<string>): GridProgress {
  const missingCells = planned.filter((c) => !finished.has(cellKey(c)));
  const splits = new Set(planned.map((c) => c.split)).size, ns = new Set(planned.map((c) => c.n)).size;
  const strategies = new Set(planned.map((c) => c.strategy)).size;
  const shape = `${splits} split${splits === 1 ? '' : 's'} × ${ns} N × ${strategies} strateg${strategies === 1 ? 'y' : 'ies'}`;
  const done = planned.length - missingCells.length;
  if (missingCells.length === 0) {
    return { planned: planned.length, finished: done, missing: [], sentence: `All ${planned.length} planned runs (${shape}) are finished.` };
  }
  // group by N and strategy: "N=10 dwp (splits 1, 2)" reads better than 2 keys
  const groups = new Map<string, number[]>();
  for (const c of missingCells) {
    const g = `N=${c.n} ${c.strategy}`;
    groups.set(g, [...(groups.get(g) ?? []), c.split]);
  }
  const listed = [...groups].slice(0, MAX_GROUPS_LISTED).map(([g, s]) =>
    `${g} (${s.length === splits && splits > 1 ? `all ${splits} splits` : `split${s.length > 1 ? 's' : ''} ${s.join(', ')}`})`);
  const more = groups.size - listed.length;
  return {
    planned: planned.length, finished: done, missing: missingCells.map(cellKey),
    sentence: `${done} of ${planned.length} planned runs (${shape}) are finished; the means below rest on those alone. `
      + `Missing: ${listed.join('; ')}${more > 0 ? `; and ${more} more` : ''}.`,
  };
}

/** The runs that reached the time cap, in words ('' when none did). */
export function cappedSentence(cells: CurveCell[], maxSecondsPerRun: number | undefined): string {
  if (maxSecondsPerRun === undefined) return 'No time cap per run.';
  const capped = cells.filter((c) => c.capped);
  const head = `Time cap per run: ${maxSecondsPerRun} s of training`;
  if (capped.length === 0) return `${head}; no run reached it.`;
  const which = capped.map((c) => `${cellKey(c)}${c.steps !== undefined && c.stepsPlanned !== undefined ? ` (${c.steps} of ${c.stepsPlanned} steps)` : ''}`);
  return `${head}; ${capped.length} of ${cells.length} runs reached it and kept their best weights so far: ${which.join(', ')}.`;
}
