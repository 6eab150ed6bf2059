// The pixel classifier as a candidate: filter features and a random forest (classic/), the
// classical baseline the networks must beat, and often the best answer on strokes.
import { trainPixelClassifier, predictPixelClassifier } from '../../classic/index.ts';
import type { Candidate, CandidateInput, CandidateOutput } from './candidate.ts';
import { stopSignal } from './stop-signal.ts';

/** Trees cost little to train: a quick run (low effort) still gets at least half the forest. */
const MIN_FOREST_EFFORT = 0.5;

export const PIXEL_CLASSIFIER_WITH_POSITION = 'pixel-classifier-with-position';

export function pixelClassifierCandidate(): Candidate {
  return { name: 'pixel-classifier', forest: true, run: (input) => runPixelClassifier(input, 'pixel-classifier', false) };
}

/**
 * The same forest that also sees where each voxel lies (infer/coordinates.ts): structures told
 * apart by place more than by look. On the INIA19 MRI with 3 labeled slices, the anchor's forest
 * with positions scored 0.43–0.80 on the cerebellum (0.24–0.30 without) and 0.58–0.71 on 4 classes
 * (0.44–0.46). Where place means little (vessels anywhere in a stack) the held-out planes decide:
 * on the VesselNN stacks it was kept and did as well or better (burgess 0.874 against 0.844); on
 * some MRI views it scored below the plain forest on the held-out slice and was passed over.
 */
export function pixelClassifierWithPositionCandidate(): Candidate {
  return { name: PIXEL_CLASSIFIER_WITH_POSITION, forest: true, run: (input) => runPixelClassifier(input, PIXEL_CLASSIFIER_WITH_POSITION, true) };
}

async function runPixelClassifier(input: CandidateInput, name: string, coordinates: boolean): Promise<CandidateOutput> {
  const { train, options, ctx } = input;
  const { model, report } = await trainPixelClassifier(train, { seed: options.seed, effort: Math.max(MIN_FOREST_EFFORT, options.effort ?? 1), spacing: train[0]!.spacing, coordinates }, ctx);
  const probabilities: Float32Array[] = [];
  for (const v of train) {
    probabilities.push(await predictPixelClassifier(ctx.factory, model, v.image, v.shape, v.channels, {
      signal: stopSignal(ctx), onProgress: (done, total) => ctx.progress?.({ phase: 'pixel classifier: predicting', step: done, steps: total }),
    }));
  }
  return { name, probabilities, segmenter: { kind: 'pixel-classifier', model }, report: { ...report, ...(coordinates ? { strategy: name } : {}) } };
}
