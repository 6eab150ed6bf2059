// Instance label images hold one whole, non-negative id per object (0 = background). A label file
// saved as float, or with signed ids, can hold values that name no object; scoring them would
// silently invent or merge objects, so they are refused with the voxel that shows the problem.
import { LumenError } from '../errors.ts';

/** Throws a one-line LumenError when `labels` holds a fractional, non-finite or negative value. */
export function checkInstanceLabels(labels: ArrayLike<number>, shape: readonly [number, number, number], name: string): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (Number.isInteger(v) && v >= 0) continue;
    const [, h, w] = shape;
    const at = `(z ${Math.floor(i / (h * w))}, y ${Math.floor(i / w) % h}, x ${i % w})`;
    const what = Number.isInteger(v) ? 'a negative id' : 'a value that is not a whole number';
    throw new LumenError('bad-input', `the ${name} holds ${v} at ${at}, ${what}; instance labels must be whole numbers ≥ 0 (0 = background, one id per object)`);
  }
}
