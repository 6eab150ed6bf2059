// `lumen experiment CONFIG.json`: a learning-curve run (N labeled units × strategies × random
// splits) written as JSON, a Markdown table and an SVG chart. CONFIG:
//   { "name": "...", "dataset": { "kind": "drive", "root": "../shared/data/drive" }
//       or { "kind": "vesselnn", "root": "../shared/data/vesselnn", "stack": "poon2015_BBB_noLeakage" }
//       (N labeled z-slices of one stack, "testSize" z-slices scored; "pretrained-as-is" runs a
//       pretrained model with no training),
//     "n": [1, 2, 5, 10], "strategies": ["scratch", ...], "splits": 3, "testSize": 10,
//     "effort": 1, "budget": "fixed" | "sqrt-n" | "linear-n", "maxSecondsPerRun": 900,
//     "foregroundWeight": 1, "pretrained": { "strategy": "model name or file" },
//     "weightPrior": "prior name or .dwp file (for dwp)", "out": "docs/results/drive" }
// A whole grid takes hours on two cores, longer than a working session: every finished run is
// appended at once to OUT.runs.jsonl (experiment-journal.ts) and the page rebuilt from it, a rerun
// skips the runs already there, and --only runs a part of the grid. A journal made under other
// result-changing settings is refused rather than mixed in (--restart sets it aside).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LumenError, isLumenError } from '../../src-shared/errors.ts';
import { cellKey, planCells, runLearningCurve, type CurveCell, type PlannedCell } from '../../src-shared/eval/learning-curve.ts';
import {
  appendEntry, checkSettings, finishedCells, fingerprintOf, journalPathFor, prepareForAppend, readJournal, runFromSiblings, setAside, toCurveCell, type Journal, type JournalEntry, type RunSettings,
} from '../../src-shared/eval/experiment-journal.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { parseArgs, flag, positiveNumberFlag } from '../args.ts';
import { curvePlan, readExperimentConfig, resultSettings, scoredOn } from '../experiments/experiment-config.ts';
import { loadVesselnnStack, vesselnnRunCell } from '../experiments/vesselnn-cell.ts';
import { readSuite, writeSuitePage, type SuiteConfig } from '../experiments/suite.ts';
import { parseGridFilter } from '../experiments/grid-filter.ts';
import { driveRunCell } from '../experiments/drive-cell.ts';
import { writeResults } from '../experiments/experiment-report.ts';
import { formatSeconds } from '../progress.ts';

export const summary = 'run a learning-curve experiment from a JSON config (table + chart), resumable';

export const usage = `usage: lumen experiment CONFIG.json [--device auto|cpu|…] [--only KEY=V1,V2 …] [--max-seconds-per-run S] [--restart] [--no-reuse] [--report-only]
  runs N labeled units × strategies × splits as the config says (see docs/experiments/). Each
  finished run is appended at once to OUT.runs.jsonl, and OUT.json, OUT.md and OUT.svg are rebuilt
  from it after every run, saying how many of the planned runs they rest on. Rerunning the same
  config continues where the last run stopped (Ctrl-C or a kill loses only the run in progress);
  a journal made with other result-changing settings (effort, budget, seed, cap, models…) is refused.
  --only KEY=V1,V2          run only a part of the grid now: n=1,2 or strategy=scratch,dwp or split=0;
                            several --only narrow together (values must be in the config)
  --max-seconds-per-run S   each run's training ends after S seconds, keeping its best weights so
                            far, and the run is marked capped (config: "maxSecondsPerRun")
  --restart                 start the grid over: the journal is renamed OUT.runs.before-DATE.jsonl, not deleted
  --no-reuse                run every cell here, even one another journal in OUT's folder already holds
                            (by default a run with the same split, N, strategy, settings and training
                            units, not capped, is copied from there and marked "copiedFrom")
  --report-only             rebuild OUT.json, OUT.md and OUT.svg from the journal (or, without one, OUT.md and
                            OUT.svg from OUT.json's runs)
  config "budget": fixed (default: effort whatever N), sqrt-n (effort × √N) or linear-n (effort × N).
  config "dataset": {"kind": "drive", "root": DIR} (N labeled photographs) or {"kind": "vesselnn",
  "root": DIR, "stack": NAME} (N labeled z-slices of NAME_image.tif, scored on "testSize" other
  slices against NAME_labels.tif); strategy "pretrained-as-is" predicts with its "pretrained" model
  untrained (synthetic only).
  A suite config lists "parts" (experiment configs) instead of a dataset: each part runs in turn
  with the same flags and one page shows every part's Dice table ("columns": the strategies shown).`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['report-only', 'restart', 'no-reuse']);
  const configPath = args.positional[0];
  if (!configPath) throw new LumenError('bad-input', 'usage: lumen experiment CONFIG.json');
  const suite = readSuite(configPath);
  if (suite) return runSuite(suite, configPath, argv.filter((a) => a !== configPath), args.flags.has('report-only'));
  const cfg = readExperimentConfig(configPath);
  const base = dirname(resolve(configPath));
  const out = resolve(base, cfg.out);
  const journalPath = journalPathFor(out);
  const maxSecondsPerRun = positiveNumberFlag(args, 'max-seconds-per-run') ?? cfg.maxSecondsPerRun;
  const stack = cfg.dataset.kind === 'vesselnn' ? await loadVesselnnStack(resolve(base, cfg.dataset.root), cfg.dataset.stack) : undefined;
  const plan = curvePlan(cfg, stack?.image.shape[0]);
  const planned = planCells(plan);
  const settingsFor = (strategy: string) => resultSettings(cfg, strategy, maxSecondsPerRun);
  const warn = (message: string) => process.stderr.write(`lumen experiment: ${message}\n`);
  const report = (cells: CurveCell[], journaled = true) => writeResults({ out, cfg, configPath, planned, cells, maxSecondsPerRun, journaled, scoredOn: scoredOn(cfg, plan) });

  if (args.flags.has('report-only')) {
    if (args.flags.has('restart')) throw new LumenError('bad-input', '--report-only and --restart do not go together: --report-only runs nothing');
    if (!existsSync(journalPath)) {
      // results written before the journal existed (docs/results/drive-learning-curve.json): OUT.json is the record
      let cells: CurveCell[];
      try { cells = JSON.parse(readFileSync(`${out}.json`, 'utf8')).cells; } catch (e) { throw new LumenError('bad-input', `no results to report at ${journalPath} or ${out}.json: ${(e as Error).message}`); }
      if (!Array.isArray(cells) || !cells.length) throw new LumenError('bad-input', `${out}.json lists no runs`);
      console.log(JSON.stringify({ out, cells: cells.length, summary: report(cells, false) }));
      return 0;
    }
    const finished = finishedOf(readJournal(journalPath, warn), planned, settingsFor);
    if (!finished.size) throw new LumenError('bad-input', `${journalPath} holds no run of this config's grid yet`);
    console.log(JSON.stringify({ out, cells: finished.size, planned: planned.length, summary: report(inPlanOrder(planned, finished)) }));
    return 0;
  }

  const filter = parseGridFilter(args.flags.get('only') ?? [], plan);
  const unjournaled = !existsSync(journalPath) && resultsWithoutJournal(`${out}.json`);
  if (args.flags.has('restart')) {
    const moved = setAside(journalPath) ?? (unjournaled ? setAside(`${out}.json`) : undefined);
    if (moved) warn(`--restart: the earlier runs were moved to ${moved}`);
  } else if (unjournaled) {
    // results from before journals (or whose journal was removed): the first new run would replace them
    throw new LumenError('bad-input', `${out}.json holds ${unjournaled} runs but there is no journal ${journalPath} to continue from: `
      + 'rerun with --restart to run the grid anew (that file is renamed aside), or --report-only to rebuild the page from it');
  }
  const journal = readJournal(journalPath, warn);
  const finished = finishedOf(journal, planned, settingsFor);
  prepareForAppend(journal);
  let toRun = planned.filter((c) => !finished.has(cellKey(c)) && filter.include(c));
  if (!args.flags.has('no-reuse') && toRun.length) {
    reuseSiblingRuns(toRun, journal, finished, settingsFor, warn);
    toRun = toRun.filter((c) => !finished.has(cellKey(c)));
  }
  warn(`${finished.size} of ${planned.length} planned runs are in ${journalPath}; running ${toRun.length} now${filter.description ? ` (--only ${filter.description})` : ''}`);
  if (finished.size) report(inPlanOrder(planned, finished));
  if (!toRun.length) {
    console.log(JSON.stringify({ out, cells: finished.size, planned: planned.length, ranNow: 0 }));
    return 0;
  }

  // Ctrl-C or SIGTERM: training ends at its next step and scoring at its next patch, so the
  // journal keeps every finished run and no half-run is recorded; a second Ctrl-C kills at once
  const stop = new AbortController();
  let signal: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => { signal = s; stop.abort(); warn(`${s}: stopping the run in progress (a second one kills at once)`); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const runtime = createRuntime({ device: (flag(args, 'device') ?? 'auto') as DeviceChoice });
  const started = performance.now();
  let ranNow = 0;
  try {
    const runCell = stack ? vesselnnRunCell(cfg, base, stack, runtime.factory, maxSecondsPerRun, stop.signal) : driveRunCell(cfg, base, runtime.factory, maxSecondsPerRun, stop.signal);
    await runLearningCurve(plan, runCell, {
      finished: new Set(finished.keys()),
      include: (c) => !stop.signal.aborted && filter.include(c),
      onCell: (cell, done, total) => {
        const key = cellKey(cell);
        const settings = settingsFor(cell.strategy);
        const entry: JournalEntry = { ...cell, train: planned.find((p) => cellKey(p) === key)!.train, settings, fingerprint: fingerprintOf(settings), finishedAt: new Date().toISOString() };
        appendEntry(journal, entry);
        finished.set(key, entry);
        ranNow++;
        report(inPlanOrder(planned, finished));
        const training = cell.capped ? `, capped at ${maxSecondsPerRun} s after ${cell.steps} of ${cell.stepsPlanned} steps` : cell.stoppedEarly ? `, stopped early after ${cell.steps} of ${cell.stepsPlanned} steps` : '';
        process.stderr.write(`[${done}/${total}] ${key}: Dice ${cell.dice.toFixed(3)} (${formatSeconds(cell.seconds)}${training}), ${formatSeconds((performance.now() - started) / 1000)} elapsed\n`);
      },
    });
  } catch (e) {
    if (!(signal && isLumenError(e, 'cancelled'))) throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (signal) {
    warn(`stopped by ${signal}: ${finished.size} of ${planned.length} planned runs are in ${journalPath}; the same command continues from there`);
    return signal === 'SIGINT' ? 130 : 143;
  }
  console.log(JSON.stringify({
    out, cells: finished.size, planned: planned.length, ranNow, seconds: +((performance.now() - started) / 1000).toFixed(0),
    summary: report(inPlanOrder(planned, finished)),
  }));
  return 0;
}

/** Each part in turn with the same flags, then the suite's page; a part stopped by a signal stops the suite. */
async function runSuite(suite: SuiteConfig, suitePath: string, flags: string[], reportOnly: boolean): Promise<number> {
  const base = dirname(resolve(suitePath));
  for (const part of suite.parts) {
    process.stderr.write(`lumen experiment: part ${part}\n`);
    try {
      const status = await run([resolve(base, part), ...flags]);
      if (status !== 0) return status;
    } catch (e) {
      // --report-only over a part with nothing run yet: the suite's page says so
      if (!(reportOnly && isLumenError(e, 'bad-input') && /no results to report|holds no run/.test(e.message))) throw e;
      process.stderr.write(`lumen experiment: ${part} has no finished run yet\n`);
    }
  }
  console.log(JSON.stringify({ out: writeSuitePage(suite, suitePath), parts: suite.parts.length }));
  return 0;
}

/** Copies into this journal (and `finished`) the runs of `toRun` a sibling journal already made (runFromSiblings). */
function reuseSiblingRuns(toRun: PlannedCell[], journal: Journal, finished: Map<string, JournalEntry>, settingsFor: (strategy: string) => RunSettings, warn: (message: string) => void): void {
  const lookUp = runFromSiblings(journal.path, warn);
  for (const cell of toRun) {
    const entry = lookUp(cell, settingsFor(cell.strategy));
    if (!entry) continue;
    appendEntry(journal, entry);
    finished.set(cellKey(cell), entry);
    warn(`${cellKey(cell)}: the same run is in ${entry.copiedFrom} (Dice ${entry.dice.toFixed(3)}); copied, not run again (--no-reuse runs it)`);
  }
}

/** How many runs OUT.json lists (0 when there is none or it cannot be read). */
function resultsWithoutJournal(resultsPath: string): number {
  try {
    const cells = JSON.parse(readFileSync(resultsPath, 'utf8')).cells;
    return Array.isArray(cells) ? cells.length : 0;
  } catch {
    return 0;
  }
}

/** The journal's runs of this grid, checked against the config's settings now. */
function finishedOf(journal: Journal, planned: PlannedCell[], settingsFor: (strategy: string) => RunSettings): Map<string, JournalEntry> {
  const keys = new Set(planned.map(cellKey));
  const finished = finishedCells(journal, (k) => keys.has(k));
  checkSettings(finished.values(), settingsFor, journal.path);
  return finished;
}

/** The finished runs as the results list them: in the grid's order, without journal bookkeeping. */
function inPlanOrder(planned: PlannedCell[], finished: Map<string, JournalEntry>): CurveCell[] {
  return planned.flatMap((p) => {
    const e = finished.get(cellKey(p));
    return e ? [toCurveCell(e)] : [];
  });
}
