// Overlap scores of a binary prediction against a binary truth, optionally inside a mask
// (DRIVE scores inside the field of view; sparse-label experiments score unlabeled slices).

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
