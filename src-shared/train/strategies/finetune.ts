// Fine-tuning a pretrained model: all layers, all but the middle (the deepest encoder levels and
// the bottleneck stay fixed: Kuzina et al.'s "frozen middle layers" baseline), or a frozen encoder
// with a newly trained decoder (Hu et al.'s localization pre-training recipe).
import { LumenError } from '../../errors.ts';
import type { Strategy, StrategyOptions } from '../strategy.ts';
import { trainOnLabels } from './scratch.ts';
import type { ModelFile } from '../../nn/model-file.ts';

export function requirePretrained(options: StrategyOptions, name: string): ModelFile {
  if (!options.pretrained) throw new LumenError('bad-input', `the ${name} strategy needs a pretrained model (--model NAME or FILE)`);
  return options.pretrained;
}

/** The pretrained model a strategy starts from, refused unless it is `dims`-D with `channels` input channels. */
export function requirePretrainedShape(options: StrategyOptions, name: string, dims: 2 | 3, channels: number): ModelFile {
  const p = requirePretrained(options, name);
  if (p.config.dims !== dims || p.config.inChannels !== channels) {
    throw new LumenError('bad-input', `the ${name} strategy needs a ${dims}D pretrained model with ${channels} input channel(s); the one given is ${p.config.dims}D with ${p.config.inChannels}`);
  }
  return p;
}

/** Parameter-name patterns of the middle of a U-Net: encoder levels ≥ 1 and the decoder level above the bottleneck. */
export function middlePatterns(levels: number): string[] {
  const middle: string[] = [];
  for (let l = 1; l < levels; l++) middle.push(`enc.${l}.*`);
  if (levels >= 2) middle.push(`dec.${levels - 2}.*`);
  return middle;
}

export const finetune: Strategy = (data, options, ctx) => {
  const p = requirePretrained(options, 'finetune');
  return trainOnLabels(data, { model: p.config, init: p.params, strategy: 'finetune', lr: 1e-3, baseSteps: 200 }, options, ctx);
};

/**
 * Fine-tuning with L2-SP (Li et al., ICML 2018): every pretrained weight is pulled back toward its
 * starting value (α = 0.1, the paper's default for the pretrained layers), so a few labeled slices
 * adapt the model without walking it far from what synthetic pre-training taught.
 */
export const L2SP_WEIGHT = 0.1;
export const finetuneL2sp: Strategy = (data, options, ctx) => {
  const p = requirePretrained(options, 'finetune-l2sp');
  return trainOnLabels(data, { model: p.config, init: p.params, strategy: 'finetune-l2sp', lr: 1e-3, baseSteps: 200, anchorWeight: L2SP_WEIGHT }, options, ctx);
};

export const finetuneFrozenMiddle: Strategy = (data, options, ctx) => {
  const p = requirePretrained(options, 'finetune-frozen-middle');
  return trainOnLabels(data, { model: p.config, init: p.params, frozen: middlePatterns(p.config.channels.length), strategy: 'finetune-frozen-middle', lr: 1e-3, baseSteps: 200 }, options, ctx);
};

/** Keeps the encoder, re-initialises and trains the decoder and head. */
export const frozenEncoder: Strategy = (data, options, ctx) => {
  const p = requirePretrained(options, 'frozen-encoder');
  const encoderOnly = new Map([...p.params].filter(([name]) => name.startsWith('enc.')));
  return trainOnLabels(data, { model: p.config, init: encoderOnly, frozen: ['enc.*'], strategy: 'frozen-encoder', baseSteps: 300 }, options, ctx);
};
