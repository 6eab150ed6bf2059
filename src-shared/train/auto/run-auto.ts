// `auto`: the user gets the best of the candidates without knowing their names. Every candidate
// that fits the labels' layout trains on the same training part of the labels and is scored on the
// same held-out part; the best one, or the mean of the best two when that scores higher, is kept.
// Its whole-volume probabilities are already computed, so nothing is trained or predicted twice.
import type { LabeledVolume } from '../dataset.ts';
import { trainableClasses } from '../classes.ts';
import { detectLayout, describeLayout, type LabelLayout } from '../layout.ts';
import { splitForValidation } from '../validation-split.ts';
import type { StrategyContext, StrategyOptions } from '../strategy.ts';
import type { Segmenter } from '../../segmenter/segmenter.ts';
import { describeSegmenter } from '../../segmenter/segmenter.ts';
import { LumenError } from '../../errors.ts';
import type { Candidate, CandidateInput, CandidateOutput } from './candidate.ts';
import { compareScores, heldOutScore, type HeldOutScore } from './score.ts';
import { planes2dCandidate } from './planes-2d.ts';
import { unet3dCandidate } from './unet-3d.ts';
import { pixelClassifierCandidate } from './pixel-classifier.ts';
import { finetuneCandidates } from './finetune.ts';

export interface CandidateReport {
  name: string;
  /** what it is, in words */
  model: string;
  validationDice: number;
  perClass: Record<string, number>;
  /** mean probability given to the true class on the held-out voxels (breaks ties of Dice) */
  trueClassProbability?: number;
  seconds: number;
  report?: Record<string, unknown>;
  /** why it failed on this input (the others still competed) */
  error?: string;
  /** why it was not tried (the time budget) */
  skipped?: string;
}

export interface AutoResult {
  segmenter: Segmenter;
  classes: number[];
  /** per volume, planar [Kout][D][H][W] */
  probabilities: Float32Array[];
  report: {
    layout: string;
    chosen: string;
    validationDice: number;
    /** the held-out labeled voxels per class value the scores rest on */
    heldOutVoxels: Record<string, number>;
    candidates: CandidateReport[];
  };
}

/** 3D networks on planar labels cost minutes on large stacks; below this they are worth a try. */
const PLANAR_3D_MAX_VOXELS = 2_500_000;

/**
 * Seconds `auto` may spend at effort 1 (the issue's 3 minutes for a 25×512×512 stack). Candidates
 * run in order of expected worth; once half of it is spent, the ones left are passed over (and
 * listed as such), so a large volume gets the cheap strong candidates and a small one all of them.
 */
export const AUTO_BUDGET_SECONDS = 180;
const START_NO_LATER_THAN = 0.5;

/** In order: the pixel classifier, the 2D network on the labeled planes, fine-tuned pretrained models, a 3D network. */
export function candidatesFor(data: LabeledVolume[], layouts: LabelLayout[], options: StrategyOptions = {}): Candidate[] {
  const planar = layouts.every((l) => l.kind === 'planes');
  const isImage = data.every((v) => v.shape[0] === 1);
  const voxels = data.reduce((a, v) => a + v.shape[0] * v.shape[1] * v.shape[2], 0);
  const out: Candidate[] = [pixelClassifierCandidate()];
  if (planar) out.push(planes2dCandidate());
  out.push(...finetuneCandidates(data, layouts, options));
  if (!isImage && (!planar || voxels <= PLANAR_3D_MAX_VOXELS)) out.push(unet3dCandidate());
  return out;
}

export async function runAuto(data: LabeledVolume[], options: StrategyOptions, ctx: StrategyContext, only?: Candidate[]): Promise<AutoResult> {
  const classes = trainableClasses(...data.map((v) => v.labels));
  const layouts = data.map((v) => detectLayout(v.labels, v.shape));
  const splits = data.map((v, i) => splitForValidation(v.labels, v.shape, layouts[i]!));
  const input: CandidateInput = {
    train: data.map((v, i) => ({ ...v, labels: splits[i]!.train })),
    validation: data.map((v, i) => ({ ...v, labels: splits[i]!.validation })),
    layouts, classes, options, ctx,
  };
  const candidates = only ?? candidatesFor(data, layouts, options);
  const budget = AUTO_BUDGET_SECONDS * (options.effort ?? 1);
  const started = performance.now();
  const scored: { out: CandidateOutput; score: HeldOutScore }[] = [];
  const reports: CandidateReport[] = [];
  for (const c of candidates) {
    if (ctx.shouldStop?.()) throw new LumenError('cancelled', 'training was stopped');
    const t0 = performance.now();
    if (scored.length >= 2 && (t0 - started) / 1000 > START_NO_LATER_THAN * budget) {
      reports.push({ name: c.name, model: c.name, validationDice: 0, perClass: {}, seconds: 0, skipped: `${Math.round((t0 - started) / 1000)} s of the ${Math.round(budget)} s budget were spent` });
      continue;
    }
    try {
      const out = await c.run(input);
      const score = meanScore(out.probabilities.map((p, i) => heldOutScore(p, splits[i]!.validation, classes)));
      scored.push({ out, score });
      reports.push({ name: c.name, model: describeSegmenter(out.segmenter), validationDice: +score.dice.toFixed(4), perClass: score.perClass, trueClassProbability: +score.soft.toFixed(4), seconds: +((performance.now() - t0) / 1000).toFixed(1), report: out.report });
    } catch (e) {
      // a candidate that cannot handle this input is passed over; the others still compete
      if ((e as LumenError).code === 'cancelled' || candidates.length === 1) throw e;
      reports.push({ name: c.name, model: c.name, validationDice: 0, perClass: {}, seconds: +((performance.now() - t0) / 1000).toFixed(1), error: (e as Error).message });
    }
  }
  if (scored.length === 0) throw new LumenError('bad-input', `no candidate could learn from these labels: ${reports.map((r) => `${r.name}: ${r.error}`).join('; ')}`);
  scored.sort((a, b) => compareScores(b.score, a.score));
  let best = scored[0]!;
  if (scored.length >= 2) {
    const [a, b] = [scored[0]!.out, scored[1]!.out];
    const mean = a.probabilities.map((p, i) => p.map((x, k) => (x + b.probabilities[i]![k]!) / 2));
    const score = meanScore(mean.map((p, i) => heldOutScore(p, splits[i]!.validation, classes)));
    const name = `mean of ${a.name} and ${b.name}`;
    const segmenter: Segmenter = { kind: 'mean', members: [a.segmenter, b.segmenter] };
    reports.push({ name, model: describeSegmenter(segmenter), validationDice: +score.dice.toFixed(4), perClass: score.perClass, trueClassProbability: +score.soft.toFixed(4), seconds: 0 });
    if (compareScores(score, best.score) > 0) best = { out: { name, probabilities: mean, segmenter, report: {} }, score };
  }
  return {
    segmenter: best.out.segmenter, classes, probabilities: best.out.probabilities,
    report: {
      layout: layouts.map(describeLayout).join('; '), chosen: best.out.name, validationDice: +best.score.dice.toFixed(4),
      heldOutVoxels: best.score.voxels, candidates: reports,
    },
  };
}

/** Several volumes: Dice averaged over volumes, voxel counts summed. */
function meanScore(scores: HeldOutScore[]): HeldOutScore {
  if (scores.length === 1) return scores[0]!;
  const perClass: Record<string, number> = {}, voxels: Record<string, number> = {};
  let soft = 0;
  for (const s of scores) {
    soft += s.soft / scores.length;
    for (const [k, v] of Object.entries(s.perClass)) perClass[k] = (perClass[k] ?? 0) + v / scores.length;
    for (const [k, v] of Object.entries(s.voxels)) voxels[k] = (voxels[k] ?? 0) + v;
  }
  return { dice: scores.reduce((a, s) => a + s.dice, 0) / scores.length, perClass, voxels, soft };
}
