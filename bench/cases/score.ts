// Dice per class on the voxels nobody labeled (and inside the case's score mask), the way the
// issue scores few-label segmentation: classes ≥ 2 each, and their mean.
import { binaryScores } from '../../src-shared/eval/metrics.ts';

export interface ClassDice { dice: number; dicePerClass: Record<string, number> }

/**
 * `pred` and `truth` hold class values (1 background, 2… classes); `scored` marks the voxels that count.
 * Each class is scored one-vs-rest with eval/metrics' binaryScores.
 */
export function dicePerClass(pred: Uint8Array, truth: Uint8Array, classes: readonly number[], scored: Uint8Array): ClassDice {
  const perClass: Record<string, number> = {};
  for (const c of classes.filter((v) => v >= 2)) {
    const s = binaryScores(pred.map((v) => (v === c ? 1 : 0)), truth.map((v) => (v === c ? 1 : 0)), scored);
    perClass[String(c)] = round4(s.dice);
  }
  const values = Object.values(perClass);
  return { dice: round4(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)), dicePerClass: perClass };
}

/** Voxels to score: not labeled, and inside `mask` where there is one. */
export function scoredVoxels(sparse: Uint8Array, mask?: Uint8Array): Uint8Array {
  return sparse.map((s, i) => (s === 0 && (!mask || mask[i]) ? 1 : 0));
}

/**
 * A `lumen segment --out-scale 255` output as class values: binary outputs are 0 / 255 (a writer that
 * puts the class values 1 / 2 instead is read the same), multi-class outputs hold the class values
 * (0 read as background).
 */
export function predictionClasses(data: ArrayLike<number>, channels: number, classes: readonly number[]): Uint8Array {
  const n = data.length / channels, out = new Uint8Array(n);
  const binary = classes.length === 2;
  for (let i = 0; i < n; i++) {
    const v = data[i * channels]!;
    out[i] = binary ? (v === 255 || v === classes[1] ? classes[1]! : 1) : v > 0 ? v : 1;
  }
  return out;
}

export const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
