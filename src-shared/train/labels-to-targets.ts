// From the user's label convention (0 = unlabeled, 1 = background, 2… = the painted classes) to the
// network's: ONE target channel holding the class index (classes.ts: binary 0/1, K classes 0…K−1)
// and a per-voxel loss weight, 0 where nothing is known. Class voxels can weigh more than
// background (thin vessels are a few percent of a stack).
import { classIndexTable, DEFAULT_BINARY_CLASSES } from './classes.ts';

export interface TargetMaps { target: Float32Array; weight: Float32Array }

/**
 * `classes`: the user's values being trained (trainableClasses of ALL the training volumes, so
 * every volume maps a value to the same index). A value outside them counts as unlabeled.
 */
export function labelsToTargets(labels: ArrayLike<number>, classes: readonly number[] = DEFAULT_BINARY_CLASSES, foregroundWeight = 1): TargetMaps {
  const index = classIndexTable(classes);
  const n = labels.length;
  const target = new Float32Array(n), weight = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = index[labels[i]!]!;
    if (k < 0) continue;
    target[i] = k;
    weight[i] = k > 0 ? foregroundWeight : 1;
  }
  return { target, weight };
}

/** Dense 0/non-zero masks (the truth files) as labels: 1 = background, 2 = foreground. */
export function denseMaskToLabels(mask: ArrayLike<number>): Uint8Array {
  return Uint8Array.from({ length: mask.length }, (_, i) => (mask[i]! > 0 ? 2 : 1));
}

/** Keep only the given z-slices of a label volume (the sparse-annotation setting). */
export function keepSlices(labels: Uint8Array, shape: [number, number, number], zs: number[]): Uint8Array {
  const plane = shape[1] * shape[2];
  const out = new Uint8Array(labels.length);
  for (const z of zs) out.set(labels.subarray(z * plane, (z + 1) * plane), z * plane);
  return out;
}
