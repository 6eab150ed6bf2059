// `auto`: the user gets the best of the candidates without knowing their names. Every candidate
// that fits the labels' layout trains on the same training part of the labels and is scored on the
// same held-out part; the earliest one the best does not clearly beat is kept (or its mean with the
// best other, where that clearly beats it: score.ts).
// Where a whole plane was held out, the one kept then learns again from it too (networks resume
// from the weights they reached), since a plane is too much to leave out.
import type { LabeledVolume } from '../dataset.ts';
import { trainableClasses } from '../classes.ts';
import { detectLayout, describeLayout, type LabelLayout } from '../layout.ts';
import { describeHeldOut, splitForValidation } from '../validation-split.ts';
import type { StrategyContext, StrategyOptions } from '../strategy.ts';
import type { Segmenter } from '../../segmenter/segmenter.ts';
import { describeSegmenter } from '../../segmenter/segmenter.ts';
import { LumenError } from '../../errors.ts';
import type { Candidate, CandidateInput, CandidateOutput } from './candidate.ts';
import { clearlyBetter, compareScores, heldOutScore, type HeldOutScore } from './score.ts';
import { planes2dCandidate } from './planes-2d.ts';
import { stacked2dCandidate } from './stacked-2d.ts';
import { unet3dCandidate } from './unet-3d.ts';
import { pixelClassifierCandidate, pixelClassifierWithPositionCandidate } from './pixel-classifier.ts';
import { finetuneCandidates } from './finetune.ts';
import { coverageAdvice, MIN_COVERAGE, planeCoverage } from './coverage.ts';
import { isImageSeries } from '../image-series.ts';

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
    /** what was held out: whole planes, or bands across the labeled planes */
    heldOut: string;
    /** why the highest score was not kept, when it was not (the one-standard-error rule) */
    rule?: string;
    /** seconds the chosen candidate(s) took to learn again from all labels, when whole planes were held out */
    retrainSeconds?: number;
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
/** …and networks end their training by this share of it, leaving time to predict the volume and write it. */
const TRAIN_NO_LATER_THAN = 0.7;
/** Learning again from every plane gets at least this share of the budget. */
const RESUME_MIN_SHARE = 0.15;

/**
 * Whole planes are held out where an axis holds at least this many. With two, the candidates would
 * compete on one plane's labels: on a 4-class 24×48×40 volume the networks then saw 4 voxels of a
 * class and lost to a forest that, retrained on both planes, fell below what the mean of it and a
 * network reached on bands (0.88 against ≥ 0.9).
 */
const MIN_PLANES_TO_HOLD_OUT = 3;

/** In order: the pixel classifier, the same with voxel positions, the 2D network on the labeled planes and one stacked on the pixel classifier, fine-tuned pretrained models, a 3D network. */
export function candidatesFor(data: LabeledVolume[], layouts: LabelLayout[], options: StrategyOptions = {}): Candidate[] {
  const planar = layouts.every((l) => l.kind === 'planes');
  const isImage = data.every((v) => v.shape[0] === 1);
  const voxels = data.reduce((a, v) => a + v.shape[0] * v.shape[1] * v.shape[2], 0);
  const out: Candidate[] = [pixelClassifierCandidate(), pixelClassifierWithPositionCandidate()];
  if (planar) out.push(planes2dCandidate(), stacked2dCandidate());
  out.push(...finetuneCandidates(data, layouts, options));
  if (!isImage && (!planar || voxels <= PLANAR_3D_MAX_VOXELS)) out.push(unet3dCandidate());
  return out;
}

export async function runAuto(data: LabeledVolume[], options: StrategyOptions, ctx: StrategyContext, only?: Candidate[]): Promise<AutoResult> {
  const classes = trainableClasses(...data.map((v) => v.labels));
  const layouts = data.map((v) => detectLayout(v.labels, v.shape));
  let candidates = only ?? candidatesFor(data, layouts, options);
  const reports: CandidateReport[] = [], passedOver: CandidateReport[] = [];
  // networks only where the labeled planes speak for most of the volume (coverage.ts)
  const thin = only ? undefined : data.map((v, i) => {
    const series = isImageSeries(v);
    return { c: planeCoverage(layouts[i]!, v.shape, series), shape: v.shape, series };
  }).find((x) => x.c && x.c.fraction < MIN_COVERAGE);
  if (thin) {
    const why = coverageAdvice(thin.c!, thin.shape[thin.c!.axis], thin.series);
    passedOver.push(...candidates.filter((c) => !c.forest).map((c) => ({ name: c.name, model: c.name, validationDice: 0, perClass: {}, seconds: 0, skipped: why })));
    candidates = candidates.filter((c) => c.forest);
  }
  // one candidate competes with nobody: bands give its score without a second training
  const splits = data.map((v, i) => splitForValidation(v.labels, v.shape, layouts[i]!, { minPlanesToHoldOut: candidates.length > 1 ? MIN_PLANES_TO_HOLD_OUT : Infinity }));
  const input: CandidateInput = {
    train: data.map((v, i) => ({ ...v, labels: splits[i]!.train })),
    validation: data.map((v, i) => ({ ...v, labels: splits[i]!.validation })),
    layouts, classes, options, ctx,
  };
  /** One output's held-out score: every candidate and the mean of two are scored the same way. */
  const scoreOf = (out: CandidateOutput) => meanScore(out.probabilities.map((p, i) => heldOutScore(p, splits[i]!.validation, classes, data[i]!.shape)));
  const budget = AUTO_BUDGET_SECONDS * (options.effort ?? 1);
  const started = performance.now();
  // auto's time budget is for comparing candidates; one candidate asked for by name (`--strategy 3d`)
  // trains its full steps, like every other strategy, within the caller's deadline only. Held to
  // auto's budget, the 3D network on a 15×512×512 stack ran 82 of its 283 steps while `finetune`
  // ran all of its own, which made fine-tuning look 0.07 better than it was.
  const trainingDeadline = only?.length === 1 ? ctx.deadline : started + TRAIN_NO_LATER_THAN * budget * 1000;
  const scored: { candidate: Candidate; out: CandidateOutput; score: HeldOutScore }[] = [];
  for (const c of candidates) {
    if (ctx.shouldStop?.()) throw new LumenError('cancelled', 'training was stopped');
    const t0 = performance.now();
    if (scored.length >= 2 && (t0 - started) / 1000 > START_NO_LATER_THAN * budget) {
      reports.push({ name: c.name, model: c.name, validationDice: 0, perClass: {}, seconds: 0, skipped: `${Math.round((t0 - started) / 1000)} s of the ${Math.round(budget)} s budget were spent` });
      continue;
    }
    try {
      const out = await c.run({ ...input, deadline: trainingDeadline, earlier: scored.map((s) => s.out) });
      const score = scoreOf(out);
      scored.push({ candidate: c, out, score });
      reports.push(reportRow(c.name, out, score, +((performance.now() - t0) / 1000).toFixed(1)));
    } catch (e) {
      // a candidate that cannot handle this input is passed over; the others still compete
      if ((e as LumenError).code === 'cancelled' || candidates.length === 1) throw e;
      reports.push({ name: c.name, model: c.name, validationDice: 0, perClass: {}, seconds: +((performance.now() - t0) / 1000).toFixed(1), error: (e as Error).message });
    }
  }
  reports.push(...passedOver);
  if (scored.length === 0) throw new LumenError('bad-input', `no candidate could learn from these labels: ${reports.map((r) => `${r.name}: ${r.error}`).join('; ')}`);
  // The best by score; then the one-standard-error rule, widened for the number of candidates
  // (score.ts): the earliest candidate (the simplest, the pixel classifier first) that the best does
  // not clearly beat is kept, since held-out labels on a few planes flatter networks more often
  // than they warn about them.
  const best0 = [...scored].sort((a, b) => compareScores(b.score, a.score))[0]!;
  const compared = scored.length + 1; // the mean of two competes too
  const kept = scored.find((s) => s === best0 || !clearlyBetter(best0.score, s.score, compared))!;
  let chosen = [kept];
  let best = { out: kept.out, score: kept.score };
  const partner = [...scored].filter((s) => s !== kept).sort((a, b) => compareScores(b.score, a.score))[0];
  if (partner) {
    // the mean with the best of the others, where it clearly beats the one kept
    const mean = meanOf(kept.out, partner.out);
    const score = scoreOf(mean);
    reports.push(reportRow(mean.name, mean, score, 0));
    if (clearlyBetter(score, kept.score, compared)) { best = { out: mean, score }; chosen = [kept, partner]; }
  }
  let retrainSeconds: number | undefined;
  let final = best.out;
  if (splits.some((s) => s.heldOutPlanes.length)) {
    // The scores stand for the choice; where a whole plane was held out, the model the user gets
    // learns from it too, networks resuming from the weights they reached (a third of their steps),
    // so this costs little. After bands it does not: measured, relearning on every label moved the
    // forest both ways (the matrix's 4-class strokes 0.751 → 0.933, its 4-class y-slices
    // 0.925 → 0.876, poon's strokes 0.652 → 0.623), the variance of a forest on a few voxels.
    const t0 = performance.now();
    // within the budget's end, but never so little that the held-out labels are barely seen
    const deadline = Math.max(started + budget * 1000, t0 + RESUME_MIN_SHARE * budget * 1000);
    const all: CandidateInput = { ...input, train: data, validation: data.map((v, i) => ({ ...v, labels: splits[i]!.validation })), deadline };
    const outs: CandidateOutput[] = [];
    // a stacked network finds the forest retrained just before it in `earlier`
    for (const { candidate, out } of chosen) outs.push(await (out.resume ?? candidate.run)({ ...all, earlier: outs }));
    final = outs.length === 2 ? meanOf(outs[0]!, outs[1]!) : outs[0]!;
    retrainSeconds = +((performance.now() - t0) / 1000).toFixed(1);
  }
  return {
    segmenter: final.segmenter, classes, probabilities: final.probabilities,
    report: {
      layout: layouts.map(describeLayout).join('; '), chosen: best.out.name, validationDice: +best.score.dice.toFixed(4),
      heldOutVoxels: best.score.voxels, heldOut: splits.map(describeHeldOut).join('; '),
      ...(kept !== best0 ? { rule: `${best0.out.name} scored highest, but not clearly above ${kept.out.name} (by more than its standard error × √(2 ln ${compared})), which comes first` } : {}),
      ...(retrainSeconds !== undefined ? { retrainSeconds } : {}), candidates: reports,
    },
  };
}

function reportRow(name: string, out: CandidateOutput, score: HeldOutScore, seconds: number): CandidateReport {
  return {
    name, model: describeSegmenter(out.segmenter), validationDice: +score.dice.toFixed(4), perClass: score.perClass,
    trueClassProbability: +score.soft.toFixed(4), seconds, ...(Object.keys(out.report).length ? { report: out.report } : {}),
  };
}

function meanOf(a: CandidateOutput, b: CandidateOutput): CandidateOutput {
  const probabilities = a.probabilities.map((p, i) => p.map((x, k) => (x + b.probabilities[i]![k]!) / 2));
  const segmenter: Segmenter = { kind: 'mean', members: [a.segmenter, b.segmenter] };
  return { name: `mean of ${a.name} and ${b.name}`, probabilities, segmenter, report: {} };
}

/** Several volumes: Dice averaged over volumes, voxel counts summed, blocks pooled. */
function meanScore(scores: HeldOutScore[]): HeldOutScore {
  if (scores.length === 1) return scores[0]!;
  const blocks = scores.flatMap((s) => s.blocks ?? []);
  const perClass: Record<string, number> = {}, voxels: Record<string, number> = {};
  let soft = 0;
  for (const s of scores) {
    soft += s.soft / scores.length;
    for (const [k, v] of Object.entries(s.perClass)) perClass[k] = (perClass[k] ?? 0) + v / scores.length;
    for (const [k, v] of Object.entries(s.voxels)) voxels[k] = (voxels[k] ?? 0) + v;
  }
  return { dice: scores.reduce((a, s) => a + s.dice, 0) / scores.length, perClass, voxels, soft, blocks };
}
