// Train from He initialisation, or from given weights (fine-tuning), on whatever is labeled:
// unlabeled voxels carry zero loss weight, so sparse and dense labels use the same code.
// 2D images (depth 1) get a 2D U-Net, stacks a 3D one.
import type { UNetConfig } from '../../nn/unet.ts';
import { fit } from '../fit.ts';
import { holdOut, volumeSource, classesOf, type LabeledVolume } from '../dataset.ts';
import type { Strategy, StrategyOptions, StrategyContext, StrategyResult } from '../strategy.ts';
import type { TrainerExtension } from '../../nn/trainer.ts';
import { defaultModel, forClasses, patchFor } from './networks.ts';

export interface TrainOnLabelsOptions {
  model: UNetConfig;
  init?: Map<string, Float32Array>;
  frozen?: string[];
  strategy: string;
  baseSteps?: number;
  lr?: number;
  extension?: TrainerExtension;
  /** L2-SP: pull the weights toward `init` with this weight (optim.ts) */
  anchorWeight?: number;
}

export async function trainOnLabels(data: LabeledVolume[], t: TrainOnLabelsOptions, options: StrategyOptions, ctx: StrategyContext): Promise<StrategyResult> {
  const classes = classesOf(data);
  const { model, init } = forClasses(t.model, t.init, classes);
  const is2d = model.dims === 2;
  const split = data.map((v) => holdOut(volumeSource(v, options.foregroundWeight ?? 1, classes), 0.15));
  const steps = Math.max(10, Math.round((t.baseSteps ?? 300) * (options.effort ?? 1)));
  const phase = `${t.strategy} (${is2d ? '2D' : '3D'})`;
  const r = await fit(ctx.factory, {
    model, init, frozen: t.frozen, extension: t.extension, train: split.map((s) => s.train), validation: split.map((s) => s.validation),
    patch: patchFor(model, data, is2d ? [1, 128, 128] : [8, 96, 96]), batch: is2d ? 4 : 2, steps, lr: t.lr ?? 3e-3, seed: options.seed,
    augment: { flipZ: !is2d }, shouldStop: ctx.shouldStop, deadline: ctx.deadline,
    ...(t.anchorWeight && init ? { optimizer: { kind: 'adam' as const, anchor: { weights: init, weight: t.anchorWeight } } } : {}),
    onStep: (step, loss) => ctx.progress?.({ phase, step, steps, loss }),
    onEval: (step, dice) => ctx.progress?.({ phase, step, steps, validationDice: dice }),
  });
  return {
    model: { config: model, params: r.params, classes, provenance: { strategy: t.strategy, steps: r.steps, frozen: t.frozen ?? [] } },
    report: {
      steps: r.steps, validationDice: r.bestValidationDice, stoppedEarly: r.stoppedEarly, ...(r.outOfTime ? { outOfTime: true } : {}),
      ...(r.bestValidationPerClass ? { validationPerClass: r.bestValidationPerClass } : {}),
    },
  };
}

export const scratch: Strategy = (data, options, ctx) => trainOnLabels(data, { model: defaultModel(data), strategy: 'scratch' }, options, ctx);
