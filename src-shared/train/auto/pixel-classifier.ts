// The pixel classifier as a candidate: filter features and a random forest (classic/), the
// classical baseline the networks must beat, and often the best answer on strokes.
import { trainPixelClassifier, predictPixelClassifier } from '../../classic/index.ts';
import type { Candidate, CandidateInput, CandidateOutput } from './candidate.ts';
import { stopSignal } from './stop-signal.ts';

/** Trees cost little to train: a quick run (low effort) still gets at least half the forest. */
const MIN_FOREST_EFFORT = 0.5;

export function pixelClassifierCandidate(): Candidate {
  return { name: 'pixel-classifier', run: runPixelClassifier };
}

async function runPixelClassifier(input: CandidateInput): Promise<CandidateOutput> {
  const { train, options, ctx } = input;
  const { model, report } = await trainPixelClassifier(train, { seed: options.seed, effort: Math.max(MIN_FOREST_EFFORT, options.effort ?? 1), spacing: train[0]!.spacing }, ctx);
  const probabilities: Float32Array[] = [];
  for (const v of train) {
    probabilities.push(await predictPixelClassifier(ctx.factory, model, v.image, v.shape, v.channels, {
      signal: stopSignal(ctx), onProgress: (done, total) => ctx.progress?.({ phase: 'pixel classifier: predicting', step: done, steps: total }),
    }));
  }
  return { name: 'pixel-classifier', probabilities, segmenter: { kind: 'pixel-classifier', model }, report };
}
