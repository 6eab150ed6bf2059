// One run of a DRIVE learning curve: train a strategy on N photographs with the effort the budget
// rule gives N, at most `maxSecondsPerRun` of training, then score the held-out photographs (pooled
// over them, inside the FOV, threshold 0.5). Photographs load on first use, so a session that
// runs a part of the grid, or nothing, reads only what it needs. `stop` (Ctrl-C) ends training at
// its next step and scoring at its next patch, with a LumenError 'cancelled'.
import { resolve } from 'node:path';
import { effortFor } from '../../src-shared/eval/training-budget.ts';
import { binaryScores } from '../../src-shared/eval/metrics.ts';
import { slidingWindowPredict, unetPatchModel } from '../../src-shared/infer/index.ts';
import { planarToVolume } from '../../src-shared/train/volume-convert.ts';
import { strategyByName } from '../../src-shared/train/strategies/index.ts';
import { StepTally } from '../../src-shared/train/step-tally.ts';
import type { SessionFactory } from '../../src-shared/nn/session.ts';
import { loadPretrained, loadWeightPrior, pretrainedPath } from '../pretrained.ts';
import { loadDriveCase, type DriveCase } from './drive.ts';
import { SELF_TRAINED, UNTRAINED, curvePlan, type ExperimentConfig } from './experiment-config.ts';
import { selfTrain } from '../../src-shared/classic/self-train.ts';
import { planSplits, type RunCell } from '../../src-shared/eval/learning-curve.ts';
import { CLICKS_PER_UNIT, simulateClicks } from '../../src-shared/train/strategies/localization.ts';

export function driveRunCell(cfg: ExperimentConfig, configDir: string, factory: SessionFactory, maxSecondsPerRun: number | undefined, stop: AbortSignal): RunCell {
  const root = resolve(configDir, cfg.dataset.root);
  const cases = new Map<string, Promise<DriveCase>>();
  const load = (id: string) => {
    if (!cases.has(id)) cases.set(id, loadDriveCase(root, id));
    return cases.get(id)!;
  };
  const weightPrior = cfg.weightPrior ? loadWeightPrior(resolveBundledOrRelative(cfg.weightPrior, configDir)) : undefined;
  // a missing model fails now, not when its strategy's first run comes up hours into the grid
  for (const name of Object.values(cfg.pretrained ?? {})) pretrainedPath(resolveBundledOrRelative(name, configDir));

  return async (train, test, strategyName, split) => {
    const pretrainedName = cfg.pretrained?.[strategyName];
    const effort = effortFor(cfg.budget ?? 'fixed', cfg.effort ?? 1, train.length);
    const pretrained = pretrainedName ? loadPretrained(resolveBundledOrRelative(pretrainedName, configDir)) : undefined;
    const steps = new StepTally();
    let model = pretrained!, report: Record<string, unknown> = {};
    if (!UNTRAINED.includes(strategyName)) { // the pretrained model as it is trains nothing: "synthetic only"
      const data = (await Promise.all(train.map(load))).map((c) => c.labeled);
      const pointUnits = strategyName === 'localization-pretrain' && cfg.clickImages !== undefined
        ? simulateClicks((await Promise.all(clickPool(cfg, split).map(load))).map((c) => c.labeled), CLICKS_PER_UNIT, split) : undefined;
      const options = { effort, foregroundWeight: cfg.foregroundWeight ?? 1, seed: split, weightPrior, pretrained, pointUnits };
      const { run: strategy } = strategyByName(strategyName, data, options);
      const deadline = maxSecondsPerRun === undefined ? undefined : performance.now() + maxSecondsPerRun * 1000;
      ({ model, report } = await strategy(data, options, { factory, deadline, progress: steps.observe, shouldStop: () => stop.aborted }));
    }
    const patchModel = unetPatchModel(factory, model);
    let tp = 0, fp = 0, fn = 0;
    for (const id of test) {
      const c = await load(id);
      let prob = (await slidingWindowPredict(patchModel, planarToVolume(c.labeled.image, c.labeled.shape, c.labeled.channels), { patch: [1, 256, 256], normalize: 'none', signal: stop })).data as Float32Array;
      // adapted to each photograph without labels, inside its FOV (the black outside is no background to learn)
      if (strategyName === SELF_TRAINED) prob = (await selfTrain(factory, c.labeled, Float32Array.from(prob, (p, i) => (c.fov[i] ? p : Number.NaN)), { seed: split + 1 })).prob;
      const s = binaryScores(Uint8Array.from(prob, (p) => (p > 0.5 ? 1 : 0)), c.truth, c.fov);
      tp += s.confusion.tp; fp += s.confusion.fp; fn += s.confusion.fn;
    }
    return {
      dice: (2 * tp) / (2 * tp + fp + fn), iou: tp / (tp + fp + fn), effort, steps: steps.done, stepsPlanned: steps.planned,
      stoppedEarly: report.stoppedEarly === true, capped: report.outOfTime === true,
    };
  };
}

/**
 * The images clicked on in a split (config "clickImages"): the start of its shuffle, so its first
 * N, the masked images, are among them, and the test images are not.
 */
export function clickPool(cfg: ExperimentConfig, split: number): string[] {
  return planSplits({ ...curvePlan(cfg), n: [cfg.clickImages ?? Math.max(...cfg.n)] })[split]!.train;
}

/** A bundled name stays a name; anything that looks like a path is relative to the config file. */
export function resolveBundledOrRelative(nameOrPath: string, base: string): string {
  return /[\\/]|\.(onnx|dwp)$/.test(nameOrPath) ? resolve(base, nameOrPath) : nameOrPath;
}
