// Where a segmentation's mistakes lie: on the truth's outline or away from it. For thin structures
// such as capillaries a one-pixel disagreement about the outline moves Dice by tens of percent, and
// hand-drawn outlines of faint vessels are themselves uncertain by about a pixel; errors away from
// the outline (a missed or an invented vessel) are the ones a better model can remove.
import { binaryScores } from './metrics.ts';

export interface BoundaryErrors {
  /** wrong voxels (false positives + false negatives) inside the mask */
  errors: number;
  /** the share of them that touch the truth's in-plane outline (8-neighbourhood) */
  onOutline: number;
  /** Dice if every error on the outline were right: the most a perfect outline could add */
  diceWithoutOutlineErrors: number;
}

/** Volumes are [D, H, W] in z-major order; outlines are taken slice by slice (in-plane). */
export function boundaryErrors(pred: ArrayLike<number>, truth: ArrayLike<number>, shape: readonly [number, number, number], mask?: ArrayLike<number>): BoundaryErrors {
  const [D, H, W] = shape;
  if (pred.length !== D * H * W || truth.length !== pred.length || (mask && mask.length !== pred.length)) {
    throw new Error(`boundary errors need volumes of ${D}×${H}×${W} voxels (prediction ${pred.length}, truth ${truth.length}${mask ? `, mask ${mask.length}` : ''})`);
  }
  const onOutline = (k: number, y: number, x: number): boolean => {
    const inside = truth[k]! > 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = y + dy, xx = x + dx;
      if (yy >= 0 && xx >= 0 && yy < H && xx < W && (truth[k + dy * W + dx]! > 0) !== inside) return true;
    }
    return false;
  };
  // the totals come from binaryScores; this pass only asks which of the errors sit on an outline
  const { tp, fp, fn } = binaryScores(pred, truth, mask).confusion;
  let fpOutline = 0, fnOutline = 0;
  for (let z = 0, k = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, k++) {
    if ((mask && !mask[k]) || (pred[k]! > 0) === (truth[k]! > 0) || !onOutline(k, y, x)) continue;
    if (pred[k]! > 0) fpOutline++; else fnOutline++;
  }
  const errors = fp + fn;
  const tpFixed = tp + fnOutline;
  const denominator = 2 * tpFixed + (fp - fpOutline) + (fn - fnOutline);
  return {
    errors,
    onOutline: errors === 0 ? 0 : (fpOutline + fnOutline) / errors,
    diceWithoutOutlineErrors: denominator === 0 ? 1 : (2 * tpFixed) / denominator,
  };
}
