// Overlap scores of a binary prediction against a binary truth, or per class of two class maps,
// optionally inside a mask (DRIVE scores inside the field of view; sparse-label experiments score
// unlabeled slices).

export interface BinaryScores {
  dice: number; iou: number; precision: number; recall: number;
  confusion: { tp: number; fp: number; fn: number; tn: number };
}

type Binary = ArrayLike<number>;

export function binaryScores(pred: Binary, truth: Binary, mask?: Binary): BinaryScores {
  if (pred.length !== truth.length || (mask && mask.length !== pred.length)) {
    throw new Error(`scores need equal sizes (prediction ${pred.length}, truth ${truth.length}${mask ? `, mask ${mask.length}` : ''})`);
  }
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < pred.length; i++) {
    if (mask && !mask[i]) continue;
    const p = pred[i]! > 0, t = truth[i]! > 0;
    if (p && t) tp++; else if (p) fp++; else if (t) fn++; else tn++;
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b); // empty vs empty is perfect agreement
  return {
    dice: ratio(2 * tp, 2 * tp + fp + fn), iou: ratio(tp, tp + fp + fn),
    precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), confusion: { tp, fp, fn, tn },
  };
}

export interface ClassScores {
  /** by class value */
  perClass: Record<number, BinaryScores>;
  /** means over `classes` (0 when there are none) */
  meanDice: number;
  meanIoU: number;
}

/**
 * Per-class overlap of two class maps, one class value at a time (voxel is class c in both, in
 * one, in neither), optionally inside a mask; means over `classes`.
 */
export function classScores(pred: ArrayLike<number>, truth: ArrayLike<number>, classes: readonly number[], mask?: Binary): ClassScores {
  if (pred.length !== truth.length || (mask && mask.length !== pred.length)) {
    throw new Error(`scores need equal sizes (prediction ${pred.length}, truth ${truth.length}${mask ? `, mask ${mask.length}` : ''})`);
  }
  // one pass: a confusion count per (predicted, true) value pair of interest; other values pool in slot 0
  const slot = new Map(classes.map((c, i) => [c, i + 1]));
  const S = classes.length + 1;
  const pairs = new Float64Array(S * S);
  let total = 0;
  for (let i = 0; i < pred.length; i++) {
    if (mask && !mask[i]) continue;
    pairs[(slot.get(pred[i]!) ?? 0) * S + (slot.get(truth[i]!) ?? 0)]!++;
    total++;
  }
  const perClass: Record<number, BinaryScores> = {};
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  classes.forEach((c, k) => {
    const s = k + 1;
    let predCount = 0, truthCount = 0;
    for (let j = 0; j < S; j++) { predCount += pairs[s * S + j]!; truthCount += pairs[j * S + s]!; }
    const tp = pairs[s * S + s]!, fp = predCount - tp, fn = truthCount - tp, tn = total - tp - fp - fn;
    perClass[c] = {
      dice: ratio(2 * tp, 2 * tp + fp + fn), iou: ratio(tp, tp + fp + fn),
      precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), confusion: { tp, fp, fn, tn },
    };
  });
  const mean = (f: (s: BinaryScores) => number) => (classes.length ? classes.reduce((a, c) => a + f(perClass[c]!), 0) / classes.length : 0);
  return { perClass, meanDice: mean((s) => s.dice), meanIoU: mean((s) => s.iou) };
}
