// Runs a strategy for the CLI (`auto` and its candidates included, as a segmenter), with a progress bar per phase on stderr.
import { trainSegmenter, type TrainedSegmenter } from '../src-shared/train/auto/train-segmenter.ts';
import type { LabeledVolume } from '../src-shared/train/dataset.ts';
import type { StrategyOptions, StrategyProgress } from '../src-shared/train/strategy.ts';
import type { SessionFactory } from '../src-shared/nn/session.ts';
import { ProgressBar } from './progress.ts';

/** One bar per phase, with the latest loss and held-out Dice beside it. */
function progressBars(): (p: StrategyProgress) => void {
  let bar: ProgressBar | undefined;
  let phase = '';
  let lastLoss = NaN, lastDice = NaN;
  return (p) => {
    if (p.phase !== phase) { phase = p.phase; bar = new ProgressBar(p.phase, p.steps); lastLoss = NaN; lastDice = NaN; }
    if (p.loss !== undefined) lastLoss = p.loss;
    if (p.validationDice !== undefined) lastDice = p.validationDice;
    const detail = [Number.isFinite(lastLoss) ? `loss ${lastLoss.toFixed(3)}` : '', Number.isFinite(lastDice) ? `held-out Dice ${lastDice.toFixed(3)}` : ''].filter(Boolean).join(', ');
    bar!.update(p.step, detail);
  };
}

/** Any strategy, `auto` and its candidates included, as a segmenter. */
export async function runSegmenterStrategy(name: string, data: LabeledVolume[], options: StrategyOptions, factory: SessionFactory): Promise<TrainedSegmenter> {
  const result = await trainSegmenter(name, data, options, { factory, progress: progressBars() });
  process.stderr.write(`strategy: ${result.strategy}\n`);
  return result;
}
