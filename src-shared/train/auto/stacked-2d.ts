// The 2D network stacked on the pixel classifier: it sees the forest's probabilities beside the
// image (segmenter/stack.ts), so it can keep what the filters already get right and learn the
// context they miss (outlines, shapes, what lies around), instead of starting from pixels alone.
// The forest's probabilities are honest where it did not train: on held-out planes, and on the
// most of each labeled plane that its per-class sampling left out.
import type { LabeledVolume } from '../dataset.ts';
import { LumenError } from '../../errors.ts';
import { stackChannels } from '../../segmenter/stack.ts';
import type { Candidate, CandidateInput, CandidateOutput } from './candidate.ts';
import { planes2dCandidate } from './planes-2d.ts';
import { pixelClassifierCandidate } from './pixel-classifier.ts';

export const STACKED_2D = '2d on pixel classifier';

export function stacked2dCandidate(): Candidate {
  return {
    name: STACKED_2D,
    run: async (input) => {
      const forest = input.earlier?.find((o) => o.name === 'pixel-classifier');
      if (!forest) throw new LumenError('bad-input', 'the pixel classifier did not run, so there is nothing to stack on');
      return stackOn(input, forest, (stacked) => planes2dCandidate({ name: STACKED_2D }).run(stacked));
    },
  };
}

async function stackOn(input: CandidateInput, forest: CandidateOutput, train: (stacked: CandidateInput) => Promise<CandidateOutput>): Promise<CandidateOutput> {
  const withForest = (vs: LabeledVolume[]) => vs.map((v, i) => ({ ...v, image: stackChannels(v.image, forest.probabilities[i]!), channels: v.channels + forest.probabilities[i]!.length / (v.shape[0] * v.shape[1] * v.shape[2]) }));
  const net = await train({ ...input, train: withForest(input.train), validation: withForest(input.validation) });
  return {
    name: STACKED_2D, probabilities: net.probabilities, segmenter: { kind: 'stacked', first: forest.segmenter, then: net.segmenter }, report: net.report,
    // on more labels: the forest learns again, and the network resumes on its new probabilities
    resume: async (more) => {
      const f = more.earlier?.find((o) => o.name === 'pixel-classifier') ?? await (forest.resume ?? pixelClassifierCandidate().run)(more);
      return stackOn(more, f, (stacked) => net.resume ? net.resume(stacked) : planes2dCandidate({ name: STACKED_2D }).run(stacked));
    },
  };
}
