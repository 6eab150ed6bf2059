// Probabilities → labels. One output channel: 1 where p ≥ threshold (or `value`, e.g. 255 for
// viewers that show 0/1 as black). Several channels: 1 + the index of the most probable channel
// where that probability reaches the threshold, else 0.
export function thresholdSlice(probs: Float32Array, channels: number, voxels: number, threshold: number, out = new Uint8Array(voxels), value = 1): Uint8Array {
  if (channels === 1) {
    for (let i = 0; i < voxels; i++) out[i] = probs[i]! >= threshold ? value : 0;
    return out;
  }
  for (let i = 0; i < voxels; i++) {
    let best = -1, bestP = -Infinity;
    for (let c = 0; c < channels; c++) {
      const p = probs[c * voxels + i]!;
      if (p > bestP) { bestP = p; best = c; }
    }
    out[i] = bestP >= threshold ? best + 1 : 0;
  }
  return out;
}

/** Whole-volume threshold of float probabilities (one channel). */
export function threshold(probs: ArrayLike<number>, t = 0.5, value = 1): Uint8Array {
  const out = new Uint8Array(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = probs[i]! >= t ? value : 0;
  return out;
}
