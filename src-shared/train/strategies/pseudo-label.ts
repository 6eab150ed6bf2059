// Sparse 2D slice annotations → whole-volume 3D model (Castelli, Mazzamuto et al.; Çiçek et al.):
// a 2D network learns from the few labeled slices and predicts pseudo-labels for the unlabeled
// ones; a 3D network then trains on labels (weight 1) plus pseudo-labels (weight λ·confidence),
// so it sees every slice while trusting the painted ones most.
import { fit } from '../fit.ts';
import { sliceSources, holdOut, volumeSource, classesOf, type LabeledVolume } from '../dataset.ts';
import { outputChannels } from '../classes.ts';
import { slidingWindowPredict } from '../../infer/sliding-window.ts';
import { unetPatchModel } from '../../infer/patch-model.ts';
import { planarToVolume } from '../volume-convert.ts';
import type { Strategy, StrategyOptions } from '../strategy.ts';
import type { PatchSource } from '../patches.ts';
import { requirePretrainedShape } from './finetune.ts';
import { forClasses, modelAnisotropic3d, modelSlices2d, patchFor } from './networks.ts';

export const PSEUDO_LABEL_WEIGHT = 0.3;

const steps = (base: number, effort = 1) => Math.max(10, Math.round(base * effort));

/** 2D phase on its own: also the `sparse-2d` strategy. */
export const sparse2d: Strategy = async (data, options, ctx) => {
  const classes = classesOf(data);
  const model = modelSlices2d(data[0]!.channels, outputChannels(classes));
  const split = sliceSources(data, options.foregroundWeight ?? 1, classes).map((s) => holdOut(s, 0.15));
  const n = steps(250, options.effort);
  const r = await fit(ctx.factory, {
    model, train: split.map((s) => s.train), validation: split.map((s) => s.validation), patch: patchFor(model, data, [1, 128, 128]), batch: 4,
    steps: n, lr: 3e-3, seed: options.seed, augment: { flipZ: false }, shouldStop: ctx.shouldStop, deadline: ctx.deadline,
    onStep: (step, loss) => ctx.progress?.({ phase: '2D on labeled slices', step, steps: n, loss }),
    onEval: (step, dice) => ctx.progress?.({ phase: '2D on labeled slices', step, steps: n, validationDice: dice }),
  });
  return {
    model: { config: model, params: r.params, classes, provenance: { strategy: 'sparse-2d', steps: r.steps } },
    report: { steps2d: r.steps, validationDice2d: r.bestValidationDice, ...(r.outOfTime ? { outOfTime: true } : {}), ...(r.bestValidationPerClass ? { validationPerClass2d: r.bestValidationPerClass } : {}) },
  };
};

/**
 * The 3D network of the pseudo-label phase: a fresh `modelAnisotropic3d` (lr 3e-3), or, with
 * `fromPretrained`, the pretrained 3D model the options name (lr 1e-3, a new head when the class
 * count differs): the semi-supervised form of fine-tuning, where the unlabeled slices speak too.
 */
function network3d(name: string, fromPretrained: boolean, channels: number, classes: readonly number[], options: StrategyOptions) {
  if (!fromPretrained) return { model: modelAnisotropic3d(channels, outputChannels(classes)), lr: 3e-3 };
  const p = requirePretrainedShape(options, name, 3, channels);
  return { ...forClasses(p.config, p.params, classes), lr: 1e-3 };
}

const pseudoLabelWith = (name: string, fromPretrained: boolean): Strategy => async (data, options, ctx) => {
  const classes = classesOf(data), outC = outputChannels(classes);
  // before the 2D phase, so that a wrong pretrained model is refused at once
  const { model, init, lr } = network3d(name, fromPretrained, data[0]!.channels, classes, options);
  const first = await sparse2d(data, options, ctx);
  const patchModel2d = unetPatchModel(ctx.factory, first.model);
  const sources: PatchSource[] = [];
  for (const v of data) {
    const prob = await slidingWindowPredict(patchModel2d, planarToVolume(v.image, v.shape, v.channels), {
      patch: [1, 256, 256], normalize: 'none', onProgress: (done, total) => ctx.progress?.({ phase: 'pseudo-labels', step: done, steps: total }),
    });
    sources.push(withPseudoLabels(volumeSource(v, options.foregroundWeight ?? 1, classes), prob.data as Float32Array, outC));
  }
  const split = sources.map((s) => holdOut(s, 0.15));
  // validation scores true labels only: pseudo-labelled voxels are dropped from the held-out part
  const validation = split.map((s, i) => ({ ...s.validation, weight: s.validation.weight.map((w, k) => (data[i]!.labels[k]! > 0 ? w : 0)) }));
  const n = steps(300, options.effort);
  const r = await fit(ctx.factory, {
    model, init, train: split.map((s) => s.train), validation, patch: patchFor(model, data, [8, 96, 96]), batch: 2, steps: n, lr,
    seed: options.seed, augment: { flipZ: true }, shouldStop: ctx.shouldStop, deadline: ctx.deadline,
    onStep: (step, loss) => ctx.progress?.({ phase: '3D on labels + pseudo-labels', step, steps: n, loss }),
    onEval: (step, dice) => ctx.progress?.({ phase: '3D on labels + pseudo-labels', step, steps: n, validationDice: dice }),
  });
  return {
    model: { config: model, params: r.params, classes, provenance: { strategy: name, pseudoLabelWeight: PSEUDO_LABEL_WEIGHT, steps2d: first.report.steps2d, steps3d: r.steps } },
    report: { ...first.report, ...(r.outOfTime ? { outOfTime: true } : {}), steps3d: r.steps, validationDice3d: r.bestValidationDice },
  };
};

export const pseudoLabel3d = pseudoLabelWith('pseudo-label', false);
/** The same, its 3D phase fine-tuning the pretrained 3D model instead of training one from He init. */
export const pseudoLabelFinetune = pseudoLabelWith('pseudo-label-finetune', true);

/**
 * Unlabeled voxels take the 2D network's call, weighted by λ and by its confidence. `prob` is
 * channel-last (as slidingWindowPredict returns it). Binary: class if p > 0.5, confidence |2p − 1|;
 * K classes: the most probable class, confidence (max p − 1/K) / (1 − 1/K), which is |2p − 1| for
 * K = 2 and 0 where the network cannot tell the classes apart.
 */
export function withPseudoLabels(src: PatchSource, prob: Float32Array, channels = 1): PatchSource {
  const target = Float32Array.from(src.target), weight = Float32Array.from(src.weight);
  const voxels = prob.length / channels;
  for (let i = 0; i < voxels; i++) {
    if (weight[i]! > 0) continue;
    if (channels === 1) {
      const p = prob[i]!;
      target[i] = p > 0.5 ? 1 : 0;
      weight[i] = PSEUDO_LABEL_WEIGHT * Math.abs(2 * p - 1);
      continue;
    }
    let best = 0;
    for (let k = 1; k < channels; k++) if (prob[i * channels + k]! > prob[i * channels + best]!) best = k;
    target[i] = best;
    weight[i] = PSEUDO_LABEL_WEIGHT * Math.max(0, (prob[i * channels + best]! - 1 / channels) / (1 - 1 / channels));
  }
  return { ...src, target, weight };
}
