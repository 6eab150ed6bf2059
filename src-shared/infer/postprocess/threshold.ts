// Probabilities → labels, in the class contract of train/classes.ts. One output channel (binary):
// `value` (1, or 255 for viewers that show 0/1 as black) where P(class) ≥ threshold, else 0.
// Several channels (softmax): the most probable channel k becomes classValues[k], the user's
// label value of class k (background, channel 0, is written as its value, normally 1); without
// classValues, k + 1. The threshold plays no part there: the channels sum to 1.

export interface LabelOptions {
  /** binary: the probability at or above which a voxel is the class (default 0.5) */
  threshold?: number;
  /** binary: the value written for the class (default 1) */
  value?: number;
  /** several channels: the label value of each channel (default k + 1) */
  classValues?: readonly number[];
}

/**
 * probs[c·channelStride + i·voxelStride] → labels of `voxels` voxels. Planar layouts (a network's
 * output) have channelStride = voxels, voxelStride = 1; channel-last ones (slidingWindowPredict's
 * volumes) channelStride = 1, voxelStride = channels.
 */
function labelVoxels(probs: ArrayLike<number>, channels: number, voxels: number, channelStride: number, voxelStride: number,
  o: LabelOptions, out: Uint8Array): Uint8Array {
  if (channels === 1) {
    const t = o.threshold ?? 0.5, v = o.value ?? 1;
    for (let i = 0; i < voxels; i++) out[i] = probs[i * voxelStride]! >= t ? v : 0;
    return out;
  }
  const values = o.classValues ?? Array.from({ length: channels }, (_, k) => k + 1);
  if (values.length !== channels) throw new Error(`${values.length} class values for ${channels} output channels`);
  for (let i = 0; i < voxels; i++) {
    const at = i * voxelStride;
    let best = 0, bestP = probs[at]!;
    for (let c = 1; c < channels; c++) {
      const p = probs[at + c * channelStride]!;
      if (p > bestP) { bestP = p; best = c; }
    }
    out[i] = values[best]!;
  }
  return out;
}

/** One slice of planar probabilities [channels][voxels] → labels. */
export function thresholdSlice(probs: Float32Array, channels: number, voxels: number, threshold: number, out = new Uint8Array(voxels), value = 1,
  classValues?: readonly number[]): Uint8Array {
  return labelVoxels(probs, channels, voxels, voxels, 1, { threshold, value, classValues }, out);
}

/** Channel-last probabilities [voxels][channels] (a whole predicted volume) → labels. */
export function probabilitiesToLabels(probs: ArrayLike<number>, channels: number, o: LabelOptions = {}): Uint8Array {
  const voxels = probs.length / channels;
  return labelVoxels(probs, channels, voxels, 1, channels, o, new Uint8Array(voxels));
}

/** Whole-volume threshold of float probabilities (one channel). */
export function threshold(probs: ArrayLike<number>, t = 0.5, value = 1): Uint8Array {
  const out = new Uint8Array(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = probs[i]! >= t ? value : 0;
  return out;
}
