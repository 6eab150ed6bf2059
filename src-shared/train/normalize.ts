// Intensity normalisation for network input: zero mean, unit variance over the voxels given,
// so uint8 two-photon stacks and 16-bit light-sheet stacks look alike to a network.
export function zscore(values: ArrayLike<number>): Float32Array {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= Math.max(1, n);
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (values[i]! - mean) ** 2;
  const sd = Math.sqrt(variance / Math.max(1, n)) || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (values[i]! - mean) / sd;
  return out;
}
