// The page of a learning-curve experiment, rebuilt from its finished runs after every run: OUT.json
// (the runs and their summary, which the app imports), OUT.md (the papers' tables, what they rest
// on, the budget and the time cap) and OUT.svg (the chart). A grid run in parts thus always has a
// current page that says how many of its planned runs it shows.
import { writeFileSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { cellKey, summarize, toMarkdown, toSvg, type CurveCell, type CurveSummaryRow, type PlannedCell } from '../../src-shared/eval/learning-curve.ts';
import { cappedSentence, gridProgress } from '../../src-shared/eval/grid-progress.ts';
import { describeBudget } from '../../src-shared/eval/training-budget.ts';
import { formatSeconds } from '../progress.ts';
import type { ExperimentConfig } from './experiment-config.ts';
import { findingsSection } from './findings.ts';

export interface ReportInput {
  /** the results' path without extension */
  out: string;
  cfg: ExperimentConfig;
  configPath: string;
  planned: PlannedCell[];
  /** the finished runs of the plan, in plan order */
  cells: CurveCell[];
  maxSecondsPerRun: number | undefined;
  /** what the scores are over, e.g. "10 held-out images inside the FOV" */
  scoredOn: string;
  /** false: the runs come from an OUT.json written before runs were journaled */
  journaled?: boolean;
}

/** Writes OUT.md and OUT.svg, and OUT.json from a journal (without one, OUT.json is the source itself). */
export function writeResults(r: ReportInput): CurveSummaryRow[] {
  const rows = summarize(r.cells);
  const progress = gridProgress(r.planned, new Set(r.cells.map(cellKey)));
  mkdirSync(dirname(r.out), { recursive: true });
  if (r.journaled !== false) {
    writeFileSync(`${r.out}.json`, JSON.stringify({
      config: r.cfg, progress: { planned: progress.planned, finished: progress.finished, missing: progress.missing }, cells: r.cells, summary: rows,
    }, null, 2));
  }
  writeFileSync(`${r.out}.md`, markdown(r, rows, progress.sentence));
  writeFileSync(`${r.out}.svg`, toSvg(rows, r.cfg.name, r.cfg.dataset.kind === 'vesselnn' ? 'labeled z-slices (N)' : undefined));
  return rows;
}

function markdown(r: ReportInput, rows: CurveSummaryRow[], progressSentence: string): string {
  const { cfg, cells, out } = r;
  const splits = cfg.splits ?? 3;
  const seconds = [...new Set(cells.map((c) => c.strategy))].map((s) => {
    const mine = cells.filter((c) => c.strategy === s);
    return `${s} ${formatSeconds(mine.reduce((a, c) => a + c.seconds, 0) / mine.length)}`;
  });
  return [`# ${cfg.name}`, '', ...(cfg.notes ? [cfg.notes, ''] : []),
    `Runs: ${progressSentence}`, '',
    `Training budget: ${describeBudget(cfg.budget ?? 'fixed', cfg.effort ?? 1, cfg.n)}. ${cappedSentence(cells, r.maxSecondsPerRun)}`, '',
    ...copiedSentence(cells),
    toMarkdown(rows, `Dice (F1) on ${r.scoredOn}, mean (sd) over ${splits} splits`, 'dice', splits),
    toMarkdown(rows, `IoU, mean (sd) over ${splits} splits`, 'iou', splits),
    `Mean time per run (training + scoring, 2 threads): ${seconds.join(', ')}.`, '', ...findingsSection(out), `![${cfg.name}](${basename(out)}.svg)`, '',
    regenerate(r), ''].join('\n');
}

/** Which runs were copied from another experiment's journal (the same run, made there), if any. */
function copiedSentence(cells: CurveCell[]): string[] {
  const bySource = new Map<string, string[]>();
  for (const c of cells) if (c.copiedFrom) bySource.set(c.copiedFrom, [...(bySource.get(c.copiedFrom) ?? []), cellKey(c)]);
  if (!bySource.size) return [];
  const parts = [...bySource].map(([source, keys]) => `${keys.length} from \`${source}\` (${keys.join(', ')})`);
  return [`Runs made once for two pages (the same strategy, settings, split and training units): ${parts.join('; ')}.`, ''];
}

function regenerate(r: ReportInput): string {
  const journal = `\`${basename(r.out)}.runs.jsonl\``;
  const parts = '`--only n=1,2` (or `strategy=…`, `split=…`) runs a part of the grid, `--report-only` rebuilds this page';
  if (r.journaled === false) {
    return `Regenerate: \`node bin/lumen.mjs experiment ${r.configPath} --restart\` (these runs predate the journal ${journal}, so a rerun starts the grid anew and `
      + `appends each run to it as it finishes; ${parts} from \`${basename(r.out)}.json\`).`;
  }
  return `Regenerate: \`node bin/lumen.mjs experiment ${r.configPath}\`. Each finished run is appended to ${journal} at once and a rerun `
    + `continues where it stopped; ${parts}.`;
}
