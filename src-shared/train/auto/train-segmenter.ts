// Every way to train a segmenter by name. `auto` and the candidates it compares (the pixel
// classifier, 2D networks on the labeled planes, a 3D network) run through runAuto, so each reports
// a held-out score; the single-network strategies of strategies/ (finetune, dwp, …) keep their own
// loops and become a one-network segmenter.
import type { LabeledVolume } from '../dataset.ts';
import type { StrategyContext, StrategyOptions } from '../strategy.ts';
import { STRATEGIES } from '../strategies/index.ts';
import { trainableClasses } from '../classes.ts';
import { LumenError } from '../../errors.ts';
import type { Segmenter } from '../../segmenter/segmenter.ts';
import { runAuto } from './run-auto.ts';
import { pixelClassifierCandidate } from './pixel-classifier.ts';
import { planes2dCandidate } from './planes-2d.ts';
import { unet3dCandidate } from './unet-3d.ts';
import { FINETUNE_2D, type Candidate } from './candidate.ts';
import { requirePretrainedShape } from '../strategies/finetune.ts';

export interface TrainedSegmenter {
  strategy: string;
  segmenter: Segmenter;
  classes: number[];
  /** whole-volume probabilities of the training volumes when training produced them (planar [Kout][D][H][W]) */
  probabilities?: Float32Array[];
  report: Record<string, unknown>;
}

const CANDIDATE_STRATEGIES: Record<string, (options: StrategyOptions, channels: number) => Candidate> = {
  'pixel-classifier': pixelClassifierCandidate,
  'sparse-2d': () => planes2dCandidate({ name: 'sparse-2d' }),
  '3d': () => unet3dCandidate({ name: '3d' }),
  // the 2D network of labeled planes started from a pretrained 2D model, as auto's fine-tuning candidate does
  'finetune-2d': (options, channels) => planes2dCandidate({ name: 'finetune-2d', init: requirePretrainedShape(options, 'finetune-2d', 2, channels), ...FINETUNE_2D }),
};

export const STRATEGY_NAMES = ['auto', ...Object.keys(CANDIDATE_STRATEGIES), ...Object.keys(STRATEGIES).filter((s) => !(s in CANDIDATE_STRATEGIES))];

export async function trainSegmenter(name: string, data: LabeledVolume[], options: StrategyOptions, ctx: StrategyContext): Promise<TrainedSegmenter> {
  if (name === 'auto' || name in CANDIDATE_STRATEGIES) {
    const r = await runAuto(data, options, ctx, name === 'auto' ? undefined : [CANDIDATE_STRATEGIES[name]!(options, data[0]?.channels ?? 1)]);
    // one strategy by name: how its training ended (early stopping, a deadline) shows in the report as every strategy's does
    const ended = (flag: 'stoppedEarly' | 'outOfTime') => name !== 'auto' && r.report.candidates.some((c) => c.report?.[flag] === true);
    return {
      strategy: name === 'auto' ? `auto: ${r.report.chosen}` : name, segmenter: r.segmenter, classes: r.classes, probabilities: r.probabilities,
      report: { ...r.report, ...(ended('stoppedEarly') ? { stoppedEarly: true } : {}), ...(ended('outOfTime') ? { outOfTime: true } : {}) },
    };
  }
  const run = STRATEGIES[name];
  if (!run) throw new LumenError('bad-input', `unknown strategy '${name}'; choose one of: ${STRATEGY_NAMES.join(', ')}`);
  const classes = trainableClasses(...data.map((v) => v.labels));
  const r = await run(data, options, ctx);
  return { strategy: name, segmenter: { kind: 'unet', model: { ...r.model, classes: r.model.classes ?? classes } }, classes, report: r.report };
}
