// Scores of whole-volume probabilities on held-out labels: Dice per class on the labeled voxels
// (binary: P ≥ 0.5; K classes: the most probable), and their mean over the classes ≥ 2. This is
// what `auto` ranks candidates by and what the run report shows.
import { classIndexTable } from '../classes.ts';

export interface HeldOutScore {
  /** mean Dice over the classes ≥ 2 that the held-out labels or the prediction hold */
  dice: number;
  perClass: Record<string, number>;
  /** labeled voxels the score rests on, per class value */
  voxels: Record<string, number>;
  /**
   * The probability given to the true class, averaged per class, then over classes: breaks ties of
   * Dice, which on a few held-out voxels (strokes) is often 1.0 for several candidates.
   */
  soft: number;
}

export function heldOutScore(prob: Float32Array, labels: Uint8Array, classes: readonly number[]): HeldOutScore {
  const n = labels.length;
  const K = classes.length, outC = K <= 2 ? 1 : K;
  const index = classIndexTable(classes);
  const tp = new Float64Array(K), fp = new Float64Array(K), fn = new Float64Array(K), count = new Float64Array(K), trueP = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (!l) continue;
    const t = index[l]!;
    if (t < 0) continue;
    let p: number;
    if (outC === 1) {
      p = prob[i]! >= 0.5 ? 1 : 0;
      trueP[t]! += t === 1 ? prob[i]! : 1 - prob[i]!;
    } else {
      p = 0;
      for (let c = 1; c < K; c++) if (prob[c * n + i]! > prob[p * n + i]!) p = c;
      trueP[t]! += prob[t * n + i]!;
    }
    count[t]++;
    if (p === t) tp[t]++; else { fp[p]++; fn[t]++; }
  }
  const perClass: Record<string, number> = {}, voxels: Record<string, number> = {};
  const dices: number[] = [];
  for (let k = 0; k < K; k++) {
    voxels[classes[k]!] = count[k]!;
    if (k === 0) continue;
    const denom = 2 * tp[k]! + fp[k]! + fn[k]!;
    if (denom === 0) continue;
    const d = (2 * tp[k]!) / denom;
    perClass[classes[k]!] = +d.toFixed(4);
    dices.push(d);
  }
  const present = [...count.keys()].filter((k) => count[k]! > 0);
  const soft = present.length ? present.reduce((a, k) => a + trueP[k]! / count[k]!, 0) / present.length : 0;
  return { dice: dices.length ? dices.reduce((a, b) => a + b, 0) / dices.length : 0, perClass, voxels, soft };
}

/** Dice within this of each other is a tie, settled by the soft score. */
const DICE_TIE = 0.005;
/**
 * Below this many held-out voxels in some class, Dice moves by whole tenths with one voxel (strokes,
 * small classes), so candidates are ranked by the soft score alone, which every voxel moves a little.
 */
export const FEW_HELD_OUT = 50;
/** …and soft scores this close are a tie, which keeps the earlier candidate (the pixel classifier first). */
const SOFT_TIE = 0.02;

/** > 0 when `a` ranks above `b` (both scored on the same held-out voxels). */
export function compareScores(a: HeldOutScore, b: HeldOutScore): number {
  const fewest = Math.min(...Object.values(a.voxels));
  if (fewest < FEW_HELD_OUT) return Math.abs(a.soft - b.soft) > SOFT_TIE ? a.soft - b.soft : 0;
  return Math.abs(a.dice - b.dice) > DICE_TIE ? a.dice - b.dice : a.soft - b.soft;
}
