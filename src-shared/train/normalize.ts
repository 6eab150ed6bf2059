// Intensity normalisation for network input: zero mean, unit variance over the voxels given,
// so uint8 two-photon stacks and 16-bit light-sheet stacks look alike to a network.
// NaN and ±Infinity voxels (masked or failed regions of float exports) are left out of the
// statistics and become 0, the mean: one of them would otherwise turn every value into NaN.
export function zscore(values: ArrayLike<number>): Float32Array {
  const n = values.length;
  let mean = 0, count = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(values[i]!)) { mean += values[i]!; count++; }
  mean /= Math.max(1, count);
  let variance = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(values[i]!)) variance += (values[i]! - mean) ** 2;
  const sd = Math.sqrt(variance / Math.max(1, count)) || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Number.isFinite(values[i]!) ? (values[i]! - mean) / sd : 0;
  return out;
}
