// The JSON config of `lumen experiment`, read and checked before anything trains, and the part of
// it that decides a run's result: what a journal line is stamped with, so a rerun under changed
// settings is refused instead of mixing two set-ups in one table.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LumenError } from '../../src-shared/errors.ts';
import type { CurvePlan } from '../../src-shared/eval/learning-curve.ts';
import type { RunSettings } from '../../src-shared/eval/experiment-journal.ts';
import { checkBudgetRule, type BudgetRule } from '../../src-shared/eval/training-budget.ts';
import { STRATEGY_NAMES } from '../../src-shared/train/auto/train-segmenter.ts';
import { STRATEGIES } from '../../src-shared/train/strategies/index.ts';
import { DRIVE_IDS } from './drive.ts';

/** The config's strategy for a pretrained model used as it is, with no training: "synthetic only". */
export const AS_IS = 'pretrained-as-is';
/** The same model adapted to each stack or photograph without labels (`lumen predict --self-train`). */
export const SELF_TRAINED = 'pretrained-self-trained';
/** Strategies that train nothing on the labels: their model is the config's "pretrained" one. */
export const UNTRAINED = [AS_IS, SELF_TRAINED];

/**
 * DRIVE: the 20 photographs are the units (N labeled images). VesselNN: one stack, whose z-slices
 * are the units (N labeled slices; scored on the slices no split trains on).
 */
export type ExperimentDataset = { kind: 'drive'; root: string } | { kind: 'vesselnn'; root: string; stack: string };
const DATASET_KINDS = ['drive', 'vesselnn'];

export interface ExperimentConfig {
  name: string;
  dataset: ExperimentDataset;
  n: number[];
  strategies: string[];
  splits?: number;
  testSize?: number;
  effort?: number;
  /** how the effort grows with N (training-budget.ts); default fixed */
  budget?: BudgetRule;
  /** seconds of training after which a run ends, keeping its best weights so far */
  maxSecondsPerRun?: number;
  /** relative loss weight of vessel voxels (thin structures) */
  foregroundWeight?: number;
  seed?: number;
  /** a paragraph on the set-up, printed above the tables */
  notes?: string;
  pretrained?: Record<string, string>;
  weightPrior?: string;
  /**
   * localization-pretrain as Hu et al. set it up: clicks (simulated: 40 random vessel pixels per
   * image) on the first `clickImages` images of each split's shuffle, masks on the first N only.
   * Absent: clicks on the N masked images.
   */
  clickImages?: number;
  out: string;
}

export function readExperimentConfig(configPath: string): ExperimentConfig {
  let cfg: ExperimentConfig;
  try { cfg = JSON.parse(readFileSync(configPath, 'utf8')); } catch (e) { throw new LumenError('bad-input', `cannot read ${configPath}: ${(e as Error).message}`); }
  if (!DATASET_KINDS.includes(cfg.dataset?.kind)) throw new LumenError('unsupported', `dataset kind '${cfg.dataset?.kind}' is not supported (supported: ${DATASET_KINDS.join(', ')})`);
  const bad = (why: string) => new LumenError('bad-input', `${configPath}: ${why}`);
  if (cfg.dataset.kind === 'vesselnn') {
    if (!(typeof cfg.dataset.stack === 'string' && cfg.dataset.stack)) throw bad('a vesselnn dataset names its "stack" (e.g. burgess2014_tgMouse: STACK_image.tif and STACK_labels.tif in "root")');
    // the scored slices are part of the result: said once, not derived from the N list (which may grow)
    if (cfg.testSize === undefined) throw bad('a vesselnn dataset needs "testSize": how many z-slices, never trained on, are scored');
  }
  if (typeof cfg.out !== 'string' || !cfg.out) throw bad('"out" (where the results go, without extension) is missing');
  if (!Array.isArray(cfg.n) || !cfg.n.length || !cfg.n.every((n) => Number.isInteger(n) && n >= 1)) throw bad('"n" must be a list of labeled-image counts ≥ 1');
  if (!Array.isArray(cfg.strategies) || !cfg.strategies.length || !cfg.strategies.every((s) => typeof s === 'string' && s)) throw bad('"strategies" must be a list of strategy names');
  // checked now, not when its first run comes up hours into the grid
  // DRIVE runs the network strategies on photographs; a stack runs anything `lumen segment` does
  const known = [...(cfg.dataset.kind === 'drive' ? ['auto', ...Object.keys(STRATEGIES)] : STRATEGY_NAMES), ...UNTRAINED];
  const unknown = cfg.strategies.filter((s) => !known.includes(s));
  if (unknown.length) throw bad(`unknown strateg${unknown.length > 1 ? 'ies' : 'y'} ${unknown.join(', ')}; choose from: ${known.join(', ')}`);
  for (const u of UNTRAINED) {
    if (cfg.strategies.includes(u) && !cfg.pretrained?.[u]) throw bad(`"${u}" needs its model in "pretrained" (e.g. "pretrained": { "${u}": "vessels-3d" })`);
  }
  for (const k of ['splits', 'testSize'] as const) {
    if (cfg[k] !== undefined && !(Number.isInteger(cfg[k]) && cfg[k]! >= 1)) throw bad(`"${k}" must be an integer ≥ 1`);
  }
  for (const k of ['effort', 'maxSecondsPerRun', 'foregroundWeight'] as const) {
    if (cfg[k] !== undefined && !(typeof cfg[k] === 'number' && Number.isFinite(cfg[k]) && cfg[k]! > 0)) throw bad(`"${k}" must be a positive number`);
  }
  cfg.budget = checkBudgetRule(cfg.budget);
  if (cfg.clickImages !== undefined) {
    if (!cfg.strategies.includes('localization-pretrain')) throw bad('"clickImages" is for the localization-pretrain strategy, which the config does not run');
    if (cfg.dataset.kind !== 'drive') throw bad('"clickImages" (clicks on more images than carry masks) is for DRIVE');
    const pool = curvePlan(cfg, 0);
    if (!(Number.isInteger(cfg.clickImages) && cfg.clickImages >= Math.max(...cfg.n) && cfg.clickImages + pool.testSize <= pool.units.length)) {
      throw bad(`"clickImages" must be a whole number from the largest N (${Math.max(...cfg.n)}) to ${pool.units.length - pool.testSize} (the images not held out for testing)`);
    }
  }
  // The results JSON beside the config must not be the config itself: writing it would erase the
  // set-up (notes, strategies) that the page and a rerun need.
  if (resolve(dirname(resolve(configPath)), `${cfg.out}.json`) === resolve(configPath)) {
    throw new LumenError('bad-input', `"out" (${cfg.out}) would overwrite the config ${configPath} with the results: name the results differently`);
  }
  return cfg;
}

/** The grid: DRIVE's photographs, or a VesselNN stack's `depth` z-slices (named z0, z1, …). */
export function curvePlan(cfg: ExperimentConfig, depth?: number): CurvePlan {
  const units = cfg.dataset.kind === 'drive' ? DRIVE_IDS : Array.from({ length: depth ?? 0 }, (_, z) => `z${z}`);
  return { units, n: cfg.n, strategies: cfg.strategies, splits: cfg.splits ?? 3, testSize: cfg.testSize ?? 10, seed: cfg.seed ?? 0 };
}

/** What the scores are over, for the results page. */
export function scoredOn(cfg: ExperimentConfig, plan: CurvePlan): string {
  return cfg.dataset.kind === 'drive' ? `${plan.testSize} held-out images inside the FOV` : `${plan.testSize} held-out z-slices of ${cfg.dataset.stack}`;
}

/**
 * What decides the result of a run of `strategy`, given its split, N and training units: the
 * dataset, the test-set size and seed (they choose the units), the effort and budget rule, the
 * time cap, the loss weighting, and the pretrained model and weight prior it starts from. Left
 * out: the name, notes and out path (words), the N list, strategies and split count (the grid:
 * a split's units depend on the seed alone, see planSplits), other strategies' pretrained models,
 * the data's folder (moving DRIVE does not change it) and the device.
 */
export function resultSettings(cfg: ExperimentConfig, strategy: string, maxSecondsPerRun: number | undefined): RunSettings {
  return {
    dataset: cfg.dataset.kind === 'drive' ? 'drive' : `vesselnn:${cfg.dataset.stack}`, testSize: cfg.testSize ?? 10, seed: cfg.seed ?? 0, effort: cfg.effort ?? 1, budget: cfg.budget ?? 'fixed',
    maxSecondsPerRun: maxSecondsPerRun ?? null, foregroundWeight: cfg.foregroundWeight ?? 1,
    pretrained: cfg.pretrained?.[strategy] ?? null, weightPrior: cfg.weightPrior ?? null,
    // only where it changes the run, so journals written before the option keep their fingerprints
    ...(strategy === 'localization-pretrain' && cfg.clickImages !== undefined ? { clickImages: cfg.clickImages } : {}),
  };
}
