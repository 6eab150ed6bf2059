// The few-label benchmark's summary: the "what must be shown" as numbers. Means are over
// the cases where every compared entry ran, so a strategy that failed somewhere is not flattered.
import { round4 } from './cases/score.ts';

export interface StrategyResult { dice?: number; dicePerClass?: Record<string, number>; diceAnchorRegion?: number; seconds: number; report?: Record<string, unknown>; error?: string }
export interface CaseResult {
  case: string; shape?: number[]; dtype?: string; layout?: string; classes?: number[]; labeledVoxels?: Record<string, number>; notes?: string; error?: string;
  strategies: Record<string, StrategyResult>; anchor?: { dice?: number; dicePerClass?: Record<string, number>; seconds: number; wallSeconds?: number; error?: string; sharedWith?: string };
}

const mean = (xs: number[]) => (xs.length ? round4(xs.reduce((a, b) => a + b, 0) / xs.length) : null);

/** A strategy's Dice on the anchor's region (all unlabeled voxels), for side-by-side comparison. */
const onAnchorRegion = (s: StrategyResult | undefined) => s?.diceAnchorRegion ?? s?.dice;

export function summarize(cases: CaseResult[], strategies: string[]) {
  const ran = (c: CaseResult, s: string) => c.strategies[s]?.dice !== undefined;
  const meanOf = (s: string) => { const xs = cases.filter((c) => ran(c, s)).map((c) => c.strategies[s]!.dice!); return { mean: mean(xs), cases: xs.length }; };
  const means: Record<string, { mean: number | null; cases: number }> = {};
  for (const s of strategies) means[s] = meanOf(s);
  const anchored = cases.filter((c) => c.anchor?.dice !== undefined);
  means.anchor = { mean: mean(anchored.map((c) => c.anchor!.dice!)), cases: anchored.length };

  const both = cases.filter((c) => ran(c, 'auto') && ran(c, 'pixel-classifier'));
  const autoMinusPixel = Object.fromEntries(both.map((c) => [c.case, round4(c.strategies.auto!.dice! - c.strategies['pixel-classifier']!.dice!)]));
  const gaps = Object.values(autoMinusPixel);
  const pcAnchor = cases.filter((c) => ran(c, 'pixel-classifier') && c.anchor?.dice !== undefined);
  const pixelMinusAnchor = Object.fromEntries(pcAnchor.map((c) => [c.case, round4(onAnchorRegion(c.strategies['pixel-classifier'])! - c.anchor!.dice!)]));
  const autoAnchor = cases.filter((c) => ran(c, 'auto') && c.anchor?.dice !== undefined);
  const autoMinusAnchor = Object.fromEntries(autoAnchor.map((c) => [c.case, round4(onAnchorRegion(c.strategies.auto)! - c.anchor!.dice!)]));

  return {
    meanDice: means,
    autoMinusPixelClassifier: { perCase: autoMinusPixel, mean: mean(gaps), cases: gaps.length },
    pixelClassifierMinusAnchor: { perCase: pixelMinusAnchor, mean: mean(Object.values(pixelMinusAnchor)) },
    autoMinusAnchor: { perCase: autoMinusAnchor, mean: mean(Object.values(autoMinusAnchor)) },
    goals: {
      autoBelowPixelClassifierMinus001: Object.entries(autoMinusPixel).filter(([, g]) => g < -0.01).map(([c]) => c),
      meanAutoMinusPixelClassifierAtLeast005: gaps.length ? mean(gaps)! >= 0.05 : null,
      pixelClassifierBelowAnchorMinus002: Object.entries(pixelMinusAnchor).filter(([, g]) => g < -0.02).map(([c]) => c),
      mriPlaneSpread: planeSpread(cases, [...strategies, 'anchor']),
    },
    timing25x512x512: timing(cases.find((c) => c.case === 'poon-2z'), strategies),
  };
}

/** max − min Dice over the axial, coronal and sagittal versions of each MRI target (goal: ≤ 0.03). */
function planeSpread(cases: CaseResult[], entries: string[]) {
  const out: Record<string, Record<string, number | null>> = {};
  for (const target of ['cerebellum', '4class']) {
    const planes = ['axial', 'coronal', 'sagittal'].map((p) => cases.find((c) => c.case === `mri-${target}-3${p}`));
    if (planes.some((c) => !c)) continue;
    out[target] = {};
    for (const e of entries) {
      const d = planes.map((c) => (e === 'anchor' ? c!.anchor?.dice : c!.strategies[e]?.dice));
      out[target]![e] = d.every((x) => x !== undefined) ? round4(Math.max(...(d as number[])) - Math.min(...(d as number[]))) : null;
    }
  }
  return out;
}

/** The 3-minute goal for a 25×512×512 stack with 2 labeled slices, beside the anchor's time. */
function timing(c: CaseResult | undefined, strategies: string[]) {
  if (!c) return undefined;
  const auto = c.strategies.auto;
  return {
    case: c.case, goalSeconds: 180,
    seconds: Object.fromEntries(strategies.map((s) => [s, c.strategies[s]?.seconds ?? null])),
    autoCandidates: auto?.report?.candidates ?? null,
    anchorSeconds: c.anchor?.seconds ?? null, anchorWallSeconds: c.anchor?.wallSeconds ?? null,
  };
}
