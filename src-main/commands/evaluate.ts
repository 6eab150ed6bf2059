// `lumen evaluate --pred P --truth T [--mask M]`: Dice, IoU, precision, recall and the confusion
// matrix as one JSON line.
// Binary files (each holds 0 and at most one other value, e.g. 0/1 against 0/255): any non-zero
// voxel is foreground, and `outline` says how many of the wrong voxels touch a drawn outline: on
// thin structures such as vessels, outline disagreements of a pixel can dominate Dice while every
// object is found.
// Class maps (whole values, several classes, as a multi-class `lumen segment` writes them): the
// scores of every class value ≥ 2 found in either file, and their mean; 0 and 1 are background.
// Instance labels (`--instances`, `--objects`) are handled in ../evaluate-instances.ts.
import { readVolume } from '../../src-shared/io/index.ts';
import { binaryScores, classScores } from '../../src-shared/eval/metrics.ts';
import { boundaryErrors } from '../../src-shared/eval/boundary-errors.ts';
import { LumenError } from '../../src-shared/errors.ts';
import { FIRST_CLASS, MAX_LABEL } from '../../src-shared/labels/classes.ts';
import { parseArgs, flag, requiredFlag } from '../args.ts';
import { evaluateInstanceFiles, measureObjectFiles, parseThresholds } from '../evaluate-instances.ts';

export const summary = 'score a prediction against the truth (Dice, IoU, precision, recall, confusion; per class for class maps; per object for instance labels)';

export const usage = `usage: lumen evaluate --pred PRED --truth TRUTH [--mask MASK]
  Binary files (0 and one other value, or 1 and one value ≥ 2, as labels are written): that value
  is foreground, so a 0/1 prediction scores against 1/2 labels. Class maps (whole
  values, 1 = background, 2… the classes): Dice, IoU, precision and recall per class value ≥ 2
  found in either file, and meanDice / meanIoU over them (0 counts as background too).
  Only voxels where MASK is nonzero are scored (e.g. a FOV).
  Prints one JSON line; for binary files with "outline": the share of wrong voxels on the truth's
  in-plane outline, and the Dice were those right.

usage: lumen evaluate --instances --pred PRED --truth TRUTH [--mask MASK] [--thresholds 0.5,0.55,…]
  Instance labels (0 = background, one whole id per object): objects are matched one-to-one at
  IoU ≥ τ as StarDist and Cellpose do. Prints one JSON line: f1 and ap (tp/(tp+fp+fn), the papers'
  "average precision") at τ = 0.5, the object counts, and per threshold (default 0.5 to 0.9 by 0.05)
  tp, fp, fn, precision, recall, f1, ap, meanMatchedIoU, panopticQuality. With MASK, only objects
  whose centroid lies where MASK is nonzero are scored, in both files. Ids drawn as separate
  pieces are reported on stderr and scored as one object.

usage: lumen evaluate --objects LABELS [--image IMAGE] --csv OUT.csv
  One CSV row per object of LABELS: id, voxels, volume (spacing and unit from LABELS), centroid
  (voxels and physical), bounding box, and mean intensity of IMAGE; prints a JSON summary.`;

/** The distinct values of a file, when they are all whole numbers 0…255; undefined otherwise. */
function labelValues(data: Float32Array, mask?: Float32Array): number[] | undefined {
  const seen = new Uint8Array(MAX_LABEL + 1);
  for (let i = 0; i < data.length; i++) {
    if (mask && !mask[i]) continue;
    const v = data[i]!;
    if (!Number.isInteger(v) || v < 0 || v > MAX_LABEL) return undefined;
    seen[v] = 1;
  }
  return [...seen.keys()].filter((v) => seen[v]);
}

/**
 * Foreground of a binary file, or undefined for a class map. Binary: 0 and one other value (a mask,
 * 0/1 or 0/255: non-zero is foreground), or 1 and one value ≥ 2 (labels in Lumen's convention, as
 * truth files are written: that value is foreground), so a 0/1 prediction scores against a 1/2 truth.
 */
function binaryForeground(data: Float32Array, values: number[] | undefined): Float32Array | undefined {
  if (!values || values.filter((v) => v !== 0).length <= 1) return data;
  if (values.length === 2 && values[0] === 1 && values[1]! >= FIRST_CLASS) return data.map((v) => (v >= FIRST_CLASS ? 1 : 0));
  return undefined;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['instances']);
  const objects = flag(args, 'objects');
  if (objects !== undefined) {
    await measureObjectFiles({ labels: objects, image: flag(args, 'image'), csv: requiredFlag(args, 'csv') });
    return 0;
  }
  if (flag(args, 'instances') !== undefined) {
    const thresholds = parseThresholds(flag(args, 'thresholds'));
    await evaluateInstanceFiles({ pred: requiredFlag(args, 'pred'), truth: requiredFlag(args, 'truth'), mask: flag(args, 'mask') }, thresholds);
    return 0;
  }
  const pred = await readVolume(requiredFlag(args, 'pred'));
  const truth = await readVolume(requiredFlag(args, 'truth'));
  const maskPath = flag(args, 'mask');
  const mask = maskPath ? await readVolume(maskPath) : undefined;
  const voxels = (shape: number[]) => shape.slice(0, 3).join('×');
  for (const [name, v] of [['truth', truth], ['mask', mask]] as const) {
    if (v && voxels(v.shape) !== voxels(pred.shape)) throw new LumenError('shape-mismatch', `the ${name} is ${voxels(v.shape)} but the prediction is ${voxels(pred.shape)}`);
  }
  const first = (v: typeof pred) => { const c = v.shape[3]; return Float32Array.from({ length: v.data.length / c }, (_, i) => v.data[i * c]!); };
  const p = first(pred), t = first(truth), m = mask ? first(mask) : undefined;
  const pv = labelValues(p, m), tv = labelValues(t, m);
  const pb = binaryForeground(p, pv), tb = binaryForeground(t, tv);
  if (pb && tb) {
    const [d, h, w] = pred.shape as [number, number, number, number];
    console.log(JSON.stringify({ ...binaryScores(pb, tb, m), outline: boundaryErrors(pb, tb, [d, h, w], m) }));
    return 0;
  }
  if (!pv || !tv) throw new LumenError('bad-input', `the ${pv ? 'truth' : 'prediction'} holds fractional values, so it cannot be scored against a class map`);
  const classes = [...new Set([...pv, ...tv])].filter((v) => v >= FIRST_CLASS).sort((a, b) => a - b);
  const scores = classScores(p, t, classes, m);
  console.log(JSON.stringify({ classes, perClass: scores.perClass, meanDice: scores.meanDice, meanIoU: scores.meanIoU }));
  return 0;
}
