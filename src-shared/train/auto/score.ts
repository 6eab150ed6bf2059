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
  /**
   * The same counts per spatial block of the held-out voxels (BLOCK³ voxels), STATS numbers per
   * class: how much a score would move with other held-out voxels (clearlyBetter). Absent without a shape.
   */
  blocks?: Float64Array[];
}

/** Per class index, in a block: true positives, false positives, false negatives, summed true-class probability, voxels. */
const STATS = 5;
const BLOCK = 16;

export function heldOutScore(prob: Float32Array, labels: Uint8Array, classes: readonly number[], shape?: readonly [number, number, number]): HeldOutScore {
  const n = labels.length;
  const K = classes.length, outC = K <= 2 ? 1 : K;
  const index = classIndexTable(classes);
  const tp = new Float64Array(K), fp = new Float64Array(K), fn = new Float64Array(K), count = new Float64Array(K), trueP = new Float64Array(K);
  const blockOf = new Map<number, Float64Array>();
  const [, H = 1, W = 1] = shape ?? [];
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (!l) continue;
    const t = index[l]!;
    if (t < 0) continue;
    let p: number, pt: number;
    if (outC === 1) {
      p = prob[i]! >= 0.5 ? 1 : 0;
      pt = t === 1 ? prob[i]! : 1 - prob[i]!;
    } else {
      p = 0;
      for (let c = 1; c < K; c++) if (prob[c * n + i]! > prob[p * n + i]!) p = c;
      pt = prob[t * n + i]!;
    }
    trueP[t]! += pt;
    count[t]++;
    if (p === t) tp[t]++; else { fp[p]++; fn[t]++; }
    if (shape) {
      const x = i % W, y = Math.floor(i / W) % H, z = Math.floor(i / (W * H));
      const id = (Math.floor(z / BLOCK) * Math.ceil(H / BLOCK) + Math.floor(y / BLOCK)) * Math.ceil(W / BLOCK) + Math.floor(x / BLOCK);
      let b = blockOf.get(id);
      if (!b) blockOf.set(id, (b = new Float64Array(K * STATS)));
      if (p === t) b[t * STATS]!++; else { b[p * STATS + 1]!++; b[t * STATS + 2]!++; }
      b[t * STATS + 3]! += pt; b[t * STATS + 4]!++;
    }
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
  return { dice: dices.length ? dices.reduce((a, b) => a + b, 0) / dices.length : 0, perClass, voxels, soft, ...(shape ? { blocks: [...blockOf.values()] } : {}) };
}

/** The ranking metric on summed block stats: mean Dice over the classes ≥ 2, or the soft score. */
function metricOf(stats: Float64Array, K: number, soft: boolean): number {
  let sum = 0, terms = 0;
  for (let k = soft ? 0 : 1; k < K; k++) {
    const [tp, fp, fn, tP, count] = [0, 1, 2, 3, 4].map((j) => stats[k * STATS + j]!);
    if (soft) { if (count! > 0) { sum += tP! / count!; terms++; } continue; }
    const denom = 2 * tp! + fp! + fn!;
    if (denom > 0) { sum += (2 * tp!) / denom; terms++; }
  }
  return terms ? sum / terms : 0;
}

/** Resamples of the held-out blocks behind clearlyBetter. */
const BOOTSTRAP = 400;

/**
 * Whether `a` beats `b` by more than the standard error of their difference (estimated by
 * resampling the held-out blocks; both are scored on the same voxels) times √(2 ln k) for the best
 * of k candidates: the one-standard-error rule of model selection, with the margin by which the
 * best of k equally good candidates leads by luck alone. Where held-out labels are few or alike, a
 * higher score is often luck, and `auto` then keeps the simpler candidate (the pixel classifier
 * comes first).
 */
export function clearlyBetter(a: HeldOutScore, b: HeldOutScore, candidates = 1): boolean {
  const soft = Math.min(...Object.values(a.voxels)) < FEW_HELD_OUT;
  const point = soft ? a.soft - b.soft : a.dice - b.dice;
  if (point <= 0) return false;
  if (!a.blocks || !b.blocks || a.blocks.length !== b.blocks.length || a.blocks.length < 2) return compareScores(a, b) > 0;
  const m = a.blocks.length, size = a.blocks[0]!.length, K = size / STATS;
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const diffs: number[] = [];
  const sa = new Float64Array(size), sb = new Float64Array(size);
  for (let r = 0; r < BOOTSTRAP; r++) {
    sa.fill(0); sb.fill(0);
    for (let j = 0; j < m; j++) {
      const pick = Math.floor(rand() * m);
      const ba = a.blocks[pick]!, bb = b.blocks[pick]!;
      for (let q = 0; q < size; q++) { sa[q]! += ba[q]!; sb[q]! += bb[q]!; }
    }
    diffs.push(metricOf(sa, K, soft) - metricOf(sb, K, soft));
  }
  const mean = diffs.reduce((x, y) => x + y, 0) / diffs.length;
  const se = Math.sqrt(diffs.reduce((x, y) => x + (y - mean) ** 2, 0) / (diffs.length - 1));
  return point > se * Math.max(1, Math.sqrt(2 * Math.log(candidates)));
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
