// npm run bench:fewlabel — the few-label development benchmark. Cases are built from
// ../shared/data into a temp folder as real files (image, sparse labels, truth; see bench/cases/),
// then for each case:
//   `lumen segment --strategy S` for every strategy S, as a child process: wall seconds, the JSON
//   line it prints (the strategy report), Dice per class ≥ 2 on the voxels nobody labeled, or the
//   error it gave;
//   the anchor ../shared/anchors/pixel_forest.py on the same files: its Dice and seconds.
// Prints one JSON line: per case and strategy, and a summary against the goals.
// Options: --cases a,b (names or parts of names) --strategies auto,pixel-classifier,… --no-anchor
// --quick (the small cases only) --timeout SECONDS (per run, default 2400) --keep (leave the files)
// --dry-run (build the cases and say what was painted, run nothing)
// and, passed on to lumen segment: --device (default cpu) --effort --seed.
// Never tune anything to these cases: the project is judged on held-out data of the same kinds.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readVolume } from '../src-shared/io/index.ts';
import { parseArgs, flag } from '../src-main/args.ts';
import { ALL_CASES, type BuiltCase } from './cases/index.ts';
import { runAnchor, runSegment, type ChildResult } from './cases/run.ts';
import { dicePerClass, predictionClasses, scoredVoxels } from './cases/score.ts';
import { summarize, type CaseResult, type StrategyResult } from './fewlabel-summary.ts';

const DEFAULT_STRATEGIES = ['auto', 'pixel-classifier', 'sparse-2d'];

const args = parseArgs(process.argv.slice(2), ['no-anchor', 'quick', 'keep', 'dry-run']);
const list = (key: string) => flag(args, key)?.split(',').map((s) => s.trim()).filter(Boolean);
const strategies = list('strategies') ?? DEFAULT_STRATEGIES;
const filters = list('cases');
const timeout = Number(flag(args, 'timeout') ?? 2400);
const passOn = [['device', flag(args, 'device') ?? 'cpu'], ['effort', flag(args, 'effort')], ['seed', flag(args, 'seed')]]
  .flatMap(([k, v]) => (v ? [`--${k}`, v] : []));
const selected = ALL_CASES.filter((c) => (!args.flags.has('quick') || c.small) && (!filters || filters.some((f) => c.name.includes(f))));
if (!selected.length) {
  console.error(`no case matches; the cases are: ${ALL_CASES.map((c) => c.name).join(', ')}`);
  process.exit(2);
}

const log = (line: string) => process.stderr.write(`[fewlabel] ${line}\n`);
const root = mkdtempSync(join(tmpdir(), 'lumen-bench-fewlabel-'));
const anchorRuns = new Map<string, { result: ChildResult; case: string }>();
const results: CaseResult[] = [];

try {
  for (const spec of selected) {
    const dir = join(root, spec.name);
    mkdirSync(dir);
    log(`${spec.name}: building`);
    let built: BuiltCase;
    try {
      built = await spec.build(dir);
    } catch (e) {
      results.push({ case: spec.name, error: `could not build the case: ${e instanceof Error ? e.message : String(e)}`, strategies: {} });
      continue;
    }
    const scored = scoredVoxels(built.sparse, built.scoreMask);
    const anchorRegion = built.scoreMask ? scoredVoxels(built.sparse) : undefined;
    const result: CaseResult = {
      case: spec.name, shape: built.shape, dtype: built.dtype, layout: built.layout, classes: built.classes,
      labeledVoxels: countClasses(built.sparse), ...(built.notes ? { notes: built.notes } : {}), strategies: {},
    };
    if (args.flags.has('dry-run')) { results.push(result); continue; }
    for (const s of strategies) {
      log(`${spec.name}: lumen segment --strategy ${s}`);
      const out = join(dir, `pred-${s}${built.files.image.slice(built.files.image.indexOf('-image') + 6)}`);
      result.strategies[s] = await scoreRun(await runSegment(built.files, out, s, passOn, timeout), out, built, scored, anchorRegion);
      log(`${spec.name} ${s}: ${JSON.stringify({ dice: result.strategies[s]!.dice, seconds: result.strategies[s]!.seconds, error: result.strategies[s]!.error })}`);
    }
    if (!args.flags.has('no-anchor')) {
      result.anchor = await anchor(spec.name, built);
      log(`${spec.name} anchor: ${JSON.stringify(result.anchor)}`);
    }
    results.push(result);
    if (!args.flags.has('keep')) rmSync(dir, { recursive: true, force: true });
  }
} finally {
  if (!args.flags.has('keep')) rmSync(root, { recursive: true, force: true });
  else log(`case files kept in ${root}`);
}

console.log(JSON.stringify({ bench: 'fewlabel', strategies, passedOn: passOn, cases: results, summary: summarize(results, strategies) }));

function countClasses(sparse: Uint8Array): Record<string, number> {
  const n = new Float64Array(256);
  for (const v of sparse) n[v]!++;
  return Object.fromEntries([...n.keys()].filter((v) => v > 0 && n[v]! > 0).map((v) => [String(v), n[v]!]));
}

/** Dice of one segment run (or its error), with the run's own report minus the output path. */
async function scoreRun(run: ChildResult, out: string, built: BuiltCase, scored: Uint8Array, anchorRegion: Uint8Array | undefined): Promise<StrategyResult> {
  if (!run.ok) return { seconds: run.seconds, error: run.error };
  const { out: _path, ...report } = run.json!;
  try {
    const pred = await readVolume(out);
    const [d, h, w] = built.shape;
    if (pred.shape[0] !== d || pred.shape[1] !== h || pred.shape[2] !== w) {
      return { seconds: run.seconds, report, error: `the output is ${pred.shape.slice(0, 3).join('×')}, the image ${d}×${h}×${w}` };
    }
    const classes = predictionClasses(pred.data, pred.shape[3], built.classes);
    const s = dicePerClass(classes, built.truth, built.classes, scored);
    const other = anchorRegion ? { diceAnchorRegion: dicePerClass(classes, built.truth, built.classes, anchorRegion).dice } : {};
    return { ...s, ...other, seconds: run.seconds, report };
  } catch (e) {
    return { seconds: run.seconds, report, error: `could not score the output: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The anchor on the case's files (or its stand-in files), run once per anchor key. */
async function anchor(name: string, built: BuiltCase): Promise<CaseResult['anchor']> {
  const files = built.anchorFiles ?? built.files, key = built.anchorFiles?.key ?? name;
  let shared = anchorRuns.get(key);
  if (!shared) {
    log(`${name}: anchor pixel_forest.py`);
    shared = { result: await runAnchor(files, timeout), case: name };
    anchorRuns.set(key, shared);
  }
  const r = shared.result, sharedWith = shared.case !== name ? { sharedWith: shared.case } : {};
  if (!r.ok) return { seconds: r.seconds, error: r.error, ...sharedWith };
  // seconds: the anchor's own count (features, forest, prediction); wallSeconds: the whole process, reading included, as lumen segment's
  return { dice: r.json!.mean_dice as number, dicePerClass: r.json!.dice_per_class as Record<string, number>, seconds: r.json!.seconds as number, wallSeconds: r.seconds, ...sharedWith };
}
