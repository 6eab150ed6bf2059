// One run of a VesselNN curve: N z-slices of one two-photon stack are labeled from its truth
// (background 1, vessel 2) and the rest left unlabeled, as a user paints whole slices; the strategy
// trains as `lumen segment --strategy S` does (auto and its candidates included), or, for
// `pretrained-as-is`, the pretrained model predicts with no training at all (`pretrained-self-trained`:
// then adapts to the stack with no labels, as `lumen predict --self-train`). Scored by Dice over
// the test slices (threshold 0.5). The stack loads once per session.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LumenError } from '../../src-shared/errors.ts';
import { readVolume } from '../../src-shared/io/index.ts';
import type { RunCell } from '../../src-shared/eval/learning-curve.ts';
import { effortFor } from '../../src-shared/eval/training-budget.ts';
import { binaryScores } from '../../src-shared/eval/metrics.ts';
import type { LabeledVolume } from '../../src-shared/train/dataset.ts';
import { volumeToPlanar } from '../../src-shared/train/volume-convert.ts';
import { zscore } from '../../src-shared/train/normalize.ts';
import { trainSegmenter } from '../../src-shared/train/auto/train-segmenter.ts';
import { StepTally } from '../../src-shared/train/step-tally.ts';
import { importSegmenterOnnx } from '../../src-shared/segmenter/model-file.ts';
import { predictSegmenter } from '../../src-shared/segmenter/predict.ts';
import type { SessionFactory } from '../../src-shared/nn/session.ts';
import { loadPretrained, pretrainedPath } from '../pretrained.ts';
import { resolveBundledOrRelative } from './drive-cell.ts';
import { SELF_TRAINED, UNTRAINED, type ExperimentConfig } from './experiment-config.ts';
import { selfTrain } from '../../src-shared/classic/self-train.ts';

export interface VesselnnStack { name: string; image: Omit<LabeledVolume, 'labels'>; truth: Uint8Array }

export async function loadVesselnnStack(root: string, stack: string): Promise<VesselnnStack> {
  const image = await readVolume(resolve(root, `${stack}_image.tif`));
  const truth = await readVolume(resolve(root, `${stack}_labels.tif`));
  const [D, H, W, C] = image.shape;
  if (truth.shape[0] !== D || truth.shape[1] !== H || truth.shape[2] !== W) {
    throw new LumenError('shape-mismatch', `${stack}: the labels are ${truth.shape.slice(0, 3).join('×')} but the image is ${D}×${H}×${W}`);
  }
  return {
    name: stack,
    image: { shape: [D, H, W], channels: C, image: volumeToPlanar(image, zscore), spacing: image.geometry.spacing },
    truth: Uint8Array.from({ length: D * H * W }, (_, i) => (Number(truth.data[i * truth.shape[3]]) > 0 ? 1 : 0)),
  };
}

const sliceOf = (unit: string) => Number(unit.slice(1));

export function vesselnnRunCell(cfg: ExperimentConfig, configDir: string, stack: VesselnnStack, factory: SessionFactory, maxSecondsPerRun: number | undefined, stop: AbortSignal): RunCell {
  const [D, H, W] = stack.image.shape;
  const plane = H * W;
  // a missing model fails now, not when its strategy's first run comes up hours into the grid
  for (const name of Object.values(cfg.pretrained ?? {})) pretrainedPath(resolveBundledOrRelative(name, configDir));

  return async (train, test, strategyName, split) => {
    const pretrainedName = cfg.pretrained?.[strategyName];
    const effort = effortFor(cfg.budget ?? 'fixed', cfg.effort ?? 1, train.length);
    const steps = new StepTally();
    let prob: Float32Array;
    let stoppedEarly = false, capped = false;
    if (UNTRAINED.includes(strategyName)) {
      const { segmenter } = importSegmenterOnnx(new Uint8Array(readFileSync(pretrainedPath(resolveBundledOrRelative(pretrainedName!, configDir)))));
      prob = await predictSegmenter(factory, segmenter, stack.image.image, stack.image.shape, stack.image.channels);
      if (strategyName === SELF_TRAINED) prob = (await selfTrain(factory, stack.image, prob, { seed: split + 1 })).prob;
    } else {
      const labels = new Uint8Array(D * plane);
      for (const z of train.map(sliceOf)) for (let i = z * plane; i < (z + 1) * plane; i++) labels[i] = stack.truth[i]! + 1;
      const options = { effort, foregroundWeight: cfg.foregroundWeight ?? 1, seed: split, pretrained: pretrainedName ? loadPretrained(resolveBundledOrRelative(pretrainedName, configDir)) : undefined };
      const deadline = maxSecondsPerRun === undefined ? undefined : performance.now() + maxSecondsPerRun * 1000;
      const r = await trainSegmenter(strategyName, [{ ...stack.image, labels }], options, { factory, deadline, progress: steps.observe, shouldStop: () => stop.aborted });
      if (stop.aborted) throw new LumenError('cancelled', 'the run was stopped');
      prob = r.probabilities?.[0] ?? await predictSegmenter(factory, r.segmenter, stack.image.image, stack.image.shape, stack.image.channels);
      stoppedEarly = r.report.stoppedEarly === true;
      capped = r.report.outOfTime === true;
    }
    const scored = new Uint8Array(D * plane);
    for (const z of test.map(sliceOf)) scored.fill(1, z * plane, (z + 1) * plane);
    const s = binaryScores(Uint8Array.from(prob.subarray(0, D * plane), (p) => (p > 0.5 ? 1 : 0)), stack.truth, scored);
    const { tp, fp, fn } = s.confusion;
    return { dice: (2 * tp) / Math.max(1, 2 * tp + fp + fn), iou: tp / Math.max(1, tp + fp + fn), effort, steps: steps.done, stepsPlanned: steps.planned, stoppedEarly, capped };
  };
}
