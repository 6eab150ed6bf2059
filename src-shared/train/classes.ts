// Which classes a label volume holds, and how they map to network outputs. This is the one
// place that decides "binary or multi-class", so every model kind (U-Net, pixel classifier,
// their ensembles) agrees on what output channel k means:
//   binary (background + one class): 1 output channel, P(class), the fast path (sigmoid);
//   K ≥ 3 classes: K output channels that sum to 1 (softmax), channel k ↔ the user's value classes[k].
// `classes` lists the user's label values (1 = background, 2… the painted classes), ascending.
import { LumenError } from '../errors.ts';
import { BACKGROUND } from '../labels/classes.ts';

/** The label values painted anywhere in `labels` (0 = unlabeled is not a class), ascending. */
export function labelClasses(...labels: ArrayLike<number>[]): number[] {
  const seen = new Uint8Array(256);
  for (const l of labels) for (let i = 0; i < l.length; i++) seen[l[i]!] = 1;
  const out: number[] = [];
  for (let v = 1; v < 256; v++) if (seen[v]) out.push(v);
  return out;
}

/** The classes to train, with readable errors when the labels cannot teach anything. */
export function trainableClasses(...labels: ArrayLike<number>[]): number[] {
  const classes = labelClasses(...labels);
  if (classes.length === 0) throw new LumenError('bad-input', 'there is no labeled voxel: paint some background (1) and at least one class (2 or higher)');
  if (!classes.includes(BACKGROUND)) throw new LumenError('bad-input', 'paint some background (1) as well: the model must see what is not a class');
  if (classes.length === 1) throw new LumenError('bad-input', 'paint at least one class (2 or higher) besides the background');
  return classes;
}

export const isBinary = (classes: readonly number[]): boolean => classes.length <= 2;

/** Network output channels for these classes: 1 (sigmoid) when binary, else one per class (softmax). */
export const outputChannels = (classes: readonly number[]): number => (isBinary(classes) ? 1 : classes.length);

/** The class index each label value trains as (binary: 0 background, 1 the class); -1 = not a class. */
export function classIndexTable(classes: readonly number[]): Int16Array {
  const table = new Int16Array(256).fill(-1);
  classes.forEach((v, k) => { table[v] = k; });
  return table;
}

/** Binary models trained before classes were recorded mean background 1, foreground 2. */
export const DEFAULT_BINARY_CLASSES: readonly number[] = [1, 2];
