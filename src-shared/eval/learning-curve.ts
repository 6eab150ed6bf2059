// Learning-curve experiments, as in the transfer-learning papers: for each random split, train
// every strategy on the first N labeled units of a shuffled pool and score a fixed held-out set,
// then report mean (sd) per N and strategy. Pure bookkeeping: how to train and score one cell is
// passed in, so the same runner serves DRIVE, VesselNN and the unit tests. A grid of many hours
// runs in parts: cells already finished are skipped, and `include` picks this session's share.
import { seededRandom } from '../nn/params.ts';
import { LumenError } from '../errors.ts';

export interface CurveCell {
  split: number;
  n: number;
  strategy: string;
  dice: number;
  iou: number;
  /** wall time of the whole run: training and scoring */
  seconds: number;
  /** training steps run, over all of the strategy's phases */
  steps?: number;
  /** the steps its budget allowed, over all phases (more than `steps` when it stopped early or at the cap) */
  stepsPlanned?: number;
  /** the held-out labels stopped improving before the budget was spent */
  stoppedEarly?: boolean;
  /** training ended at the time cap per run, keeping its best weights so far */
  capped?: boolean;
  /** the effort this run trained with (a budget rule may scale it with N) */
  effort?: number;
  /** the journal this run was copied from: the identical run of another experiment (experiment-journal.ts) */
  copiedFrom?: string;
}

export interface CurvePlan {
  units: string[];
  n: number[];
  strategies: string[];
  splits: number;
  /** units held out for testing in every split (taken from the end of each shuffle) */
  testSize: number;
  seed?: number;
}

export interface CurveSummaryRow { n: number; strategy: string; dice: { mean: number; sd: number }; iou: { mean: number; sd: number }; runs: number }

/** What one run reports: its scores, and what it knows of its training (steps, early stop, cap). */
export type CellOutcome = { dice: number; iou: number } & Pick<CurveCell, 'steps' | 'stepsPlanned' | 'stoppedEarly' | 'capped' | 'effort'>;

export type RunCell = (train: string[], test: string[], strategy: string, split: number) => Promise<CellOutcome>;

/** One run of the grid before it is run: which split, N and strategy, and its units. */
export interface PlannedCell { split: number; n: number; strategy: string; train: string[]; test: string[] }

/** The name of a cell in the grid: the key a journal of finished runs is matched on. */
export const cellKey = (c: { split: number; n: number; strategy: string }) => `split ${c.split} N=${c.n} ${c.strategy}`;

function shuffle<T>(xs: T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * One shuffle per split, from the seed alone: a split's units do not depend on the N list or on how
 * many splits there are, so adding an N, a strategy or a split leaves finished runs valid.
 */
export function planSplits(plan: CurvePlan): { train: string[]; test: string[] }[] {
  const maxN = Math.max(...plan.n);
  if (maxN + plan.testSize > plan.units.length) {
    throw new LumenError('bad-input', `${plan.units.length} units cannot hold ${maxN} for training and ${plan.testSize} for testing`);
  }
  const rand = seededRandom(plan.seed ?? 0);
  return Array.from({ length: plan.splits }, () => {
    const order = shuffle(plan.units, rand);
    return { train: order.slice(0, maxN), test: order.slice(order.length - plan.testSize) };
  });
}

/** Every cell of the grid, in the order they run: split by split, N by N, strategy by strategy. */
export function planCells(plan: CurvePlan): PlannedCell[] {
  return planSplits(plan).flatMap((split, s) => plan.n.flatMap((n) => plan.strategies.map((strategy) =>
    ({ split: s, n, strategy, train: split.train.slice(0, n), test: split.test }))));
}

export interface RunCurveOptions {
  /** keys (cellKey) of cells finished earlier: not run again, but counted as done */
  finished?: ReadonlySet<string>;
  /** the cells to run in this session (default all); the others are left for a later one */
  include?: (cell: PlannedCell) => boolean;
  /** after each run, before the next starts: where a journal records it, so a kill loses at most the running cell */
  onCell?: (cell: CurveCell, done: number, total: number) => void | Promise<void>;
}

/** Runs the cells of the plan not finished yet that `include` picks; returns the ones run now. */
export async function runLearningCurve(plan: CurvePlan, runCell: RunCell, options: RunCurveOptions = {}): Promise<CurveCell[]> {
  const planned = planCells(plan);
  const finished = options.finished ?? new Set<string>();
  let done = planned.filter((c) => finished.has(cellKey(c))).length;
  const cells: CurveCell[] = [];
  for (const p of planned) {
    if (finished.has(cellKey(p)) || (options.include && !options.include(p))) continue;
    const t0 = performance.now();
    const outcome = await runCell(p.train, p.test, p.strategy, p.split);
    const cell: CurveCell = { split: p.split, n: p.n, strategy: p.strategy, ...outcome, seconds: (performance.now() - t0) / 1000 };
    cells.push(cell);
    await options.onCell?.(cell, ++done, planned.length);
  }
  return cells;
}

const meanSd = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
};

export function summarize(cells: CurveCell[]): CurveSummaryRow[] {
  const rows: CurveSummaryRow[] = [];
  const ns = [...new Set(cells.map((c) => c.n))].sort((a, b) => a - b);
  const strategies = [...new Set(cells.map((c) => c.strategy))];
  for (const n of ns) for (const strategy of strategies) {
    const group = cells.filter((c) => c.n === n && c.strategy === strategy);
    if (group.length) rows.push({ n, strategy, dice: meanSd(group.map((c) => c.dice)), iou: meanSd(group.map((c) => c.iou)), runs: group.length });
  }
  return rows;
}

/**
 * The papers' table: one row per N, one column per strategy, "mean (sd)" Dice. With
 * `expectedRuns` (the splits), an entry resting on fewer runs says so: a grid run in parts.
 */
export function toMarkdown(rows: CurveSummaryRow[], title: string, metric: 'dice' | 'iou' = 'dice', expectedRuns?: number): string {
  const strategies = [...new Set(rows.map((r) => r.strategy))];
  const ns = [...new Set(rows.map((r) => r.n))];
  // one run has no spread: its sd would read as a perfectly repeatable result
  const fmt = (m: { mean: number; sd: number }, runs: number) =>
    `${m.mean.toFixed(3)}${runs > 1 ? ` (${m.sd.toFixed(3)})` : ''}${expectedRuns !== undefined && runs < expectedRuns ? `, ${runs} of ${expectedRuns} runs` : ''}`;
  const lines = [`### ${title}`, '', `| N labeled | ${strategies.join(' | ')} |`, `|---|${strategies.map(() => '---').join('|')}|`];
  for (const n of ns) {
    lines.push(`| ${n} | ${strategies.map((s) => { const r = rows.find((x) => x.n === n && x.strategy === s); return r ? fmt(r[metric], r.runs) : '–'; }).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

/** A small self-contained SVG line chart: mean Dice vs N (log-spaced x), ±1 sd bars, one line per strategy. */
export function toSvg(rows: CurveSummaryRow[], title: string, xLabel = 'labeled images (N)'): string {
  const strategies = [...new Set(rows.map((r) => r.strategy))];
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const [W, H, L, R, T, B] = [640, 400, 60, 170, 40, 50];
  const lo = Math.min(...rows.map((r) => r.dice.mean - r.dice.sd)), hi = Math.max(...rows.map((r) => r.dice.mean + r.dice.sd));
  const y0 = Math.max(0, Math.floor(lo * 10) / 10), y1 = Math.min(1, Math.ceil(hi * 10) / 10 || 1);
  const x = (n: number) => L + (ns.length === 1 ? 0.5 : (Math.log(n) - Math.log(ns[0]!)) / (Math.log(ns.at(-1)!) - Math.log(ns[0]!))) * (W - L - R);
  const y = (v: number) => T + (1 - (v - y0) / (y1 - y0 || 1)) * (H - T - B);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`, `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`, `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">Dice (mean ± sd)</text>`];
  for (let k = 0; k <= 5; k++) {
    const v = y0 + ((y1 - y0) * k) / 5;
    parts.push(`<line x1="${L - 4}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#ddd"/>`, `<text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`);
  }
  for (const n of ns) parts.push(`<text x="${x(n)}" y="${H - B + 16}" text-anchor="middle">${n}</text>`);
  strategies.forEach((s, i) => {
    const c = colours[i % colours.length]!;
    const pts = rows.filter((r) => r.strategy === s).sort((a, b) => a.n - b.n);
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((r) => `${x(r.n).toFixed(1)},${y(r.dice.mean).toFixed(1)}`).join(' ')}"/>`);
    for (const r of pts) {
      parts.push(`<line x1="${x(r.n)}" y1="${y(r.dice.mean - r.dice.sd)}" x2="${x(r.n)}" y2="${y(r.dice.mean + r.dice.sd)}" stroke="${c}"/>`,
        `<circle cx="${x(r.n)}" cy="${y(r.dice.mean)}" r="3.5" fill="${c}"/>`);
    }
    parts.push(`<rect x="${W - R + 15}" y="${T + 18 * i}" width="12" height="12" fill="${c}"/>`, `<text x="${W - R + 32}" y="${T + 18 * i + 10}">${escapeXml(s)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[ch]!);
}
