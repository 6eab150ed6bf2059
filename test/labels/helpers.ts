// Small deterministic helpers shared by the label tests.
import { SparseLabelVolume } from '../../src-shared/labels/index.ts';

/** mulberry32 (seeded, so failures reproduce): the project's one generator. */
import { seededRandom as rng } from '../../src-shared/random.ts';
export { rng };

/** A labels volume with a few random scribbles, plus its dense twin. */
export function scribbled(shape: [number, number, number], seed: number, count = 200): SparseLabelVolume {
  const r = rng(seed);
  const vol = new SparseLabelVolume(shape);
  for (let i = 0; i < count; i++) {
    vol.set(Math.floor(r() * shape[0]), Math.floor(r() * shape[1]), Math.floor(r() * shape[2]), 1 + Math.floor(r() * 4));
  }
  return vol;
}

export function idx(shape: readonly number[], z: number, y: number, x: number): number {
  return (z * shape[1]! + y) * shape[2]! + x;
}

/** Positions where two dense arrays differ. */
export function diffPositions(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

/** Fast byte equality for big arrays (vitest's deep equal walks them element by element). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} ≠ ${expected.length}`);
  const d = diffPositions(actual, expected);
  if (d.length) throw new Error(`${d.length} voxels differ, first at ${d[0]}: ${actual[d[0]!]} ≠ ${expected[d[0]!]}`);
}
