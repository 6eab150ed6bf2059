// `lumen pretrain [NAME …] [--steps N] [--samples N] [--seed S]`: trains the shipped models on synthetic data
// only and writes resources/models/NAME.onnx (what `npm run pretrain` runs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PRETRAIN_RECIPES, pretrain } from '../../src-shared/train/pretrain.ts';
import { exportOnnxModel } from '../../src-shared/nn/model-file.ts';
import { LumenError } from '../../src-shared/errors.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { parseArgs, flag } from '../args.ts';
import { ProgressBar } from '../progress.ts';
import { MODELS_DIR } from '../pretrained.ts';

export const summary = 'train the bundled models on synthetic data (resources/models)';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const names = args.positional.length ? args.positional : PRETRAIN_RECIPES.map((r) => r.name);
  const outDir = resolve(flag(args, 'out-dir') ?? MODELS_DIR);
  const runtime = createRuntime({ device: (flag(args, 'device') ?? 'auto') as DeviceChoice, log: (l) => process.stderr.write(`${l}\n`) });
  mkdirSync(outDir, { recursive: true });
  for (const name of names) {
    const recipe = PRETRAIN_RECIPES.find((r) => r.name === name);
    if (!recipe) throw new LumenError('bad-input', `no pretraining recipe '${name}'; known: ${PRETRAIN_RECIPES.map((r) => r.name).join(', ')}`);
    const started = performance.now();
    const steps = Number(flag(args, 'steps') ?? recipe.steps);
    const bar = new ProgressBar(name, steps);
    let dice = NaN;
    const model = await pretrain(recipe, runtime.factory, {
      steps, seed: Number(flag(args, 'seed') ?? 1), samples: flag(args, 'samples') ? Number(flag(args, 'samples')) : undefined,
      onStep: (step, _total, loss) => bar.update(step, `loss ${loss.toFixed(3)}${Number.isFinite(dice) ? `, held-out Dice ${dice.toFixed(3)}` : ''}`),
      onEval: (_step, d) => { dice = d; },
    });
    const seconds = (performance.now() - started) / 1000;
    const inputShape = recipe.model.dims === 3 ? [1, recipe.model.inChannels, ...recipe.patch] : [1, recipe.model.inChannels, 256, 256];
    const path = resolve(outDir, `${name}.onnx`);
    writeFileSync(path, exportOnnxModel({ config: recipe.model, params: model.params, provenance: { ...model.provenance, seconds: Math.round(seconds), device: runtime.report().used } }, inputShape));
    console.log(JSON.stringify({ model: name, path, steps: model.fit.steps, validationDice: model.fit.bestValidationDice, seconds: Math.round(seconds) }));
  }
  return 0;
}
