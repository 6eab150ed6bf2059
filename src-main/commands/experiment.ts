// `lumen experiment CONFIG.json`: a learning-curve run (N labeled units × strategies × random
// splits) written as JSON, a Markdown table and an SVG chart. CONFIG:
//   { "name": "...", "dataset": { "kind": "drive", "root": "../shared/data/drive" },
//     "n": [1, 2, 5, 10], "strategies": ["scratch", ...], "splits": 3, "testSize": 10,
//     "effort": 1, "foregroundWeight": 1, "pretrained": { "strategy": "model name or file" },
//     "weightPrior": "prior name or .dwp file (for dwp)", "out": "docs/results/drive" }
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { LumenError } from '../../src-shared/errors.ts';
import { runLearningCurve, summarize, toMarkdown, toSvg, type CurveCell } from '../../src-shared/eval/learning-curve.ts';
import { binaryScores } from '../../src-shared/eval/metrics.ts';
import { slidingWindowPredict, unetPatchModel } from '../../src-shared/infer/index.ts';
import { planarToVolume } from '../../src-shared/train/volume-convert.ts';
import { strategyByName } from '../../src-shared/train/strategies/index.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { parseArgs, flag } from '../args.ts';
import { loadPretrained, loadWeightPrior } from '../pretrained.ts';
import { DRIVE_IDS, loadDriveCase, type DriveCase } from '../experiments/drive.ts';
import { formatSeconds } from '../progress.ts';

export const summary = 'run a learning-curve experiment from a JSON config (table + chart)';

interface ExperimentConfig {
  name: string;
  dataset: { kind: 'drive'; root: string };
  n: number[];
  strategies: string[];
  splits?: number;
  testSize?: number;
  effort?: number;
  /** relative loss weight of vessel voxels (thin structures) */
  foregroundWeight?: number;
  seed?: number;
  /** a paragraph on the set-up, printed above the tables */
  notes?: string;
  pretrained?: Record<string, string>;
  weightPrior?: string;
  out: string;
}

export const usage = `usage: lumen experiment CONFIG.json [--device auto|cpu|…] [--report-only]
  runs N labeled units × strategies × splits as the config says (see docs/experiments/) and writes
  OUT.json, OUT.md and OUT.svg; --report-only rebuilds the page and chart from OUT.json.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['report-only']);
  const configPath = args.positional[0];
  if (!configPath) throw new LumenError('bad-input', 'usage: lumen experiment CONFIG.json');
  let cfg: ExperimentConfig;
  try { cfg = JSON.parse(readFileSync(configPath, 'utf8')); } catch (e) { throw new LumenError('bad-input', `cannot read ${configPath}: ${(e as Error).message}`); }
  if (cfg.dataset?.kind !== 'drive') throw new LumenError('unsupported', `dataset kind '${cfg.dataset?.kind}' is not supported (supported: drive)`);
  const base = dirname(resolve(configPath));
  // The results JSON beside the config must not be the config itself: writing it would erase the
  // set-up (notes, strategies) that the page and a rerun need.
  if (resolve(base, `${cfg.out}.json`) === resolve(configPath)) {
    throw new LumenError('bad-input', `"out" (${cfg.out}) would overwrite the config ${configPath} with the results: name the results differently`);
  }
  if (args.flags.has('report-only')) {
    const out = resolve(base, cfg.out);
    let cells: CurveCell[];
    try { cells = JSON.parse(readFileSync(`${out}.json`, 'utf8')).cells; } catch (e) { throw new LumenError('bad-input', `no results to report at ${out}.json: ${(e as Error).message}`); }
    console.log(JSON.stringify({ out, cells: cells.length, summary: writeReport(out, cfg, cells, configPath) }));
    return 0;
  }
  const runtime = createRuntime({ device: (flag(args, 'device') ?? 'auto') as DeviceChoice });
  const weightPrior = cfg.weightPrior ? loadWeightPrior(resolveBundledOrRelative(cfg.weightPrior, base)) : undefined;
  const cases = new Map<string, DriveCase>();
  for (const id of DRIVE_IDS) cases.set(id, await loadDriveCase(resolve(base, cfg.dataset.root), id));

  const started = performance.now();
  const cells = await runLearningCurve(
    { units: DRIVE_IDS, n: cfg.n, strategies: cfg.strategies, splits: cfg.splits ?? 3, testSize: cfg.testSize ?? 10, seed: cfg.seed ?? 0 },
    async (train, test, strategyName, split) => {
      const data = train.map((id) => cases.get(id)!.labeled);
      const pretrainedName = cfg.pretrained?.[strategyName];
      const options = { effort: cfg.effort ?? 1, foregroundWeight: cfg.foregroundWeight ?? 1, seed: split, weightPrior, pretrained: pretrainedName ? loadPretrained(resolveBundledOrRelative(pretrainedName, base)) : undefined };
      const { run: strategy } = strategyByName(strategyName, data, options);
      const { model } = await strategy(data, options, { factory: runtime.factory });
      const patchModel = unetPatchModel(runtime.factory, model);
      let tp = 0, fp = 0, fn = 0;
      for (const id of test) {
        const c = cases.get(id)!;
        const prob = await slidingWindowPredict(patchModel, planarToVolume(c.labeled.image, c.labeled.shape, c.labeled.channels), { patch: [1, 256, 256], normalize: 'none' });
        const s = binaryScores(Uint8Array.from(prob.data as Float32Array, (p) => (p > 0.5 ? 1 : 0)), c.truth, c.fov);
        tp += s.confusion.tp; fp += s.confusion.fp; fn += s.confusion.fn;
      }
      return { dice: (2 * tp) / (2 * tp + fp + fn), iou: tp / (tp + fp + fn) };
    },
    (c: CurveCell, done, total) => process.stderr.write(`[${done}/${total}] split ${c.split} N=${c.n} ${c.strategy}: Dice ${c.dice.toFixed(3)} (${formatSeconds(c.seconds)}), ${formatSeconds((performance.now() - started) / 1000)} elapsed\n`),
  );
  const out = resolve(base, cfg.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.json`, JSON.stringify({ config: cfg, cells, summary: summarize(cells) }, null, 2));
  const rows = writeReport(out, cfg, cells, configPath);
  console.log(JSON.stringify({ out, cells: cells.length, seconds: +((performance.now() - started) / 1000).toFixed(0), summary: rows }));
  return 0;
}

/** The Markdown table (Dice and IoU), the SVG chart and how to regenerate them, from the cells. */
function writeReport(out: string, cfg: ExperimentConfig, cells: CurveCell[], configPath: string) {
  const rows = summarize(cells);
  const splits = cfg.splits ?? 3;
  const svgName = `${basename(out)}.svg`;
  const seconds = [...new Set(cells.map((c) => c.strategy))].map((s) => {
    const mine = cells.filter((c) => c.strategy === s);
    return `${s} ${formatSeconds(mine.reduce((a, c) => a + c.seconds, 0) / mine.length)}`;
  });
  const md = [`# ${cfg.name}`, '', ...(cfg.notes ? [cfg.notes, ''] : []),
    toMarkdown(rows, `Dice (F1) on ${cfg.testSize ?? 10} held-out images inside the FOV, mean (sd) over ${splits} splits`),
    toMarkdown(rows, `IoU, mean (sd) over ${splits} splits`, 'iou'),
    `Mean time per run (training + scoring, 2 threads): ${seconds.join(', ')}.`, '', `![${cfg.name}](${svgName})`, '',
    `Regenerate: \`node bin/lumen.mjs experiment ${configPath}\` (add \`--report-only\` to rebuild this page from the JSON).`, ''];
  writeFileSync(`${out}.md`, md.join('\n'));
  writeFileSync(`${out}.svg`, toSvg(rows, cfg.name));
  return rows;
}

/** A bundled name stays a name; anything that looks like a path is relative to the config file. */
function resolveBundledOrRelative(nameOrPath: string, base: string): string {
  return /[\\/]|\.(onnx|dwp)$/.test(nameOrPath) ? resolve(base, nameOrPath) : nameOrPath;
}
