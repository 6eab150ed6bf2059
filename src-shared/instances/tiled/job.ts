// What an inference job (the CLI's `lumen predict`, the app's worker) needs around
// predictInstancesToSink: the default window for an instance model, and the refusals of options
// that mean nothing for objects, each in one readable line.
import { LumenError } from '../../errors.ts';
import type { ModelFile } from '../../nn/model-file.ts';
import { sizeMultiple } from '../../nn/unet.ts';
import type { PredictJobOptions } from '../../infer/pipeline.ts';
import { instancePatch } from '../train/predict-instances.ts';

/** The sliding window's band of (1 + R)-channel output is kept near this (bytes) by the default patch depth. */
export const INSTANCE_BAND_BYTES = 2 ** 31;

/** Is this a StarDist model (a U-Net with a ray head and its decoding)? */
export function isInstanceModel(m: Pick<ModelFile, 'config' | 'instances'>): boolean {
  return !!m.config.starRays && !!m.instances;
}

/**
 * The default patch: 2D the whole image up to 512² (as after training); 3D 64×128×128 (shrunk to
 * thinner stacks), its depth lowered where the band it makes the window hold would pass
 * INSTANCE_BAND_BYTES (a wide plane), never below the network's z multiple. The band is the
 * decoding grid's share of (patch depth) slices: depth/gz × (1 + R) × ⌈H/gy⌉ × ⌈W/gx⌉ float32.
 * 64 deep rather than 32: for the 3D instance network the cost per patch voxel is flat up to ~1 M
 * voxels (it doubles at 2 M, the 97-channel output's memory), and deeper patches overlap less in
 * z; on 64×256×256, 9 patches of 64×128×128 took 49 CPU-seconds against 70 for 27 of 32×128×128
 * (bench:instances, docs/instances-predict.md).
 */
export function instanceWindow(m: Pick<ModelFile, 'config' | 'instances'>, shape: readonly number[]): { patch: [number, number, number] } {
  if (m.config.dims === 2) return { patch: instancePatch(2) };
  const patch: [number, number, number] = [64, 128, 128];
  const [, H, W] = shape as [number, number, number];
  const [gz, gy, gx] = m.instances?.grid ?? [1, 1, 1];
  const zMultiple = sizeMultiple(m.config)[0]!;
  const fits = Math.floor((gz * INSTANCE_BAND_BYTES) / (m.config.outChannels * Math.ceil(H / gy) * Math.ceil(W / gx) * 4));
  const depth = Math.max(zMultiple, Math.min(patch[0], Math.floor(fits / zMultiple) * zMultiple));
  return { patch: [depth, patch[1], patch[2]] };
}

/** Options of a class/mask prediction that an instance model's objects refuse. */
export function checkInstanceOptions(opts: Omit<PredictJobOptions, 'signal' | 'onProgress'> = {}): void {
  if (opts.flips) throw new LumenError('bad-input', 'test-time flips (--flips) mirror the ray distances of an instance model; predict objects without --flips');
  if (opts.output === 'probabilities') return;
  const post = opts.post ?? {};
  const named: [unknown, string][] = [
    [post.threshold, '--threshold (the model stores its probability threshold; --prob-threshold overrides it)'],
    [post.value, '--out-scale'], [post.fillHoles || undefined, '--fill-holes'], [post.minSize, '--min-size'],
    [post.keepLargest, '--keep-largest'], [post.connectivity, '--connectivity'], [post.classValues, 'class values'],
  ];
  const bad = named.filter(([v]) => v !== undefined).map(([, name]) => name);
  if (bad.length) throw new LumenError('bad-input', `an instance model writes objects, not a mask: ${bad.join(', ')} ${bad.length > 1 ? 'do' : 'does'} not apply`);
}
