// The 2D network candidate for labels painted in planes: one lean 2D U-Net per axis that holds
// labeled planes, trained on those planes and applied to every plane along the same axis; with
// several axes (strokes in the axial, coronal and sagittal views) their probabilities are averaged.
import type { UNetConfig } from '../../nn/unet.ts';
import { fit } from '../fit.ts';
import { outputChannels } from '../classes.ts';
import { AXIS_NAMES, type Axis } from '../layout.ts';
import { fromAxisFront, labeledVolumeAlong } from '../axis-view.ts';
import { labeledSlices, sliceSource, type LabeledVolume } from '../dataset.ts';
import type { PatchSource } from '../patches.ts';
import { smallestShape, trainingPatch } from '../patches.ts';
import { unetPatchModel } from '../../infer/patch-model.ts';
import type { Segmenter } from '../../segmenter/segmenter.ts';
import { LumenError } from '../../errors.ts';
import { predictPlanar } from '../../infer/predict-planar.ts';
import { stopSignal } from './stop-signal.ts';
import { RESUME_LR, RESUME_STEPS, type Candidate, type CandidateInput, type CandidateOutput, type NetworkCandidateOptions } from './candidate.ts';
import { forClasses, modelSlices2d } from '../strategies/networks.ts';

/** Planes `indices` of a volume already turned so they are its z-slices (those holding labels), as 2D patch sources. */
export function planeSources(v: LabeledVolume, indices: number[], classes: readonly number[], foregroundWeight: number): PatchSource[] {
  const labeled = new Set(labeledSlices(v));
  return indices.filter((z) => labeled.has(z)).map((z) => sliceSource(v, z, classes, foregroundWeight));
}

export function labeledAxes(input: CandidateInput): Axis[] {
  const axes = new Set<Axis>();
  for (const l of input.layouts) if (l.kind === 'planes') l.axes.forEach((a) => axes.add(a));
  return [...axes].sort();
}

function planesOn(input: CandidateInput, volume: number, axis: Axis): number[] {
  const l = input.layouts[volume]!;
  return l.kind === 'planes' ? l.planes.filter((p) => p.axis === axis).map((p) => p.index) : [];
}

export function planes2dCandidate(o: NetworkCandidateOptions = {}): Candidate {
  return { name: o.name ?? '2d', run: (input) => runPlanes2d(input, o) };
}

/** The weights each axis's network reached, to resume from. */
type TrainedAxes = Map<Axis, { config: UNetConfig; params: Map<string, Float32Array> }>;

async function runPlanes2d(input: CandidateInput, o: NetworkCandidateOptions, from?: TrainedAxes): Promise<CandidateOutput> {
  const { train, validation, classes, options, ctx } = input;
  const axes = labeledAxes(input);
  if (axes.length === 0) throw new LumenError('bad-input', 'the labels are not on a few planes (they fill the volume or a 3D region): a 2D network needs labeled slices or strokes on planes');
  const channels = train[0]!.channels;
  const outC = outputChannels(classes);
  const fgw = options.foregroundWeight ?? 1;
  const members: Segmenter[] = [];
  const sums = train.map((v) => new Float32Array(outC * v.shape[0] * v.shape[1] * v.shape[2]));
  const report: Record<string, unknown> = {};
  const trained: TrainedAxes = new Map();
  // each axis's network sees fewer planes when there are several: fewer steps each, same total order
  const steps = Math.max(10, Math.round((o.baseSteps ?? 250) * (options.effort ?? 1) / Math.sqrt(axes.length)));
  for (const axis of axes) {
    const turned = train.map((v) => labeledVolumeAlong(v, axis));
    const turnedVal = validation.map((v) => labeledVolumeAlong(v, axis));
    const sources = turned.flatMap((v, i) => planeSources(v, planesOn(input, i, axis), classes, fgw));
    const valSources = turnedVal.flatMap((v, i) => planeSources(v, planesOn(input, i, axis), classes, fgw));
    const start = from?.get(axis) ?? o.init;
    const { model, init } = start ? forClasses(start.config, start.params, classes) : { model: modelSlices2d(channels, outC), init: undefined };
    const patch = trainingPatch(model, smallestShape(turned.map((v) => [1, v.shape[1], v.shape[2]])), [1, 128, 128]);
    const phase = `${o.name ?? '2D network'} on ${AXIS_NAMES[axis]}-planes`;
    const r = await fit(ctx.factory, {
      model, init,
      train: sources, validation: valSources.length ? valSources : undefined, patch, batch: 4, steps, lr: o.lr ?? 3e-3, seed: options.seed,
      augment: { flipZ: false }, shouldStop: ctx.shouldStop, deadline: input.deadline,
      onStep: (step, loss) => ctx.progress?.({ phase, step, steps, loss }),
      onEval: (step, dice) => ctx.progress?.({ phase, step, steps, validationDice: dice }),
    });
    const file = { config: model, params: r.params, classes, provenance: { strategy: o.name ?? '2d', axis: AXIS_NAMES[axis], steps: r.steps } };
    members.push({ kind: 'unet', model: file, axis });
    trained.set(axis, { config: model, params: r.params });
    report[`steps${AXIS_NAMES[axis].toUpperCase()}`] = r.steps;
    // how this axis's training ended, as the 3D candidate says it: early stopping, or a deadline
    if (r.stoppedEarly) report.stoppedEarly = true;
    if (r.outOfTime) report.outOfTime = true;
    const patchModel = unetPatchModel(ctx.factory, file);
    for (let i = 0; i < turned.length; i++) {
      const v = turned[i]!;
      const prob = await predictPlanar(patchModel, v.image, v.shape, v.channels, {
        patch: [1, 256, 256], signal: stopSignal(ctx), onProgress: (done, total) => ctx.progress?.({ phase: `${phase}: predicting`, step: done, steps: total }),
      });
      const back = fromAxisFront(prob, train[i]!.shape, outC, axis);
      const sum = sums[i]!;
      for (let k = 0; k < sum.length; k++) sum[k]! += back[k]!;
    }
  }
  for (const s of sums) for (let k = 0; k < s.length; k++) s[k]! /= axes.length;
  const resume = (more: CandidateInput) => runPlanes2d(more, { ...o, baseSteps: RESUME_STEPS * (o.baseSteps ?? 250), lr: RESUME_LR * (o.lr ?? 3e-3) }, trained);
  return { name: o.name ?? '2d', probabilities: sums, segmenter: members.length === 1 ? members[0]! : { kind: 'mean', members }, report: { axes: axes.map((a) => AXIS_NAMES[a]), ...report }, resume };
}
