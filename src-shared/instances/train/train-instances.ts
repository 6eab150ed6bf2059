// Training a StarDist network on the objects a user drew: targets from the instance labels
// (star-source.ts), a hold-out of objects (validation-objects.ts), the project's one training
// loop (train/fit.ts) with the StarDist loss, then thresholds tuned on the held-out objects
// (thresholds.ts). From scratch, or fine-tuned from a pretrained instance model (the KNIME
// StarDist workflow's "retrain"); `auto` tries both where a pretrained model fits and keeps the
// one that scores better on the held-out objects.
import type { SessionFactory } from '../../nn/session.ts';
import type { ModelFile } from '../../nn/model-file.ts';
import type { UNetConfig } from '../../nn/unet.ts';
import { fit } from '../../train/fit.ts';
import { trainingPatch } from '../../train/patches.ts';
import { LumenError } from '../../errors.ts';
import { checkInstanceLabels } from '../../eval/instance-labels.ts';
import { separatePieces } from '../../eval/split-objects.ts';
import { starPatchSource } from './star-source.ts';
import { splitObjects } from './validation-objects.ts';
import { decodingRays, defaultDecoding, type InstanceDecoding } from './decoding.ts';
import { normaliseChannels, starOutputs } from './predict-instances.ts';
import { optimiseThresholds } from './thresholds.ts';

type Zyx = [number, number, number];

export interface InstanceTrainingData {
  /** raw intensities, planar channels [C][D·H·W] */
  image: ArrayLike<number>;
  channels: number;
  /** z, y, x (2D images: depth 1) */
  shape: Zyx;
  spacing?: Zyx;
  /** 0 = nothing drawn, k = object id */
  instances: Uint8Array | Uint16Array | Uint32Array;
  /** non-zero: every object in this region is drawn; absent: the whole image */
  annotated?: Uint8Array;
}

export interface InstanceTrainingOptions {
  steps?: number;
  seed?: number;
  /** an instance model to fine-tune (its config is kept) */
  pretrained?: ModelFile;
  /** 'auto' (default): fine-tune and scratch both when a pretrained model is given, keep the better */
  mode?: 'auto' | 'scratch' | 'finetune';
  shouldStop?: () => boolean;
  onStep?: (step: number, steps: number, loss: number, phase: string) => void;
  /** messages for the user (a label slip that was worked around) */
  onWarning?: (message: string) => void;
}

export interface InstanceTrainingReport {
  mode: 'scratch' | 'finetune';
  steps: number;
  seconds: number;
  trainObjects: number;
  validationObjects: number;
  /** F1 at IoU 0.5 on the held-out objects (on the training objects when there were too few to hold out) */
  validationF1: number;
  probThreshold: number;
  nmsThreshold: number;
  /** the other mode's F1 when both were tried */
  alternative?: { mode: 'scratch' | 'finetune'; validationF1: number; seconds: number };
}

/** StarDist-sized U-Nets: 2D four levels from 16 channels; 3D three, halving z only where voxels are not twice as deep. */
export function instanceModelConfig(dims: 2 | 3, channels: number, d: InstanceDecoding): UNetConfig {
  const base = { inChannels: channels, outChannels: 1 + d.rays, starRays: d.rays, norm: 'instance' as const };
  if (dims === 2) return { ...base, dims, channels: [16, 32, 64, 128] };
  return { ...base, dims, channels: [16, 32, 64], ...(d.anisotropy[0] >= 1.5 ? { downFactors: [[1, 2, 2], [1, 2, 2]] } : {}) };
}

function checkData(data: InstanceTrainingData): void {
  const [D, H, W] = data.shape, N = D * H * W;
  if (data.image.length !== N * data.channels) throw new LumenError('shape-mismatch', `the image has ${data.image.length} values, ${D}×${H}×${W}×${data.channels} expected`);
  if (data.instances.length !== N) throw new LumenError('shape-mismatch', `the instance labels have ${data.instances.length} voxels but the image is ${D}×${H}×${W}`);
  if (data.annotated && data.annotated.length !== N) throw new LumenError('shape-mismatch', `the annotated region has ${data.annotated.length} voxels but the image is ${D}×${H}×${W}`);
  checkInstanceLabels(data.instances, data.shape, 'instance labels');
}

export async function trainInstances(factory: SessionFactory, data: InstanceTrainingData, opts: InstanceTrainingOptions = {}):
  Promise<{ model: ModelFile; report: InstanceTrainingReport }> {
  checkData(data);
  const dims: 2 | 3 = data.shape[0] === 1 ? 2 : 3;
  const pieces = separatePieces(data.instances, data.shape);
  if (pieces.split.length) {
    const list = pieces.split.slice(0, 5).map((s) => `${s.id} (${s.pieces} pieces)`).join(', ');
    opts.onWarning?.(`${pieces.split.length} id(s) are drawn as separate pieces: ${list}${pieces.split.length > 5 ? ', …' : ''}; each piece is trained as an object of its own`);
  }
  const instances = pieces.labels;
  const split = splitObjects(instances, data.shape, data.annotated);
  if (split.trainObjects === 0) throw new LumenError('bad-input', 'no objects are drawn: draw at least one object to train on');
  const pre = opts.pretrained;
  if (pre && (!pre.config.starRays || !pre.instances)) throw new LumenError('bad-input', 'the pretrained model segments classes, not objects');
  if (pre && pre.instances!.dims !== dims) throw new LumenError('bad-input', `the pretrained model is ${pre.instances!.dims}D but the image is ${dims}D`);
  if (pre && pre.config.inChannels !== data.channels) throw new LumenError('shape-mismatch', `the pretrained model takes ${pre.config.inChannels}-channel images; this image has ${data.channels}`);
  const decoding: InstanceDecoding = pre ? { ...pre.instances! } : defaultDecoding(dims, data.spacing);
  const rays = decodingRays(decoding);
  const image = normaliseChannels(data.image, data.channels);
  const source = starPatchSource({ image, channels: data.channels, shape: data.shape, instances }, rays);
  const modes: ('scratch' | 'finetune')[] = !pre ? ['scratch'] : opts.mode === 'scratch' ? ['scratch'] : opts.mode === 'finetune' ? ['finetune'] : ['finetune', 'scratch'];

  const runs: { model: ModelFile; report: InstanceTrainingReport }[] = [];
  for (const mode of modes) {
    const t0 = performance.now();
    const config = mode === 'finetune' ? pre!.config : instanceModelConfig(dims, data.channels, decoding);
    const steps = opts.steps ?? (dims === 2 ? 600 : 400) / (mode === 'finetune' ? 2 : 1);
    const r = await fit(factory, {
      model: config, init: mode === 'finetune' ? pre!.params : undefined,
      train: [{ ...source, weight: split.trainWeight }],
      validation: split.validationWeight ? [{ ...source, weight: split.validationWeight }] : undefined,
      patch: trainingPatch(config, data.shape, dims === 2 ? [1, 128, 128] : [16, 64, 64]), batch: dims === 2 ? 4 : 2,
      steps, lr: mode === 'finetune' ? 1e-3 : 3e-3, seed: opts.seed, stopPatience: 6,
      // 3D rays have no flip symmetry (ray-order.ts): only intensity augmentation there
      augment: dims === 2 ? { flipZ: false } : { flips: false, rotations: false },
      shouldStop: opts.shouldStop,
      onStep: (step, loss) => opts.onStep?.(step, steps, loss, mode === 'finetune' ? 'fine-tuning' : 'training'),
    });
    const model: ModelFile = { config, params: r.params, provenance: { strategy: `instances-${mode}`, steps: r.steps }, instances: decoding };
    const out = await starOutputs(factory, model, image, data.channels, data.shape);
    const choice = optimiseThresholds(out, data.shape, decoding, split.scoreTruth, split.scoreRegion);
    model.instances = { ...decoding, probThreshold: choice.probThreshold, nmsThreshold: choice.nmsThreshold };
    runs.push({
      model, report: {
        mode, steps: r.steps, seconds: (performance.now() - t0) / 1000, trainObjects: split.trainObjects, validationObjects: split.validationObjects,
        validationF1: choice.f1, probThreshold: choice.probThreshold, nmsThreshold: choice.nmsThreshold,
      },
    });
  }
  const best = runs.reduce((a, b) => (b.report.validationF1 > a.report.validationF1 ? b : a));
  const other = runs.find((r) => r !== best);
  if (other) best.report.alternative = { mode: other.report.mode, validationF1: other.report.validationF1, seconds: other.report.seconds };
  best.model.provenance = { ...best.model.provenance, validationF1: best.report.validationF1, trainObjects: split.trainObjects };
  return best;
}
