// Fine-tuning pretrained models as candidates of `auto`: a model the user named, then the bundled
// ones, wherever their dimensionality and channels fit the data (2D models on labeled planes, 3D
// models on stacks). No flag needed: the held-out score decides whether starting from them pays.
import type { LabeledVolume } from '../dataset.ts';
import type { LabelLayout } from '../layout.ts';
import type { StrategyOptions } from '../strategy.ts';
import { FINETUNE_2D, type Candidate } from './candidate.ts';
import { planes2dCandidate } from './planes-2d.ts';
import { unet3dCandidate } from './unet-3d.ts';

/** At most this many pretrained models are fine-tuned per run, so the time budget holds as models are added. */
export const MAX_FINETUNED = 2;

export function finetuneCandidates(data: LabeledVolume[], layouts: LabelLayout[], options: StrategyOptions): Candidate[] {
  const planar = layouts.every((l) => l.kind === 'planes');
  const isImage = data.every((v) => v.shape[0] === 1);
  const channels = data[0]!.channels;
  const pool = [...(options.pretrained ? [{ name: 'the given model', model: options.pretrained }] : []), ...(options.bundled ?? [])];
  const fits = pool.filter(({ model }) => model.config.inChannels === channels && (model.config.dims === 2 ? planar : !isImage));
  return fits.slice(0, MAX_FINETUNED).map(({ name, model }) => model.config.dims === 2
    ? planes2dCandidate({ name: `finetune ${name}`, init: model, ...FINETUNE_2D })
    : unet3dCandidate({ name: `finetune ${name}`, init: model, lr: 1e-3, baseSteps: 150 }));
}
