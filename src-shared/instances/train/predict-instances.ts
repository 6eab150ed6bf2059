// A StarDist network over a whole in-memory image → instance labels: the sliding window gives
// the object probability and the R distances at every voxel (blended across patches like any
// network output), candidates are read on the decoding grid, and NMS turns them into objects.
import type { SessionFactory } from '../../nn/session.ts';
import type { ModelFile } from '../../nn/model-file.ts';
import { unetPatchModel } from '../../infer/patch-model.ts';
import { predictPlanar } from '../../infer/predict-planar.ts';
import { zscore } from '../../train/normalize.ts';
import { LumenError } from '../../errors.ts';
import { instancesFromPrediction, type Instances } from '../to-instances.ts';
import { decodingRays, type InstanceDecoding } from './decoding.ts';

type Zyx = [number, number, number];

/** Patch for inference: a whole 2D image up to 512², 3D tiles of 64×128×128 (fewest CPU-seconds on the bench: tiled/) (shrunk to the volume). */
export const instancePatch = (dims: 2 | 3): Zyx => (dims === 2 ? [1, 512, 512] : [64, 128, 128]);

/** Each channel z-scored over the whole image, as training saw it (planar [C][N]). */
export function normaliseChannels(image: ArrayLike<number>, channels: number): Float32Array {
  const n = image.length / channels;
  const out = new Float32Array(image.length);
  for (let c = 0; c < channels; c++) {
    const channel = Float32Array.from({ length: n }, (_, i) => image[c * n + i]!);
    out.set(zscore(channel), c * n);
  }
  return out;
}

export function checkInstanceModel(model: ModelFile, shape: Zyx, channels: number): InstanceDecoding {
  const d = model.instances;
  if (!model.config.starRays || !d) throw new LumenError('bad-input', 'this model segments classes, not objects: use a model trained with --instances');
  if (model.config.inChannels !== channels) throw new LumenError('shape-mismatch', `the model takes ${model.config.inChannels}-channel images; this image has ${channels}`);
  if (d.dims === 2 && shape[0] > 1) throw new LumenError('bad-input', `a 2D instance model finds objects in single images; this is a stack of ${shape[0]} slices (use a 3D model, e.g. nuclei-3d)`);
  return d;
}

/** The network's planar output [1 + R][D·H·W] over an already normalised image. */
export async function starOutputs(factory: SessionFactory, model: ModelFile, normalised: Float32Array, channels: number, shape: Zyx,
  opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<Float32Array> {
  return predictPlanar(unetPatchModel(factory, model), normalised, shape, channels, { patch: instancePatch(model.config.dims), onProgress: opts.onProgress });
}

/** Probability and channel-last distances on the decoding grid, from the planar output. */
export function onGrid(out: Float32Array, shape: Zyx, rays: number, grid: readonly number[]): { prob: Float32Array; dists: Float32Array; gridShape: Zyx } {
  const [D, H, W] = shape, N = D * H * W;
  const gs: Zyx = [Math.ceil(D / grid[0]!), Math.ceil(H / grid[1]!), Math.ceil(W / grid[2]!)];
  const m = gs[0] * gs[1] * gs[2];
  const prob = new Float32Array(m), dists = new Float32Array(m * rays);
  let j = 0;
  for (let z = 0; z < gs[0]; z++) for (let y = 0; y < gs[1]; y++) for (let x = 0; x < gs[2]; x++, j++) {
    const i = ((z * grid[0]!) * H + y * grid[1]!) * W + x * grid[2]!;
    prob[j] = out[i]!;
    // distances below 0 mean nothing; clamp so shapes stay valid
    for (let k = 0; k < rays; k++) dists[j * rays + k] = Math.max(0, out[(1 + k) * N + i]!);
  }
  return { prob, dists, gridShape: gs };
}

export function decodeStarOutput(out: Float32Array, shape: Zyx, d: InstanceDecoding, thresholds: Partial<Pick<InstanceDecoding, 'probThreshold' | 'nmsThreshold'>> = {}): Instances {
  const { prob, dists } = onGrid(out, shape, d.rays, d.grid);
  const imageShape = d.dims === 2 ? [shape[1], shape[2]] as const : shape;
  const grid = d.dims === 2 ? [d.grid[1], d.grid[2]] : d.grid;
  return instancesFromPrediction(prob, dists, imageShape, {
    rays: decodingRays(d), grid, probThreshold: thresholds.probThreshold ?? d.probThreshold, nmsThreshold: thresholds.nmsThreshold ?? d.nmsThreshold,
  });
}

export interface InstancePrediction extends Instances { networkSeconds: number }

/** Raw image (planar channels) → objects, with the model's stored thresholds. */
export async function predictInstancesWith(factory: SessionFactory, model: ModelFile, image: ArrayLike<number>, channels: number, shape: Zyx,
  opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<InstancePrediction> {
  const d = checkInstanceModel(model, shape, channels);
  const t = performance.now();
  const out = await starOutputs(factory, model, normaliseChannels(image, channels), channels, shape, opts);
  const networkSeconds = (performance.now() - t) / 1000;
  return { ...decodeStarOutput(out, shape, d), networkSeconds };
}
