// How unsure the model is at each voxel, from the blended class probabilities the pipeline has
// just before it takes the argmax (or the threshold): 0 where one class holds all the probability,
// 1 where the classes are equally likely. Shown to the user as "where the model is unsure" and
// used to rank the slices most worth painting next (eval/suggest-slices.ts).
//
//   one output (a sigmoid, binary):   1 − |2p − 1|, which is 1 at p = 0.5 and 0 at p = 0 or 1;
//   several outputs (a softmax):      the entropy −Σ p log p divided by log K, its value when all
//                                     K classes are equally likely.
//
// The channels are renormalised to sum to 1 before the entropy: blending and test-time flips keep
// a softmax's sum at 1 only up to rounding, and independent sigmoids do not sum to 1 at all; either
// way the map stays within [0, 1].

/** Uncertainty of one voxel whose class probabilities are probs[at + c·stride], c < channels. */
function voxelUncertainty(probs: ArrayLike<number>, channels: number, at: number, stride: number): number {
  if (channels === 1) {
    const p = probs[at]!;
    const u = 1 - Math.abs(2 * p - 1);
    return u < 0 ? 0 : u > 1 ? 1 : u;
  }
  let sum = 0;
  for (let c = 0; c < channels; c++) sum += Math.max(0, probs[at + c * stride]!);
  if (!(sum > 0)) return 1; // no class has any probability: as unsure as it gets
  let h = 0;
  for (let c = 0; c < channels; c++) {
    const p = Math.max(0, probs[at + c * stride]!) / sum;
    if (p > 0) h -= p * Math.log(p); // 0 · log 0 = 0
  }
  const u = h / Math.log(channels);
  return u > 1 ? 1 : u;
}

/** One slice of planar probabilities [channels][voxels] (a network's output) → uncertainty per voxel. */
export function uncertaintySlice(probs: ArrayLike<number>, channels: number, voxels: number, out = new Float32Array(voxels)): Float32Array {
  for (let i = 0; i < voxels; i++) out[i] = voxelUncertainty(probs, channels, i, voxels);
  return out;
}
