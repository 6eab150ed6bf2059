// The 3D network candidate: a U-Net on every labeled voxel, whatever plane or ball they were
// painted in. Thin stacks (fewer slices than a few times the in-plane down-sampling) keep z at full
// resolution, as the two-photon stacks need; deeper volumes (MRI) are down-sampled on all axes.
import type { UNetConfig } from '../../nn/unet.ts';
import { fit } from '../fit.ts';
import { outputChannels } from '../classes.ts';
import { volumeSource, type LabeledVolume } from '../dataset.ts';
import { smallestShape, trainingPatch } from '../patches.ts';
import { unetPatchModel } from '../../infer/patch-model.ts';
import { predictPlanar } from '../../infer/predict-planar.ts';
import { stopSignal } from './stop-signal.ts';
import { RESUME_LR, RESUME_STEPS, type Candidate, type CandidateInput, type CandidateOutput, type NetworkCandidateOptions } from './candidate.ts';
import { forClasses } from '../strategies/networks.ts';

/** Below this many slices a stack is "thin": z keeps full resolution. */
const THIN_STACK = 48;

export function model3dFor(data: LabeledVolume[], inChannels: number, outChannels: number): UNetConfig {
  const thin = Math.min(...data.map((v) => v.shape[0])) < THIN_STACK;
  return thin
    ? { dims: 3, inChannels, outChannels, channels: [16, 32, 64], norm: 'instance', downFactors: [[1, 2, 2], [1, 2, 2]] }
    : { dims: 3, inChannels, outChannels, channels: [16, 32, 64], norm: 'instance' };
}

export function unet3dCandidate(o: NetworkCandidateOptions = {}): Candidate {
  return { name: o.name ?? '3d', run: (input) => runUnet3d(input, o) };
}

async function runUnet3d(input: CandidateInput, o: NetworkCandidateOptions): Promise<CandidateOutput> {
  const { train, validation, classes, options, ctx } = input;
  const outC = outputChannels(classes);
  const fgw = options.foregroundWeight ?? 1;
  const { model, init } = o.init ? forClasses(o.init.config, o.init.params, classes) : { model: model3dFor(train, train[0]!.channels, outC), init: undefined };
  const thin = model.downFactors?.[0]?.[0] === 1;
  const patch = trainingPatch(model, smallestShape(train.map((v) => v.shape)), thin ? [8, 96, 96] : [48, 48, 48]);
  const steps = Math.max(10, Math.round((o.baseSteps ?? 200) * (options.effort ?? 1)));
  const phase = o.name ?? '3D network';
  const r = await fit(ctx.factory, {
    model, init, train: train.map((v) => volumeSource(v, fgw, classes)), validation: validation.map((v) => volumeSource(v, fgw, classes)),
    patch, batch: 2, steps, lr: o.lr ?? 3e-3, seed: options.seed, augment: { flipZ: !thin }, shouldStop: ctx.shouldStop, deadline: input.deadline,
    onStep: (step, loss) => ctx.progress?.({ phase, step, steps, loss }),
    onEval: (step, dice) => ctx.progress?.({ phase, step, steps, validationDice: dice }),
  });
  const file = { config: model, params: r.params, classes, provenance: { strategy: o.name ?? '3d', steps: r.steps } };
  const patchModel = unetPatchModel(ctx.factory, file);
  const probabilities: Float32Array[] = [];
  for (const v of train) {
    probabilities.push(await predictPlanar(patchModel, v.image, v.shape, v.channels, {
      patch: thin ? [Math.min(v.shape[0], 16), 128, 128] : [64, 64, 64],
      signal: stopSignal(ctx), onProgress: (done, total) => ctx.progress?.({ phase: `${phase}: predicting`, step: done, steps: total }),
    }));
  }
  const resume = (more: CandidateInput) => runUnet3d(more, {
    ...o, init: { config: model, params: r.params }, baseSteps: RESUME_STEPS * (o.baseSteps ?? 200), lr: RESUME_LR * (o.lr ?? 3e-3),
  });
  return { name: o.name ?? '3d', probabilities, segmenter: { kind: 'unet', model: file }, report: { steps: r.steps, ...(r.stoppedEarly ? { stoppedEarly: true } : {}), ...(r.outOfTime ? { outOfTime: true } : {}) }, resume };
}
