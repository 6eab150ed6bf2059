import { describe, expect, it } from 'vitest';
import { boundaryErrors } from '../../src-shared/eval/boundary-errors.ts';

// one 9×9 slice with a 3×3 square of truth in the middle
const square = (grow = 0): Uint8Array => {
  const v = new Uint8Array(81);
  for (let y = 3 - grow; y <= 5 + grow; y++) for (let x = 3 - grow; x <= 5 + grow; x++) v[y * 9 + x] = 1;
  return v;
};

describe('boundaryErrors', () => {
  it('a prediction one pixel too wide errs only on the outline, and fixing the outline gives Dice 1', () => {
    const r = boundaryErrors(square(1), square(), [1, 9, 9]);
    expect(r.errors).toBe(25 - 9);
    expect(r.onOutline).toBe(1);
    expect(r.diceWithoutOutlineErrors).toBe(1);
  });

  it('an invented object far from the truth is an error off the outline', () => {
    const pred = square();
    pred[0] = 1; pred[8 * 9 + 8] = 1;
    const r = boundaryErrors(pred, square(), [1, 9, 9]);
    expect(r.errors).toBe(2);
    expect(r.onOutline).toBe(0);
    expect(r.diceWithoutOutlineErrors).toBeCloseTo(18 / 20);
  });

  it('outlines are in-plane: the slice above the truth does not count as its outline', () => {
    const truth = new Uint8Array(162), pred = new Uint8Array(162);
    truth.set(square(), 81);
    pred.set(square(), 0); pred.set(square(), 81);
    const r = boundaryErrors(pred, truth, [2, 9, 9]);
    expect(r.errors).toBe(9);
    expect(r.onOutline).toBe(0);
  });

  it('skips voxels outside the mask and rejects mismatched sizes', () => {
    const mask = new Uint8Array(81).fill(1);
    mask[0] = 0;
    const pred = square();
    pred[0] = 1;
    expect(boundaryErrors(pred, square(), [1, 9, 9], mask).errors).toBe(0);
    expect(() => boundaryErrors(new Uint8Array(80), square(), [1, 9, 9])).toThrow(/9×9/);
  });
});
