// Losses as graph pieces. Every loss takes a per-voxel weight map: 0 where nothing is known
// (unlabeled voxels contribute nothing), 1 on labels, λ < 1 on pseudo-labels.
// Binary networks (one output channel) train with sigmoid losses on a 0/1 target; networks with
// K > 1 channels with softmax losses on the same one-channel target, which holds the class index.
import type { Graph, Value } from './graph.ts';
import * as op from './ops.ts';

const EPS = 1e-6;

/** Σ w·(softplus(x) − x·y) / Σ w: binary cross-entropy on logits, stable for large |x|. */
export function bceWithLogits(g: Graph, logits: Value, target: Value, weight: Value): Value {
  const perVoxel = op.sub(g, op.softplus(g, logits), op.mul(g, logits, target));
  return op.div(g, op.sumAll(g, op.mul(g, weight, perVoxel)), op.add(g, op.sumAll(g, weight), g.scalar(EPS)));
}

/** 1 − mean over channels of (2Σ w·p·y + s) / (Σ w·p + Σ w·y + s), p = σ(logits). */
export function softDice(g: Graph, logits: Value, target: Value, weight: Value, smooth = 1): Value {
  const p = op.sigmoid(g, logits);
  const axes = [0, ...logits.shape.map((_, i) => i).slice(2)];
  const wp = op.mul(g, weight, p);
  const inter = op.reduceSum(g, op.mul(g, wp, target), axes, false);
  const denom = op.add(g, op.reduceSum(g, wp, axes, false), op.reduceSum(g, op.mul(g, weight, target), axes, false));
  const s = g.scalar(smooth);
  const dice = op.div(g, op.add(g, op.mul(g, inter, g.scalar(2)), s), op.add(g, denom, s));
  return op.sub(g, g.scalar(1), op.reduceMean(g, dice, [0], false));
}

/** The class-index target [N,1,…] as one-hot [N,K,…]: Equal against the constant range 0…K−1 [1,K,1,…], then Cast. */
export function oneHot(g: Graph, target: Value, classes: number): Value {
  const range = g.constant(Float32Array.from({ length: classes }, (_, k) => k), [1, classes, ...target.shape.slice(2).map(() => 1)], 'class_index');
  return op.cast(g, op.equal(g, target, range), 'float32');
}

/** Σ w·(−log softmax(logits)[target]) / Σ w: cross-entropy over the channel axis; target [N,1,…] holds class indices. */
export function softmaxCrossEntropy(g: Graph, logits: Value, target: Value, weight: Value): Value {
  const logP = op.logSoftmax(g, logits, 1);
  const perVoxel = op.neg(g, op.reduceSum(g, op.mul(g, oneHot(g, target, logits.shape[1]!), logP), [1], true));
  return op.div(g, op.sumAll(g, op.mul(g, weight, perVoxel)), op.add(g, op.sumAll(g, weight), g.scalar(EPS)));
}

/**
 * 1 − mean over the classes ≥ 1 of (2Σ w·p·y + s) / (Σ w·p + Σ w·y + s), p = softmax(logits):
 * background (index 0) is left out, as it dwarfs the classes and is learned by the cross-entropy.
 */
export function multiClassSoftDice(g: Graph, logits: Value, target: Value, weight: Value, smooth = 1): Value {
  const k = logits.shape[1]!;
  const p = op.softmax(g, logits, 1);
  const y = oneHot(g, target, k);
  const axes = [0, ...logits.shape.map((_, i) => i).slice(2)];
  const wp = op.mul(g, weight, p);
  const inter = op.reduceSum(g, op.mul(g, wp, y), axes, false);
  const denom = op.add(g, op.reduceSum(g, wp, axes, false), op.reduceSum(g, op.mul(g, weight, y), axes, false));
  const s = g.scalar(smooth);
  const dice = op.div(g, op.add(g, op.mul(g, inter, g.scalar(2)), s), op.add(g, denom, s));
  return op.sub(g, g.scalar(1), op.reduceMean(g, op.slice(g, dice, [0], [1], [k]), [0], false));
}

export function mse(g: Graph, pred: Value, target: Value, weight: Value): Value {
  const d = op.sub(g, pred, target);
  return op.div(g, op.sumAll(g, op.mul(g, weight, op.mul(g, d, d))), op.add(g, op.sumAll(g, weight), g.scalar(EPS)));
}

export function weightedSum(g: Graph, terms: [Value, number][]): Value {
  return terms.map(([v, c]) => (c === 1 ? v : op.mul(g, v, g.scalar(c)))).reduce((a, b) => op.add(g, a, b));
}

/**
 * StarDist's loss (Schmidt et al. 2018; Weigert et al. 2020) on logits [N, 1+R, …] against
 * target [N, 1+R, …] (channel 0: the object probability, a normalised distance to the boundary;
 * channels 1…R: the distances along each ray) with a one-channel weight [N, 1, …] (0 outside the
 * annotated region): BCE on the probability over all weighted voxels, plus `distWeight` × the
 * mean over rays of |d − d̂| weighted by weight · probability target, so voxels near an object's
 * centre, whose distances matter most for the polygon, count most; plus `backgroundReg` × the
 * mean |d| on background voxels (keeps distances there small and the head well-conditioned).
 */
export function starDistLoss(g: Graph, logits: Value, target: Value, weight: Value, opts: { distWeight?: number; backgroundReg?: number } = {}): Value {
  const c = logits.shape[1]!;
  const rays = c - 1;
  const probLogit = op.slice(g, logits, [1], [0], [1]);
  const probTarget = op.slice(g, target, [1], [0], [1]);
  const prob = bceWithLogits(g, probLogit, probTarget, weight);
  const absError = op.reduceMean(g, op.abs(g, op.sub(g, op.slice(g, logits, [1], [1], [c]), op.slice(g, target, [1], [1], [c]))), [1], true);
  const objectWeight = op.mul(g, weight, probTarget);
  const dist = op.div(g, op.sumAll(g, op.mul(g, objectWeight, absError)), op.add(g, op.sumAll(g, objectWeight), g.scalar(EPS)));
  const terms: [Value, number][] = [[prob, 1], [dist, opts.distWeight ?? 0.2]];
  if (rays > 0 && (opts.backgroundReg ?? 1e-4) > 0) {
    const background = op.mul(g, weight, op.cast(g, op.equal(g, probTarget, g.scalar(0)), 'float32'));
    const size = op.reduceMean(g, op.abs(g, op.slice(g, logits, [1], [1], [c])), [1], true);
    terms.push([op.div(g, op.sumAll(g, op.mul(g, background, size)), op.add(g, op.sumAll(g, background), g.scalar(EPS))), opts.backgroundReg ?? 1e-4]);
  }
  return weightedSum(g, terms);
}

export type LossName = 'bce' | 'dice' | 'bce+dice' | 'mse';

/**
 * The named loss for these logits: with one channel BCE / soft Dice on sigmoid; with K > 1
 * channels 'bce' is softmax cross-entropy and 'dice' the multi-class soft Dice (target: class index).
 */
export function segmentationLoss(g: Graph, name: LossName, logits: Value, target: Value, weight: Value): Value {
  const multi = logits.shape[1]! > 1;
  const ce = () => (multi ? softmaxCrossEntropy : bceWithLogits)(g, logits, target, weight);
  const dice = () => (multi ? multiClassSoftDice : softDice)(g, logits, target, weight);
  switch (name) {
    case 'bce': return ce();
    case 'dice': return dice();
    case 'bce+dice': return weightedSum(g, [[ce(), 1], [dice(), 1]]);
    case 'mse': return mse(g, logits, target, weight);
  }
}
