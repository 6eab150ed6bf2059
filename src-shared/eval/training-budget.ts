// How long each run of a learning curve trains. With one budget for every N (the default, as the
// first DRIVE curve was run) the curve partly measures the budget: ten images seen for as many
// steps as one are seen a tenth as often each. The other rules give more labeled data more steps.
// Every rule keeps each strategy's own early stopping (training ends once its held-out labels stop
// improving), so a budget is an upper bound, and a time cap per run may end training sooner.
import { LumenError } from '../errors.ts';

export const BUDGET_RULES = ['fixed', 'sqrt-n', 'linear-n'] as const;
export type BudgetRule = (typeof BUDGET_RULES)[number];

export function checkBudgetRule(rule: unknown): BudgetRule {
  if (rule === undefined) return 'fixed';
  if (!BUDGET_RULES.includes(rule as BudgetRule)) {
    throw new LumenError('bad-input', `"budget" must be one of ${BUDGET_RULES.join(', ')}, got ${JSON.stringify(rule)}`);
  }
  return rule as BudgetRule;
}

/**
 * The effort (the multiplier of every phase's step count) of a run on N labeled units:
 * fixed: effort; sqrt-n: effort × √N; linear-n: effort × N. N = 1 trains alike under all three.
 */
export function effortFor(rule: BudgetRule, effort: number, n: number): number {
  const scale = rule === 'sqrt-n' ? Math.sqrt(Math.max(1, n)) : rule === 'linear-n' ? Math.max(1, n) : 1;
  return effort * scale;
}

/** The rule in words, for the results page. */
export function describeBudget(rule: BudgetRule, effort: number, ns: number[]): string {
  if (rule === 'fixed') return `fixed: effort ${effort} for every N (the same steps whatever the number of labeled images)`;
  const examples = ns.map((n) => `N=${n}: ${+effortFor(rule, effort, n).toFixed(2)}`).join(', ');
  return `${rule}: effort ${effort} × ${rule === 'sqrt-n' ? '√N' : 'N'} (${examples}), early stopping on the held-out labels as always`;
}
