// The one training loop every strategy uses: sample augmented patches, step the Trainer, and
// every `evalEvery` steps score a fixed set of held-out labeled patches; the learning rate halves
// when that score plateaus, training stops early when it stops improving, and the best
// parameters seen are the ones returned.
import { Tensor } from 'onnxruntime-common';
import { Trainer, type TrainerConfig } from '../nn/trainer.ts';
import type { UNetConfig } from '../nn/unet.ts';
import type { SessionFactory } from '../nn/session.ts';
import { exportOnnxModel } from '../nn/model-file.ts';
import { seededRandom } from '../nn/params.ts';
import { roundPatchToNetwork, samplePatch, stackPatches, type Patch, type PatchOptions, type PatchSource } from './patches.ts';
import { augmentIntensity, DEFAULT_INTENSITY_AUGMENT, type IntensityAugment } from './augment.ts';
import { LumenError } from '../errors.ts';

export interface FitOptions {
  model: UNetConfig;
  /** starting weights (fine-tuning); missing names start from He init */
  init?: Map<string, Float32Array>;
  frozen?: string[];
  /** 'heatmap' trains the encoder as a localization network (targets: centre heatmaps, loss MSE) */
  network?: TrainerConfig['network'];
  train: PatchSource[];
  /** held-out labeled data for the plateau schedule and early stopping (optional) */
  validation?: PatchSource[];
  /** [d, h, w]; 2D models use d = 1 */
  patch: [number, number, number];
  batch?: number;
  steps: number;
  lr?: number;
  loss?: TrainerConfig['loss'];
  optimizer?: TrainerConfig['optimizer'];
  augment?: { flips?: boolean; flipZ?: boolean; rotations?: boolean; intensity?: IntensityAugment | false };
  evalEvery?: number;
  validationPatches?: number;
  /** evaluations without improvement before the learning rate halves */
  plateauPatience?: number;
  /** evaluations without improvement before training stops */
  stopPatience?: number;
  seed?: number;
  extension?: TrainerConfig['extension'];
  onStep?: (step: number, loss: number, lr: number) => void;
  onEval?: (step: number, dice: number) => void;
  shouldStop?: () => boolean;
  /** performance.now() after which training ends early (best weights so far kept): `auto`'s time budget */
  deadline?: number;
}

export interface FitResult {
  params: Map<string, Float32Array>;
  history: { step: number; loss: number; lr: number; validationDice?: number }[];
  bestValidationDice?: number;
  /** multi-class models: the best evaluation's Dice per class index (null: background, or absent from the held-out voxels) */
  bestValidationPerClass?: (number | null)[];
  stoppedEarly: boolean;
  /** training ended at the deadline, before its steps */
  outOfTime?: boolean;
  steps: number;
}

export interface ValidationScore {
  /** binary: Dice of the class; K classes: mean Dice over the classes ≥ 1 the held-out voxels hold */
  dice: number;
  /** K classes: Dice per class index (null for background, index 0, and for classes absent from the held-out voxels) */
  perClass?: (number | null)[];
}

/**
 * Dice over the labeled voxels (weight > 0) of one output batch of `batch` samples. prob:
 * [N, K, …] (K = 1: P(class) ≥ 0.5; K > 1: the most probable channel); target: [N, 1, …] with
 * the class index.
 */
export function scoreValidation(prob: Float32Array, target: Float32Array, weight: Float32Array, channels: number, batch: number): ValidationScore {
  if (channels === 1) {
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < prob.length; i++) {
      if (weight[i]! <= 0) continue;
      const p = prob[i]! > 0.5, t = target[i]! > 0.5;
      if (p && t) tp++; else if (p) fp++; else if (t) fn++;
    }
    return { dice: tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn) };
  }
  const K = channels, S = target.length / batch;
  const tp = new Float64Array(K), fp = new Float64Array(K), fn = new Float64Array(K), present = new Float64Array(K);
  for (let b = 0; b < batch; b++) {
    const base = b * K * S;
    for (let i = 0; i < S; i++) {
      if (weight[b * S + i]! <= 0) continue;
      const t = Math.round(target[b * S + i]!);
      let p = 0;
      for (let k = 1; k < K; k++) if (prob[base + k * S + i]! > prob[base + p * S + i]!) p = k;
      present[t]++;
      if (p === t) tp[t]++; else { fp[p]++; fn[t]++; }
    }
  }
  const perClass: (number | null)[] = [null];
  const dices: number[] = [];
  for (let k = 1; k < K; k++) {
    if (present[k] === 0) { perClass.push(null); continue; }
    const d = (2 * tp[k]!) / (2 * tp[k]! + fp[k]! + fn[k]!);
    perClass.push(d);
    dices.push(d);
  }
  // no class in the held-out voxels: perfect when nothing was called a class either (as binary)
  const dice = dices.length ? dices.reduce((a, b) => a + b, 0) / dices.length : fp.slice(1).some((v) => v > 0) ? 0 : 1;
  return { dice, perClass };
}

/**
 * Validation score of a StarDist network (outputs and targets [N, 1+R, …]): the mean of the Dice
 * of the objects' inner halves (predicted probability > 0.5 against target probability > 0.5; the
 * target is a normalised distance to the boundary, so a perfect network is above 0.5 exactly
 * there) and 1 − the relative error of the distances (Σ w·p̂·|d − d̂| / Σ w·p̂·d̂, p̂ the target
 * probability, so object centres count most). Both matter for the polygons; instance F1 is
 * measured after training.
 */
export function scoreStarValidation(prob: Float32Array, target: Float32Array, weight: Float32Array, channels: number, batch: number): number {
  const S = prob.length / (batch * channels);
  let tp = 0, fp = 0, fn = 0, err = 0, size = 0;
  for (let b = 0; b < batch; b++) for (let i = 0; i < S; i++) {
    const w = weight[b * S + i]!;
    if (w <= 0) continue;
    const base = b * channels * S + i, pt = target[base]!;
    const p = prob[base]! > 0.5, t = pt > 0.5;
    if (p && t) tp++; else if (p) fp++; else if (t) fn++;
    if (pt <= 0) continue;
    for (let k = 1; k < channels; k++) {
      err += w * pt * Math.abs(prob[base + k * S]! - target[base + k * S]!);
      size += w * pt * target[base + k * S]!;
    }
  }
  const dice = tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn);
  const distances = size > 0 ? Math.max(0, 1 - err / size) : 1;
  return (dice + distances) / 2;
}

/** Weighted Dice over the labeled voxels of fixed validation patches. */
async function validationDice(factory: SessionFactory, model: UNetConfig, params: Map<string, Float32Array>,
  batch: Patch, shape: number[]): Promise<ValidationScore> {
  const session = await factory(exportOnnxModel({ config: model, params, provenance: {} }, shape));
  try {
    const out = await session.run({ image: new Tensor('float32', batch.image, shape) });
    const prob = out[session.outputNames[0]!]!.data as Float32Array;
    if (model.starRays) return { dice: scoreStarValidation(prob, batch.target, batch.weight, model.outChannels, shape[0]!) };
    return scoreValidation(prob, batch.target, batch.weight, model.outChannels, shape[0]!);
  } finally {
    await session.release();
  }
}

export async function fit(factory: SessionFactory, o: FitOptions): Promise<FitResult> {
  if (o.train.length === 0) throw new LumenError('bad-input', 'there is nothing to train on: no labeled data');
  const channels = o.model.inChannels;
  const batchSize = o.batch ?? 2;
  // a network only maps multiples of its size multiple back to their own size; samplePatch pads the rest
  const patch = roundPatchToNetwork(o.model, o.patch);
  const [d, h, w] = patch;
  const spatial = o.model.dims === 3 ? [d, h, w] : [h, w];
  const batchShape = [batchSize, channels, ...spatial];
  const rand = seededRandom(o.seed ?? 0);
  const trainer = await Trainer.create({
    model: o.model, batchShape, loss: o.loss ?? 'bce+dice', optimizer: o.optimizer ?? { kind: 'adam' },
    frozen: o.frozen, seed: o.seed ?? 0, extension: o.extension, network: o.network,
  }, factory, o.init);
  const patchOpts: PatchOptions = { size: patch, flips: o.augment?.flips ?? true, flipZ: o.augment?.flipZ, rotations: o.augment?.rotations ?? true };
  const intensity = o.augment?.intensity === false ? undefined : (o.augment?.intensity ?? DEFAULT_INTENSITY_AUGMENT);

  // fixed validation patches, no augmentation, so scores are comparable across evaluations
  let validation: Patch | undefined;
  const valCount = o.validationPatches ?? batchSize * 2;
  const valShape = [valCount, channels, ...spatial];
  if (o.validation?.length && o.network !== 'heatmap') {
    const vrand = seededRandom((o.seed ?? 0) + 1);
    validation = stackPatches(Array.from({ length: valCount }, (_, i) =>
      samplePatch(o.validation![i % o.validation!.length]!, { size: patch, labeledFraction: 1 }, vrand)));
  }

  const evalEvery = o.evalEvery ?? Math.max(10, Math.round(o.steps / 12));
  let lr = o.lr ?? 3e-3;
  let best = -Infinity, bestParams = trainer.parameters(), sinceBest = 0, sincePlateau = 0, stoppedEarly = false;
  let bestPerClass: (number | null)[] | undefined;
  const history: FitResult['history'] = [];
  let step = 0, lastEval = 0, outOfTime = false;
  const evaluate = async (at: number) => {
    lastEval = at;
    const score = await validationDice(factory, o.model, trainer.parameters(), validation!, valShape);
    const dice = score.dice;
    history.at(-1)!.validationDice = dice;
    o.onEval?.(at, dice);
    // Until the model finds any foreground (Dice 0, common early on with a sparse, thin class),
    // the latest weights count as the best and patience does not run: stopping then would keep
    // a model that never learned.
    if (dice > best + 1e-4 || (best <= 0 && dice >= best)) { best = dice; bestPerClass = score.perClass; bestParams = trainer.parameters(); sinceBest = 0; sincePlateau = 0; return; }
    sinceBest++; sincePlateau++;
    if (sincePlateau >= (o.plateauPatience ?? 2)) { lr /= 2; sincePlateau = 0; }
    // at the last step there is nothing left to stop: the budget ended the run, not the patience
    if (sinceBest >= (o.stopPatience ?? 5) && at < o.steps) stoppedEarly = true;
  };
  try {
    for (step = 1; step <= o.steps; step++) {
      if (o.shouldStop?.()) throw new LumenError('cancelled', 'training was stopped');
      if (o.deadline !== undefined && step > 1 && performance.now() > o.deadline) { outOfTime = true; break; }
      const patches = Array.from({ length: batchSize }, () => {
        const src = o.train[Math.floor(rand() * o.train.length)]!;
        const p = samplePatch(src, patchOpts, rand);
        if (intensity) augmentIntensity(p.image, intensity, rand);
        return p;
      });
      const loss = await trainer.step(stackPatches(patches), lr);
      history.push({ step, loss, lr });
      o.onStep?.(step, loss, lr);
      if (validation && (step % evalEvery === 0 || step === o.steps)) {
        await evaluate(step);
        if (stoppedEarly) break;
      }
    }
    const stepsDone = Math.min(step, o.steps) - (outOfTime ? 1 : 0);
    // out of time between evaluations: the latest weights still compete with the best so far
    if (outOfTime && validation && lastEval < stepsDone) await evaluate(stepsDone);
    return {
      params: validation ? bestParams : trainer.parameters(), history,
      bestValidationDice: validation ? best : undefined, ...(bestPerClass ? { bestValidationPerClass: bestPerClass } : {}), stoppedEarly,
      ...(outOfTime ? { outOfTime } : {}), steps: stepsDone,
    };
  } finally {
    await trainer.release();
  }
}
