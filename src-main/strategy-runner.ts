// Runs a strategy for the CLI: resolves `auto`, shows a progress bar per phase on stderr.
import { strategyByName } from '../src-shared/train/strategies/index.ts';
import type { LabeledVolume } from '../src-shared/train/dataset.ts';
import type { StrategyOptions, StrategyResult } from '../src-shared/train/strategy.ts';
import type { SessionFactory } from '../src-shared/nn/session.ts';
import { ProgressBar } from './progress.ts';

export async function runStrategy(name: string, data: LabeledVolume[], options: StrategyOptions, factory: SessionFactory): Promise<StrategyResult & { strategy: string }> {
  const { name: resolved, run } = strategyByName(name, data, options);
  process.stderr.write(`strategy: ${resolved}${name === 'auto' ? ' (auto)' : ''}\n`);
  let bar: ProgressBar | undefined;
  let phase = '';
  let lastLoss = NaN, lastDice = NaN;
  const result = await run(data, options, {
    factory,
    progress: (p) => {
      if (p.phase !== phase) { phase = p.phase; bar = new ProgressBar(p.phase, p.steps); lastLoss = NaN; lastDice = NaN; }
      if (p.loss !== undefined) lastLoss = p.loss;
      if (p.validationDice !== undefined) lastDice = p.validationDice;
      const detail = [Number.isFinite(lastLoss) ? `loss ${lastLoss.toFixed(3)}` : '', Number.isFinite(lastDice) ? `held-out Dice ${lastDice.toFixed(3)}` : ''].filter(Boolean).join(', ');
      bar!.update(p.step, detail);
    },
  });
  return { ...result, strategy: resolved };
}
