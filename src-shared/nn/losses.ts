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
