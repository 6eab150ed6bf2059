// The strategy options every training command takes: --effort, --seed, --foreground-weight,
// --model (a pretrained model) and --weight-prior (for the dwp strategy).
import type { StrategyOptions } from '../src-shared/train/strategy.ts';
import { LumenError } from '../src-shared/errors.ts';
import { flag, type ParsedArgs } from './args.ts';
import { loadPretrained, loadWeightPrior } from './pretrained.ts';

function positiveNumber(args: ParsedArgs, key: string, fallback: number): number {
  const raw = flag(args, key);
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new LumenError('bad-input', `--${key} must be a positive number, got '${raw}'`);
  return v;
}

export function strategyOptionsFromArgs(args: ParsedArgs): StrategyOptions {
  const model = flag(args, 'model'), prior = flag(args, 'weight-prior');
  const seed = Number(flag(args, 'seed') ?? 0);
  if (!Number.isInteger(seed)) throw new LumenError('bad-input', `--seed must be an integer, got '${flag(args, 'seed')}'`);
  return {
    effort: positiveNumber(args, 'effort', 1), seed,
    foregroundWeight: positiveNumber(args, 'foreground-weight', 1),
    pretrained: model ? loadPretrained(model) : undefined,
    weightPrior: prior ? loadWeightPrior(prior) : undefined,
  };
}
