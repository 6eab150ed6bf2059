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
import { samplePatch, stackPatches, type Patch, type PatchOptions, type PatchSource } from './patches.ts';
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
}

export interface FitResult {
  params: Map<string, Float32Array>;
  history: { step: number; loss: number; lr: number; validationDice?: number }[];
  bestValidationDice?: number;
  stoppedEarly: boolean;
  steps: number;
}

/** Weighted Dice over the labeled voxels of fixed validation patches. */
async function validationDice(factory: SessionFactory, model: UNetConfig, params: Map<string, Float32Array>,
  batch: Patch, shape: number[]): Promise<number> {
  const session = await factory(exportOnnxModel({ config: model, params, provenance: {} }, shape));
  try {
    const out = await session.run({ image: new Tensor('float32', batch.image, shape) });
    const prob = out[session.outputNames[0]!]!.data as Float32Array;
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < prob.length; i++) {
      if (batch.weight[i]! <= 0) continue;
      const p = prob[i]! > 0.5, t = batch.target[i]! > 0.5;
      if (p && t) tp++; else if (p) fp++; else if (t) fn++;
    }
    return tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn);
  } finally {
    await session.release();
  }
}

export async function fit(factory: SessionFactory, o: FitOptions): Promise<FitResult> {
  if (o.train.length === 0) throw new LumenError('bad-input', 'there is nothing to train on: no labeled data');
  const channels = o.model.inChannels;
  const batchSize = o.batch ?? 2;
  const [d, h, w] = o.patch;
  const spatial = o.model.dims === 3 ? [d, h, w] : [h, w];
  const batchShape = [batchSize, channels, ...spatial];
  const rand = seededRandom(o.seed ?? 0);
  const trainer = await Trainer.create({
    model: o.model, batchShape, loss: o.loss ?? 'bce+dice', optimizer: o.optimizer ?? { kind: 'adam' },
    frozen: o.frozen, seed: o.seed ?? 0, extension: o.extension, network: o.network,
  }, factory, o.init);
  const patchOpts: PatchOptions = { size: o.patch, flips: o.augment?.flips ?? true, flipZ: o.augment?.flipZ, rotations: o.augment?.rotations ?? true };
  const intensity = o.augment?.intensity === false ? undefined : (o.augment?.intensity ?? DEFAULT_INTENSITY_AUGMENT);

  // fixed validation patches, no augmentation, so scores are comparable across evaluations
  let validation: Patch | undefined;
  const valCount = o.validationPatches ?? batchSize * 2;
  const valShape = [valCount, channels, ...spatial];
  if (o.validation?.length && o.network !== 'heatmap') {
    const vrand = seededRandom((o.seed ?? 0) + 1);
    validation = stackPatches(Array.from({ length: valCount }, (_, i) =>
      samplePatch(o.validation![i % o.validation!.length]!, { size: o.patch, labeledFraction: 1 }, vrand)));
  }

  const evalEvery = o.evalEvery ?? Math.max(10, Math.round(o.steps / 12));
  let lr = o.lr ?? 3e-3;
  let best = -Infinity, bestParams = trainer.parameters(), sinceBest = 0, sincePlateau = 0, stoppedEarly = false;
  const history: FitResult['history'] = [];
  let step = 0;
  try {
    for (step = 1; step <= o.steps; step++) {
      if (o.shouldStop?.()) throw new LumenError('cancelled', 'training was stopped');
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
        const dice = await validationDice(factory, o.model, trainer.parameters(), validation, valShape);
        history.at(-1)!.validationDice = dice;
        o.onEval?.(step, dice);
        // Until the model finds any foreground (Dice 0, common early on with a sparse, thin class),
        // the latest weights count as the best and patience does not run: stopping then would keep
        // a model that never learned.
        if (dice > best + 1e-4 || (best <= 0 && dice >= best)) { best = dice; bestParams = trainer.parameters(); sinceBest = 0; sincePlateau = 0; }
        else {
          sinceBest++; sincePlateau++;
          if (sincePlateau >= (o.plateauPatience ?? 2)) { lr /= 2; sincePlateau = 0; }
          if (sinceBest >= (o.stopPatience ?? 5)) { stoppedEarly = true; break; }
        }
      }
    }
    return {
      params: validation ? bestParams : trainer.parameters(), history,
      bestValidationDice: validation ? best : undefined, stoppedEarly, steps: Math.min(step, o.steps),
    };
  } finally {
    await trainer.release();
  }
}
