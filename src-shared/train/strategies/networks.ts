// The networks the strategies build, and the two helpers every strategy shares to fit one to the
// data: its training patch, and its head made to output the labeled classes.
import type { UNetConfig } from '../../nn/unet.ts';
import { classesOf, type LabeledVolume } from '../dataset.ts';
import { outputChannels } from '../classes.ts';
import { smallestShape, trainingPatch } from '../patches.ts';

export function model2d(inChannels: number, outChannels = 1): UNetConfig {
  return { dims: 2, inChannels, outChannels, channels: [16, 32, 64, 128], norm: 'instance' };
}

/**
 * The 2D network for a few labeled slices of a stack: half model2d's widths. On both VesselNN
 * stacks it scored as well as model2d trained twice as long (poon 0.810 vs 0.806, other slices)
 * at a third of the time, which keeps `lumen segment` within minutes on a CPU.
 */
export function modelSlices2d(inChannels: number, outChannels = 1): UNetConfig {
  return { dims: 2, inChannels, outChannels, channels: [8, 16, 32, 64], norm: 'instance' };
}

/** A 3D U-Net that keeps z at full resolution: VesselNN-like stacks have 15–25 slices. */
export function modelAnisotropic3d(inChannels: number, outChannels = 1): UNetConfig {
  return { dims: 3, inChannels, outChannels, channels: [16, 32, 64], norm: 'instance', downFactors: [[1, 2, 2], [1, 2, 2]] };
}

export function defaultModel(data: LabeledVolume[]): UNetConfig {
  const channels = data[0]!.channels, outC = outputChannels(classesOf(data));
  return data.every((v) => v.shape[0] === 1) ? model2d(channels, outC) : modelAnisotropic3d(channels, outC);
}

/**
 * A (pretrained) network made to output these classes: the same config with outChannels set, and
 * of its weights those that still fit; a binary head fine-tuned on K classes starts afresh.
 */
export function forClasses(model: UNetConfig, init: Map<string, Float32Array> | undefined, classes: readonly number[]):
  { model: UNetConfig; init?: Map<string, Float32Array> } {
  const outChannels = outputChannels(classes);
  if (model.outChannels === outChannels) return { model, init };
  return {
    model: { ...model, outChannels },
    init: init && new Map([...init].filter(([name]) => !name.startsWith('head.'))),
  };
}

/**
 * The training patch of `model` on `data`: `preferred` (z, y, x), a multiple of the network's size
 * multiple per axis, shrunk on small volumes (padded where a volume is thinner than one multiple).
 */
export function patchFor(model: UNetConfig, data: readonly { shape: readonly number[] }[], preferred: readonly number[]): [number, number, number] {
  return trainingPatch(model, smallestShape(data.map((v) => v.shape)), preferred);
}
