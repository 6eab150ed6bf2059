// The strategy options every training command takes: --effort, --seed, --foreground-weight,
// --model (a pretrained model) and --weight-prior (for the dwp strategy).
import type { StrategyOptions } from '../src-shared/train/strategy.ts';
import { STRATEGY_NAMES } from '../src-shared/train/auto/train-segmenter.ts';
import { flag, integerFlag, positiveNumberFlag, type ParsedArgs } from './args.ts';
import { listPretrained, listWeightPriors, loadBundled, loadPretrained, loadWeightPrior } from './pretrained.ts';

/** The --help lines for these options, shared by `lumen segment` and `lumen train`. */
export const strategyOptionsUsage = (): string => `  [--strategy auto|NAME]   auto trains the candidates that fit the labels (pixel classifier, 2D
                           networks on the labeled planes, a 3D network), scores each on held-out
                           labels and keeps the best (or the mean of the best two); NAME: one of
                           ${STRATEGY_NAMES.filter((s) => s !== 'auto').join(', ')}
  [--model NAME|FILE.onnx] a pretrained model to start from (bundled: ${listPretrained().join(', ')})
  [--weight-prior NAME|FILE.dwp]  the kernel prior for dwp (bundled: ${listWeightPriors().join(', ')})
  [--effort 1]             multiplies the training steps (0.5 quicker, 2 longer)
  [--foreground-weight 1]  loss weight of foreground voxels (e.g. 2 for thin vessels)
  [--seed 0]               the random seed (patches, augmentation, initial weights)
  [--device auto|cpu|cuda|dml|webgpu|coreml]`;

export function strategyOptionsFromArgs(args: ParsedArgs): StrategyOptions {
  const model = flag(args, 'model'), prior = flag(args, 'weight-prior');
  return {
    effort: positiveNumberFlag(args, 'effort') ?? 1, seed: integerFlag(args, 'seed') ?? 0,
    foregroundWeight: positiveNumberFlag(args, 'foreground-weight') ?? 1,
    pretrained: model ? loadPretrained(model) : undefined,
    bundled: loadBundled(),
    weightPrior: prior ? loadWeightPrior(prior) : undefined,
  };
}
