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
 * The default patch: 2D the whole image up to 512² (as after training); 3D 32×128×128, its depth
 * lowered where the band it makes the window hold would pass INSTANCE_BAND_BYTES (a wide plane),
 * never below the network's z multiple. The band is the decoding grid's share of (patch depth)
 * slices: depth/gz × (1 + R) × ⌈H/gy⌉ × ⌈W/gx⌉ float32.
 */
export function instanceWindow(m: Pick<ModelFile, 'config' | 'instances'>, shape: readonly number[]): { patch: [number, number, number] } {
  const patch = instancePatch(m.config.dims);
  if (m.config.dims === 2) return { patch };
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
