// auto's orchestration on real candidates: with several labeled planes on an axis, one plane is held
// out whole while candidates compete, and the one chosen learns again from every plane; a resumed
// network continues from the weights it reached rather than starting over.
import { describe, expect, it } from 'vitest';
import { runAuto, type CandidateReport } from '../../src-shared/train/auto/run-auto.ts';
import { trainSegmenter } from '../../src-shared/train/auto/train-segmenter.ts';
import { pixelClassifierCandidate } from '../../src-shared/train/auto/pixel-classifier.ts';
import { planes2dCandidate } from '../../src-shared/train/auto/planes-2d.ts';
import type { Candidate, CandidateInput } from '../../src-shared/train/auto/candidate.ts';
import { detectLayout } from '../../src-shared/train/layout.ts';
import { planeCoverage } from '../../src-shared/train/auto/coverage.ts';
import type { LabeledVolume } from '../../src-shared/train/dataset.ts';
import { heldOutScore } from '../../src-shared/train/auto/score.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { loadPretrained } from '../../src-main/pretrained.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });
const shape: [number, number, number] = [12, 32, 32];
const [D, H, W] = shape;

/** Bright discs (class 2) on a dark noisy background, labeled on z-planes 2, 6 and 10. */
function volume(): { data: LabeledVolume; truth: Uint8Array } {
  const rand = seededRandom(7);
  const image = new Float32Array(D * H * W), truth = new Uint8Array(D * H * W), labels = new Uint8Array(D * H * W);
  for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    const inside = (y - 16) ** 2 + (x - 10 - z) ** 2 < 36 || (y - 6) ** 2 + (x - 24) ** 2 < 16;
    truth[i] = inside ? 2 : 1;
    image[i] = (inside ? 1 : 0) + 0.25 * (rand() - 0.5);
    if (z === 2 || z === 6 || z === 10) labels[i] = truth[i]!;
  }
  return { data: { shape, channels: 1, image, labels }, truth };
}

/** The labeled z-planes a candidate was given to learn from, per call. */
function recording(c: Candidate, calls: number[][]): Candidate {
  return {
    name: c.name,
    run: async (input: CandidateInput) => {
      const l = input.train[0]!.labels, planes: number[] = [];
      for (let z = 0; z < D; z++) if (l.subarray(z * H * W, (z + 1) * H * W).some((v) => v > 0)) planes.push(z);
      calls.push(planes);
      const out = await c.run(input);
      return out.resume ? { ...out, resume: (more) => { calls.push([-1]); return out.resume!(more); } } : out;
    },
  };
}

describe('auto: whole planes held out', () => {
  it('scores candidates on a plane they did not learn from, then has the chosen one learn from all three', async () => {
    const { data, truth } = volume();
    const calls: number[][] = [];
    const r = await runAuto([data], { effort: 0.05, seed: 1 }, { factory: runtime.factory }, [recording(pixelClassifierCandidate(), calls), recording(planes2dCandidate(), calls)]);
    expect(r.report.heldOut).toBe('whole planes held out: z 10');
    // the two candidates competed on planes 2 and 6; then the chosen learned again (or resumed) on all three
    expect(calls.slice(0, 2)).toEqual([[2, 6], [2, 6]]);
    const again = calls.slice(2);
    expect(again.length).toBeGreaterThanOrEqual(1);
    expect(again.filter((c) => c[0] !== -1).every((c) => c.join() === '2,6,10')).toBe(true);
    expect(r.report.retrainSeconds).toBeGreaterThan(0);
    expect(r.report.heldOutVoxels['2']).toBeGreaterThan(50);
    // the model returned is a working one: it finds the discs on the planes nobody labeled
    const unlabeled = truth.map((t, i) => (data.labels[i] ? 0 : t));
    expect(heldOutScore(r.probabilities[0]!, unlabeled, r.classes).dice).toBeGreaterThan(0.8);
  }, 120_000);

  it('resumes a 2D network from its weights for a share of its steps, on the labels it is given', async () => {
    const { data } = volume();
    const layout = detectLayout(data.labels, shape);
    const few = data.labels.map((l, i) => (Math.floor(i / (H * W)) === 2 ? l : 0));
    const input = (labels: Uint8Array): CandidateInput => ({
      train: [{ ...data, labels }], validation: [{ ...data, labels }], layouts: [layout], classes: [1, 2], options: { effort: 0.4, seed: 1 }, ctx: { factory: runtime.factory },
    });
    const first = await planes2dCandidate().run(input(few));
    expect(first.report.stepsZ).toBe(100);
    const resumed = await first.resume!(input(data.labels));
    expect(resumed.report.stepsZ).toBe(30);
    // it started from the trained weights: after 30 steps it is still close to them, not to a fresh start
    const a = first.segmenter.kind === 'unet' ? first.segmenter.model.params : undefined;
    const b = resumed.segmenter.kind === 'unet' ? resumed.segmenter.model.params : undefined;
    const x = a!.get('enc.0.conv2.weight')!, y = b!.get('enc.0.conv2.weight')!;
    let dot = 0, nx = 0, ny = 0;
    for (let i = 0; i < x.length; i++) { dot += x[i]! * y[i]!; nx += x[i]! ** 2; ny += y[i]! ** 2; }
    expect(dot / Math.sqrt(nx * ny)).toBeGreaterThan(0.9);
  }, 120_000);
});

describe('auto: networks only where the labeled planes speak for the volume', () => {
  it('measures how much of each axis lies within the labeled planes\' own spacing', () => {
    const planes = (axis: 0 | 1 | 2, ...at: number[]) => ({ kind: 'planes' as const, axes: [axis], planes: at.map((index) => ({ axis, index, voxels: 1 })) });
    expect(planeCoverage(planes(0, 8, 17), [25, 64, 64])).toEqual({ axis: 0, fraction: 1 });
    // three axial slices 8 apart in a 150-slice MRI: 3 + 2·8 + 2·8 planes of 150
    expect(planeCoverage(planes(0, 60, 68, 76), [150, 64, 64])!.fraction).toBeCloseTo(33 / 150, 5);
    // one plane per view (strokes in the three views): each covers itself only
    const three = { kind: 'planes' as const, axes: [0, 1, 2] as (0 | 1 | 2)[], planes: [0, 1, 2].map((axis) => ({ axis: axis as 0 | 1 | 2, index: 5, voxels: 1 })) };
    expect(planeCoverage(three, [20, 40, 10])).toEqual({ axis: 2, fraction: 0.1 });
    expect(planeCoverage(planes(0, 0), [1, 64, 64])).toEqual({ axis: 0, fraction: 1 });
    expect(planeCoverage({ kind: 'volume', labeledFraction: 0.01 }, [20, 20, 20])).toBeUndefined();
    // separate images in one file: two labeled of five speak for those two
    expect(planeCoverage(planes(0, 1, 3), [5, 64, 64], true)).toEqual({ axis: 0, fraction: 0.4 });
    expect(planeCoverage(planes(0, 1, 3), [5, 64, 64])).toEqual({ axis: 0, fraction: 1 });
  });

  it('runs only the pixel classifiers when the planes cover little, and says which planes to add', async () => {
    const { data } = volume();
    // one z-plane only: a network would be trusted for 1 of 12 planes
    const labels = data.labels.map((l, i) => (Math.floor(i / (H * W)) === 6 ? l : 0));
    const r = await runAuto([{ ...data, labels }], { effort: 0.05, seed: 1 }, { factory: runtime.factory });
    // the forests, with and without positions, or their mean
    expect(r.report.chosen).toMatch(/^(mean of )?pixel-classifier( and pixel-classifier-with-position|-with-position)?$/);
    expect(r.report.candidates.filter((c) => !c.skipped).map((c) => c.name)).toEqual(expect.arrayContaining(['pixel-classifier', 'pixel-classifier-with-position']));
    const skipped = r.report.candidates.filter((c) => c.skipped);
    expect(skipped.map((c) => c.name)).toEqual(expect.arrayContaining(['2d', '2d on pixel classifier']));
    expect(skipped[0]!.skipped).toMatch(/8% of the 12 z-planes.*label a few more planes spread along z/);
  }, 120_000);
});

describe('a candidate asked for by name (`--strategy 3d`)', () => {
  it('trains all its steps past auto\'s time budget, which is for comparing candidates; a deadline of its own shows as outOfTime', async () => {
    const { data } = volume();
    const stepsOf = (r: { report: Record<string, unknown> }) => (r.report.candidates as CandidateReport[])[0]!.report!.steps;
    // effort 1e-4: auto's budget would end training 13 ms in, after one step; the strategy's own count is 10 steps
    const full = await trainSegmenter('3d', [data], { effort: 1e-4, seed: 1 }, { factory: runtime.factory });
    expect(stepsOf(full)).toBe(10);
    expect(full.report.outOfTime).toBeUndefined();
    const capped = await trainSegmenter('3d', [data], { effort: 1e-4, seed: 1 }, { factory: runtime.factory, deadline: performance.now() });
    expect(stepsOf(capped)).toBeLessThan(10);
    expect(capped.report.outOfTime).toBe(true);
  }, 120_000);

  it('the 2D network by name (`--strategy sparse-2d`) says so too when a deadline ends its training', async () => {
    const { data } = volume();
    const capped = await trainSegmenter('sparse-2d', [data], { effort: 1e-4, seed: 1 }, { factory: runtime.factory, deadline: performance.now() });
    expect((capped.report.candidates as CandidateReport[])[0]!.report!.stepsZ).toBeLessThan(10);
    expect(capped.report.outOfTime).toBe(true);
    const full = await trainSegmenter('sparse-2d', [data], { effort: 1e-4, seed: 1 }, { factory: runtime.factory });
    expect((full.report.candidates as CandidateReport[])[0]!.report!.stepsZ).toBe(10);
    expect(full.report.outOfTime).toBeUndefined();
  }, 120_000);
});

describe('the 2D network fine-tuned by name (`--strategy finetune-2d --model M`)', () => {
  it('starts from the given 2D model: after 10 steps it segments the unlabeled planes far better than 10 steps from He init', async () => {
    const { data, truth } = volume();
    const unlabeled = truth.map((t, i) => (data.labels[i] ? 0 : t));
    const source = await trainSegmenter('sparse-2d', [data], { effort: 1, seed: 1 }, { factory: runtime.factory });
    if (source.segmenter.kind !== 'unet') throw new Error('sparse-2d gave no single network');
    const pretrained = source.segmenter.model;
    const tuned = await trainSegmenter('finetune-2d', [data], { effort: 1e-4, seed: 2, pretrained }, { factory: runtime.factory });
    const scratch = await trainSegmenter('sparse-2d', [data], { effort: 1e-4, seed: 2 }, { factory: runtime.factory });
    const score = (r: typeof tuned) => heldOutScore(r.probabilities![0]!, unlabeled, r.classes).dice;
    expect(tuned.strategy).toBe('finetune-2d');
    // on these easy discs the held-out planes stop improving well before 250 steps: said in the report, as for every strategy
    expect(source.report.stoppedEarly).toBe(true);
    expect((source.report.candidates as CandidateReport[])[0]!.report!.stepsZ).toBeLessThan(250);
    expect(scratch.report.stoppedEarly).toBeUndefined();
    expect(score(tuned)).toBeGreaterThan(0.8);
    expect(score(tuned)).toBeGreaterThan(score(scratch) + 0.1);
  }, 180_000);

  it('refuses to start without a model, from a 3D one, or from one made for other channels', async () => {
    const { data } = volume();
    await expect(trainSegmenter('finetune-2d', [data], { effort: 1e-4 }, { factory: runtime.factory })).rejects.toThrow(/needs a pretrained model/);
    const three = await trainSegmenter('3d', [data], { effort: 1e-4, seed: 1 }, { factory: runtime.factory });
    if (three.segmenter.kind !== 'unet') throw new Error('3d gave no single network');
    await expect(trainSegmenter('finetune-2d', [data], { effort: 1e-4, pretrained: three.segmenter.model }, { factory: runtime.factory })).rejects.toThrow(/needs a 2D pretrained model with 1 input channel\(s\); the one given is 3D with 1/);
    await expect(trainSegmenter('finetune-2d', [data], { effort: 1e-4, pretrained: loadPretrained('vessels-2d-fundus') }, { factory: runtime.factory })).rejects.toThrow(/the one given is 2D with 3/);
  }, 120_000);
});
