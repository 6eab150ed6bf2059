// Synthetic pre-training + fine-tuning (Paetzold, Schoppe et al.: synthetic + real beats either
// alone). With a shipped synthetic model (`--model vessels-2d-fundus` …) it fine-tunes that; with
// none, it first pre-trains the matching recipe on generated data, then fine-tunes.
import { LumenError } from '../../errors.ts';
import type { Strategy } from '../strategy.ts';
import { PRETRAIN_RECIPES, pretrain } from '../pretrain.ts';
import { trainOnLabels } from './scratch.ts';
import { defaultModel } from './networks.ts';

export const syntheticPretrain: Strategy = async (data, options, ctx) => {
  let source = options.pretrained;
  let pretrainSteps = 0, pretrainOutOfTime = false;
  if (!source) {
    const want = defaultModel(data);
    // recipes make binary models; trainOnLabels gives a multi-class task its own head
    const recipe = PRETRAIN_RECIPES.find((r) => JSON.stringify(r.model) === JSON.stringify({ ...want, outChannels: 1 }));
    if (!recipe) throw new LumenError('unsupported', `no synthetic recipe makes a ${want.dims}D model with ${want.inChannels} channel(s); give --model`);
    const steps = Math.max(10, Math.round(recipe.steps * 0.3 * (options.effort ?? 1)));
    // an on-the-fly pool of a third of the recipe's samples keeps this step to seconds of generation
    const samples = Math.max(2, Math.round(recipe.samples * Math.min(1, options.effort ?? 1) / 3));
    const m = await pretrain(recipe, ctx.factory, { seed: options.seed, steps, samples, deadline: ctx.deadline, onStep: (step, total, loss) => ctx.progress?.({ phase: `synthetic pre-training (${recipe.name})`, step, steps: total, loss }) });
    source = m;
    pretrainSteps = m.fit.steps;
    pretrainOutOfTime = m.fit.outOfTime === true;
  }
  const r = await trainOnLabels(data, { model: source.config, init: source.params, strategy: 'synthetic-pretrain', lr: 1e-3, baseSteps: 200 }, options, ctx);
  return {
    model: { ...r.model, provenance: { ...r.model.provenance, pretrainedOn: source.provenance, pretrainSteps } },
    report: { ...r.report, ...(pretrainOutOfTime ? { outOfTime: true } : {}), pretrainSteps },
  };
};
