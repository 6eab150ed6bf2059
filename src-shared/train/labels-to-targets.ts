// From the user's label convention (0 = unlabeled, 1 = background, 2 = foreground) to the
// network's: a binary target and a per-voxel loss weight, 0 where nothing is known. Foreground
// voxels can weigh more than background (thin vessels are a few percent of a stack).
export interface TargetMaps { target: Float32Array; weight: Float32Array }

export function labelsToTargets(labels: ArrayLike<number>, foregroundWeight = 1): TargetMaps {
  const n = labels.length;
  const target = new Float32Array(n), weight = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (l === 0) continue;
    target[i] = l >= 2 ? 1 : 0;
    weight[i] = l >= 2 ? foregroundWeight : 1;
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
