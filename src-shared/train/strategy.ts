// The contract every training strategy meets: (labeled volumes, options, context) → model.
import type { SessionFactory } from '../nn/session.ts';
import type { ModelFile } from '../nn/model-file.ts';
import type { LabeledVolume } from './dataset.ts';
import type { WeightPrior } from './dwp/prior.ts';

export interface StrategyProgress {
  phase: string;
  step: number;
  steps: number;
  loss?: number;
  validationDice?: number;
}

export interface StrategyContext {
  factory: SessionFactory;
  progress?: (p: StrategyProgress) => void;
  shouldStop?: () => boolean;
  /**
   * performance.now() after which every training phase ends at its next step, keeping its best
   * weights so far (a time cap per run, as `lumen experiment` sets); the report then says
   * `outOfTime: true`. Prediction phases (pseudo-labels) still run: the model must be complete.
   */
  deadline?: number;
}

export interface StrategyOptions {
  /** a pretrained model to start from (fine-tuning strategies) */
  pretrained?: ModelFile;
  /** multiplies every phase's step count: 0.25 for a quick look, 2 for a thorough run */
  effort?: number;
  /**
   * Cheap point labels ("clicks" on objects) for localization pre-training, possibly on more
   * images than carry masks. Without them, clicks are simulated from the masks' foreground.
   */
  pointUnits?: PointUnit[];
  /**
   * Pretrained models `auto` may fine-tune when their dimensionality and channels match the data
   * (the bundled ones, by name); an explicit `pretrained` model joins them.
   */
  bundled?: { name: string; model: ModelFile }[];
  /** a Deep Weight Prior fitted on source models (the dwp strategy) */
  weightPrior?: WeightPrior;
  /** relative loss weight of foreground voxels (thin structures) */
  foregroundWeight?: number;
  seed?: number;
}

export interface PointUnit {
  shape: [number, number, number];
  channels: number;
  image: Float32Array;
  /** z, y, x of each click */
  points: [number, number, number][];
}

export interface StrategyResult {
  model: ModelFile;
  /** what the strategy did and measured (phases, steps, held-out Dice) */
  report: Record<string, unknown>;
}

export type Strategy = (data: LabeledVolume[], options: StrategyOptions, ctx: StrategyContext) => Promise<StrategyResult>;
