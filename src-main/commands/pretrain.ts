// `lumen pretrain [NAME …] [--steps N] [--samples N] [--seed S]`: trains the shipped models on
// synthetic data only and writes resources/models/NAME.onnx, then fits the shipped Deep Weight
// Priors on those models' kernels (resources/models/NAME.dwp). What `npm run pretrain` runs.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PRETRAIN_RECIPES, PRIOR_RECIPES, pretrain, type PretrainRecipe, type PriorRecipe } from '../../src-shared/train/pretrain.ts';
import { fitWeightPrior, encodeWeightPrior } from '../../src-shared/train/dwp/prior.ts';
import { exportOnnxModel } from '../../src-shared/nn/model-file.ts';
import { NUCLEI_RECIPES, pretrainNuclei, type NucleiRecipe } from '../../src-shared/instances/train/pretrain-nuclei.ts';
import { instanceModelBytes } from '../../src-shared/instances/train/model-bytes.ts';
import { LumenError } from '../../src-shared/errors.ts';
import type { SessionFactory } from '../../src-shared/nn/session.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { parseArgs, flag, integerFlag } from '../args.ts';
import { ProgressBar } from '../progress.ts';
import { MODELS_DIR, loadPretrained } from '../pretrained.ts';

export const summary = 'train the bundled models and weight priors on synthetic data (resources/models)';

export const usage = `usage: lumen pretrain [NAME …] [--steps N] [--samples N] [--seed 1] [--out-dir DIR] [--device …]
  trains the named recipes (default: all) on synthetic data and writes NAME.onnx or NAME.dwp to
  resources/models (or DIR), printing one JSON line per recipe.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const known = [...PRETRAIN_RECIPES, ...NUCLEI_RECIPES, ...PRIOR_RECIPES].map((r) => r.name);
  const names = args.positional.length ? args.positional : known;
  for (const name of names) if (!known.includes(name)) throw new LumenError('bad-input', `no pretraining recipe '${name}'; known: ${known.join(', ')}`);
  const outDir = resolve(flag(args, 'out-dir') ?? MODELS_DIR);
  // read before anything trains, so a typo fails at once
  const run: RunOptions = {
    steps: integerFlag(args, 'steps', 1), seed: integerFlag(args, 'seed') ?? 1, samples: integerFlag(args, 'samples', 1),
  };
  const runtime = createRuntime({ device: (flag(args, 'device') ?? 'auto') as DeviceChoice, log: (l) => process.stderr.write(`${l}\n`) });
  mkdirSync(outDir, { recursive: true });
  for (const name of names) {
    const started = performance.now();
    const model = PRETRAIN_RECIPES.find((r) => r.name === name);
    const nuclei = NUCLEI_RECIPES.find((r) => r.name === name);
    const result = model ? await trainModel(model, run, runtime, outDir)
      : nuclei ? await trainNuclei(nuclei, run, runtime, outDir)
        : await fitPrior(PRIOR_RECIPES.find((r) => r.name === name)!, run, runtime.factory, outDir);
    console.log(JSON.stringify({ name, ...result, seconds: Math.round((performance.now() - started) / 1000), device: runtime.report().used }));
  }
  return 0;
}

/** --steps (default: the recipe's), --seed and --samples (default: the recipe's). */
interface RunOptions { steps?: number; seed: number; samples?: number }

async function trainModel(recipe: PretrainRecipe, run: RunOptions, runtime: ReturnType<typeof createRuntime>, outDir: string) {
  const started = performance.now();
  const steps = run.steps ?? recipe.steps;
  const bar = new ProgressBar(recipe.name, steps);
  let dice = NaN;
  const model = await pretrain(recipe, runtime.factory, {
    steps, seed: run.seed, samples: run.samples,
    onStep: (step, _total, loss) => bar.update(step, `loss ${loss.toFixed(3)}${Number.isFinite(dice) ? `, held-out Dice ${dice.toFixed(3)}` : ''}`),
    onEval: (_step, d) => { dice = d; },
  });
  const inputShape = recipe.model.dims === 3 ? [1, recipe.model.inChannels, ...recipe.patch] : [1, recipe.model.inChannels, 256, 256];
  const path = resolve(outDir, `${recipe.name}.onnx`);
  const seconds = Math.round((performance.now() - started) / 1000);
  writeFileSync(path, exportOnnxModel({ config: recipe.model, params: model.params, provenance: { ...model.provenance, seconds, device: runtime.report().used } }, inputShape));
  return { path, steps: model.fit.steps, validationDice: model.fit.bestValidationDice };
}

async function trainNuclei(recipe: NucleiRecipe, run: RunOptions, runtime: ReturnType<typeof createRuntime>, outDir: string) {
  const started = performance.now();
  const bar = new ProgressBar(recipe.name, run.steps ?? recipe.steps);
  const r = await pretrainNuclei(runtime.factory, recipe, { steps: run.steps, samples: run.samples, seed: run.seed, onStep: (step, _total, loss) => bar.update(step, `loss ${loss.toFixed(3)}`) });
  const path = resolve(outDir, `${recipe.name}.onnx`);
  const seconds = Math.round((performance.now() - started) / 1000);
  writeFileSync(path, instanceModelBytes({ ...r.model, provenance: { ...r.model.provenance, seconds, device: runtime.report().used } }));
  return { path, steps: r.steps, syntheticValidationF1: +r.validationF1.toFixed(3) };
}

/** Sources come from the output folder where they are there (a fresh `pretrain` fits on fresh models), else the shipped ones. */
async function fitPrior(recipe: PriorRecipe, run: RunOptions, factory: SessionFactory, outDir: string) {
  const sources = recipe.sources.map((s) => loadPretrained(existsSync(resolve(outDir, `${s}.onnx`)) ? resolve(outDir, `${s}.onnx`) : s));
  const steps = run.steps ?? recipe.steps;
  let bar: ProgressBar | undefined, current = '';
  const prior = await fitWeightPrior(sources, recipe.size, factory, {
    steps, seed: run.seed,
    onStep: (group, step, total, loss) => {
      if (group !== current) { current = group; bar = new ProgressBar(`${recipe.name} ${group}`, total); }
      bar!.update(step, `negative ELBO ${loss.toFixed(3)}`);
    },
  });
  const path = resolve(outDir, `${recipe.name}.dwp`);
  writeFileSync(path, encodeWeightPrior(prior));
  const finalLoss = Object.fromEntries([...prior.losses].map(([g, l]) => [g, +(l.slice(-50).reduce((a, b) => a + b, 0) / Math.min(50, l.length)).toFixed(3)]));
  return { path, sources: recipe.sources, groups: [...prior.groups.keys()], finalNegativeElbo: finalLoss };
}
