// Every strategy by name, and `auto`: the choice a user gets without knowing any of them.
import { LumenError } from '../../errors.ts';
import { isSparseSlices, type LabeledVolume } from '../dataset.ts';
import type { Strategy, StrategyOptions } from '../strategy.ts';
import { scratch } from './scratch.ts';
import { finetune, finetuneFrozenMiddle, finetuneL2sp, frozenEncoder } from './finetune.ts';
import { sparse2d, pseudoLabel3d, pseudoLabelFinetune } from './pseudo-label.ts';
import { localizationPretrain } from './localization.ts';
import { deepWeightPrior } from './dwp.ts';
import { syntheticPretrain } from './synthetic.ts';

export const STRATEGIES: Record<string, Strategy> = {
  scratch,
  finetune,
  'finetune-l2sp': finetuneL2sp,
  'finetune-frozen-middle': finetuneFrozenMiddle,
  'frozen-encoder': frozenEncoder,
  'sparse-2d': sparse2d,
  'pseudo-label': pseudoLabel3d,
  'pseudo-label-finetune': pseudoLabelFinetune,
  'localization-pretrain': localizationPretrain,
  dwp: deepWeightPrior,
  'synthetic-pretrain': syntheticPretrain,
};

/**
 * auto: sparse slices of a stack → a 2D network on the labeled slices (on both VesselNN stacks it
 * beat the pseudo-label 3D phase at the same time budget: see the README); a pretrained model of
 * the same dimensionality and channels → fine-tune it; otherwise train from scratch.
 */
export function chooseStrategy(data: LabeledVolume[], options: StrategyOptions): string {
  if (data.length && data.every(isSparseSlices)) return 'sparse-2d';
  const p = options.pretrained;
  const dims = data.every((v) => v.shape[0] === 1) ? 2 : 3;
  if (p && p.config.dims === dims && p.config.inChannels === data[0]!.channels) return 'finetune';
  return 'scratch';
}

export function strategyByName(name: string, data: LabeledVolume[], options: StrategyOptions): { name: string; run: Strategy } {
  const resolved = name === 'auto' ? chooseStrategy(data, options) : name;
  const run = STRATEGIES[resolved];
  if (!run) throw new LumenError('bad-input', `unknown strategy '${name}'; choose one of: auto, ${Object.keys(STRATEGIES).join(', ')}`);
  return { name: resolved, run };
}
