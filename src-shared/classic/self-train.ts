// Self-training on the volume itself, with no labels at all (test-time adaptation): a network that
// learned vessels on synthetic stacks marks on a real stack what it is sure of, the bright cores,
// and misses the faint and the wide parts annotators trace (zero-shot precision 0.9, recall 0.4
// on the VesselNN stacks). Its decisions become the labels of a pixel forest learned on this
// volume's own filter features: voxels the network calls vessel (p > `positive`) and voxels it
// is sure are not (p < `negative`); the undecided band between them stays unlabeled. The forest
// then sorts every voxel by how much it looks like this stack's vessels rather than this stack's
// background, which carries the network's decision to the voxels it was unsure of. The forest
// samples both sides equally: in the proportions of the pseudo-labels it would inherit the
// network's under-segmentation (class-balanced self-training, Zou et al., ECCV 2018).
import { LumenError } from '../errors.ts';
import type { SessionFactory } from '../nn/session.ts';
import type { LabeledVolume } from '../train/dataset.ts';
import type { StrategyProgress } from '../train/strategy.ts';
import { trainPixelClassifier } from './train.ts';
import { predictPixelClassifier } from './predict.ts';

export interface SelfTrainOptions {
  /** probability above which a voxel is taken as structure (default 0.5: the network's own decision) */
  positive?: number;
  /** probability below which a voxel is taken as background (default 0.05) */
  negative?: number;
  seed?: number;
  /** fewest voxels each side needs before a forest is worth learning (default 50) */
  minVoxels?: number;
}

export const SELF_TRAIN_DEFAULTS = { positive: 0.5, negative: 0.05, minVoxels: 50 } as const;

/** Labels in Lumen's convention (0 unlabeled, 1 background, 2 structure) from a probability map; NaN (outside a field of view) stays unlabeled. */
export function pseudoLabels(prob: ArrayLike<number>, positive: number, negative: number): { labels: Uint8Array; positives: number; negatives: number } {
  if (!(negative >= 0 && negative < positive && positive <= 1)) throw new LumenError('bad-input', `self-training needs 0 ≤ negative < positive ≤ 1 (given ${negative} and ${positive})`);
  const labels = new Uint8Array(prob.length);
  let positives = 0, negatives = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    if (p > positive) { labels[i] = 2; positives++; } else if (p < negative) { labels[i] = 1; negatives++; }
  }
  return { labels, positives, negatives };
}

export interface SelfTrainResult {
  /** the forest's structure probability per voxel */
  prob: Float32Array;
  report: { positives: number; negatives: number; seconds: number; forest: Record<string, unknown> };
}

/**
 * Learns a pixel forest from `prob`'s confident voxels of `volume` (z-scored planar image, as
 * training sees it) and returns its probabilities for the whole volume. Refuses, with a reason,
 * a map with too few confident voxels on either side: there is nothing to learn from.
 */
export async function selfTrain(factory: SessionFactory, volume: Omit<LabeledVolume, 'labels'>, prob: Float32Array, options: SelfTrainOptions = {},
  progress?: (p: StrategyProgress) => void): Promise<SelfTrainResult> {
  const t0 = performance.now();
  const [D, H, W] = volume.shape;
  if (prob.length !== D * H * W) throw new LumenError('shape-mismatch', `the probability map holds ${prob.length} values, ${D}×${H}×${W} expected`);
  const o = { ...SELF_TRAIN_DEFAULTS, ...options };
  const { labels, positives, negatives } = pseudoLabels(prob, o.positive, o.negative);
  if (positives < o.minVoxels) throw new LumenError('bad-input', `the model finds almost nothing in this volume (${positives} voxels above ${o.positive}), so there is nothing to self-train on; predict without --self-train`);
  if (negatives < o.minVoxels) throw new LumenError('bad-input', `the model is sure of almost no background in this volume (${negatives} voxels below ${o.negative}), so there is nothing to self-train on; predict without --self-train`);
  const { model, report: forest } = await trainPixelClassifier([{ ...volume, labels }], { seed: o.seed ?? 1, spacing: volume.spacing, balanceClasses: true }, { factory, progress });
  const out = await predictPixelClassifier(factory, model, volume.image, volume.shape, volume.channels, (done, total) =>
    progress?.({ phase: 'self-training: predict', step: done, steps: total }));
  return { prob: out, report: { positives, negatives, seconds: (performance.now() - t0) / 1000, forest } };
}
