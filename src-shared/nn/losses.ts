// Losses as graph pieces. Every loss takes a per-voxel weight map: 0 where nothing is known
// (unlabeled voxels contribute nothing), 1 on labels, λ < 1 on pseudo-labels.
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

export function mse(g: Graph, pred: Value, target: Value, weight: Value): Value {
  const d = op.sub(g, pred, target);
  return op.div(g, op.sumAll(g, op.mul(g, weight, op.mul(g, d, d))), op.add(g, op.sumAll(g, weight), g.scalar(EPS)));
}

export function weightedSum(g: Graph, terms: [Value, number][]): Value {
  return terms.map(([v, c]) => (c === 1 ? v : op.mul(g, v, g.scalar(c)))).reduce((a, b) => op.add(g, a, b));
}

export type LossName = 'bce' | 'dice' | 'bce+dice' | 'mse';

export function segmentationLoss(g: Graph, name: LossName, logits: Value, target: Value, weight: Value): Value {
  switch (name) {
    case 'bce': return bceWithLogits(g, logits, target, weight);
    case 'dice': return softDice(g, logits, target, weight);
    case 'bce+dice': return weightedSum(g, [[bceWithLogits(g, logits, target, weight), 1], [softDice(g, logits, target, weight), 1]]);
    case 'mse': return mse(g, logits, target, weight);
  }
}
