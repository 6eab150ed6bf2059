// What `auto` compares: each candidate trains on the training part of the labels, predicts every
// voxel, and is scored on the held-out part (validation-split.ts). Probabilities follow the class
// contract of classes.ts: planar [Kout][D][H][W], Kout = 1 (binary) or K.
import type { LabeledVolume } from '../dataset.ts';
import type { LabelLayout } from '../layout.ts';
import type { StrategyContext, StrategyOptions } from '../strategy.ts';
import type { Segmenter } from '../../segmenter/segmenter.ts';
import type { UNetConfig } from '../../nn/unet.ts';

export interface CandidateInput {
  /** images with the training part of the labels */
  train: LabeledVolume[];
  /** the same images with the held-out part of the labels (networks stop early on it) */
  validation: LabeledVolume[];
  layouts: LabelLayout[];
  classes: number[];
  options: StrategyOptions;
  ctx: StrategyContext;
  /** performance.now() by which a network ends its training (keeping its best weights): `auto`'s time budget */
  deadline?: number;
  /** what the candidates before this one produced, on the same labels (a stacked candidate builds on the forest's) */
  earlier?: CandidateOutput[];
}

export interface CandidateOutput {
  name: string;
  /** per volume, planar [Kout][D][H][W] */
  probabilities: Float32Array[];
  segmenter: Segmenter;
  report: Record<string, unknown>;
  /**
   * Learns on from the weights it reached, on more labels (the planes held out while candidates
   * competed): a short run instead of training again from the start. Absent: run it again.
   */
  resume?: (more: CandidateInput) => Promise<CandidateOutput>;
}

/** A resumed network trains this share of its steps, at this share of its learning rate. */
export const RESUME_STEPS = 0.3;
export const RESUME_LR = 0.3;

/** A 2D network started from pretrained weights: a lower rate and fewer steps than from He init (250 at 3e-3). */
export const FINETUNE_2D = { lr: 1e-3, baseSteps: 200 } as const;

export interface Candidate {
  name: string;
  /** a pixel classifier: trusted where networks are not (coverage.ts) */
  forest?: boolean;
  run(input: CandidateInput): Promise<CandidateOutput>;
}

/** What a network candidate may be told: its name, a pretrained model to start from, its training length. */
export interface NetworkCandidateOptions {
  name?: string;
  /** a pretrained model to start from (fine-tuning), else He init; its head is replaced when the class count differs */
  init?: { config: UNetConfig; params: Map<string, Float32Array> };
  /** steps at effort 1 */
  baseSteps?: number;
  lr?: number;
}
