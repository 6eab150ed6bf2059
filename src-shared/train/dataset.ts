// What strategies train on: images already normalised for the network (z-scored, planar channels)
// with sparse labels in the user's convention (0 unlabeled, 1 background, 2… the classes).
import type { PatchSource } from './patches.ts';
import { labelsToTargets } from './labels-to-targets.ts';
import { trainableClasses } from './classes.ts';

export interface LabeledVolume {
  /** z, y, x (2D images: depth 1) */
  shape: [number, number, number];
  channels: number;
  /** planar: channel c at [c·D·H·W, (c+1)·D·H·W) */
  image: Float32Array;
  labels: Uint8Array;
  /** physical voxel size z, y, x (filters of the pixel classifier follow it); absent: isotropic */
  spacing?: [number, number, number];
}

/** z indices of slices that hold any label. */
export function labeledSlices(v: LabeledVolume): number[] {
  const plane = v.shape[1] * v.shape[2];
  const zs: number[] = [];
  for (let z = 0; z < v.shape[0]; z++) {
    const s = v.labels.subarray(z * plane, (z + 1) * plane);
    if (s.some((l) => l > 0)) zs.push(z);
  }
  return zs;
}

/** Labels confined to a few z-slices of a real 3D stack: the "paint a few slices" case. */
export function isSparseSlices(v: LabeledVolume): boolean {
  const zs = labeledSlices(v);
  return v.shape[0] > 1 && zs.length > 0 && zs.length <= Math.max(1, Math.floor(v.shape[0] / 3));
}

/** The classes painted anywhere in these volumes (trainableClasses: readable errors when they cannot teach). */
export const classesOf = (vols: readonly LabeledVolume[]): number[] => trainableClasses(...vols.map((v) => v.labels));

/** z-slice `z` of a volume as a 2D training image (a depth-1 patch source). */
export function sliceSource(v: LabeledVolume, z: number, classes: readonly number[], foregroundWeight = 1): PatchSource {
  const [D, H, W] = v.shape, plane = H * W;
  const image = new Float32Array(v.channels * plane);
  for (let c = 0; c < v.channels; c++) image.set(v.image.subarray((c * D + z) * plane, (c * D + z + 1) * plane), c * plane);
  return { shape: [1, H, W], channels: v.channels, image, ...labelsToTargets(v.labels.subarray(z * plane, (z + 1) * plane), classes, foregroundWeight) };
}

/** The labeled z-slices of each volume as 2D training images (depth-1 patch sources). */
export function sliceSources(vols: LabeledVolume[], foregroundWeight = 1, classes: readonly number[] = classesOf(vols)): PatchSource[] {
  return vols.flatMap((v) => labeledSlices(v).map((z) => sliceSource(v, z, classes, foregroundWeight)));
}

/** `classes`: those of ALL the training volumes, so a value maps to the same index in each. */
export function volumeSource(v: LabeledVolume, foregroundWeight = 1, classes: readonly number[] = classesOf([v])): PatchSource {
  return { shape: v.shape, channels: v.channels, image: v.image, ...labelsToTargets(v.labels, classes, foregroundWeight) };
}

/**
 * Split labeled voxels into train and held-out parts by stripes along x (a stripe of every
 * labeled slice), so both parts see every labeled slice and validation patches are never
 * training patches.
 */
export function holdOut(src: PatchSource, fraction: number): { train: PatchSource; validation: PatchSource } {
  const W = src.shape[2];
  const cut = Math.floor((1 - fraction) * W);
  const train = src.weight.map((w, i) => (i % W < cut ? w : 0));
  const validation = src.weight.map((w, i) => (i % W >= cut ? w : 0));
  return { train: { ...src, weight: train }, validation: { ...src, weight: validation } };
}
