// `lumen evaluate --pred P --truth T [--mask M]`: Dice, IoU, precision, recall and the confusion
// matrix as one JSON line; any non-zero voxel counts as foreground in all three files. `outline`
// says how many of the wrong voxels touch a drawn outline: on thin structures such as vessels,
// outline disagreements of a pixel can dominate Dice while every object is found.
import { readVolume } from '../../src-shared/io/index.ts';
import { binaryScores } from '../../src-shared/eval/metrics.ts';
import { boundaryErrors } from '../../src-shared/eval/boundary-errors.ts';
import { LumenError } from '../../src-shared/errors.ts';
import { parseArgs, flag, requiredFlag } from '../args.ts';

export const summary = 'score a prediction against the truth (Dice, IoU, precision, recall, confusion)';

export const usage = `usage: lumen evaluate --pred PRED --truth TRUTH [--mask MASK]
  nonzero voxels are foreground; only voxels where MASK is nonzero are scored (e.g. a FOV).
  Prints Dice, IoU, precision, recall and the confusion matrix as one JSON line, with "outline":
  the share of wrong voxels on the truth's in-plane outline, and the Dice were those right.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
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
  const [d, h, w] = pred.shape as [number, number, number, number];
  console.log(JSON.stringify({ ...binaryScores(p, t, m), outline: boundaryErrors(p, t, [d, h, w], m) }));
  return 0;
}
