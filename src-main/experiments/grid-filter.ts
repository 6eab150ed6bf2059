// `--only KEY=V1,V2`: the part of a learning-curve grid to run in this session (a whole grid takes
// longer than one), e.g. `--only n=1,2`, `--only strategy=scratch,dwp`, `--only split=0`. Several
// --only flags narrow together (n=10 and split=0: the N=10 runs of split 0). Values must be in
// the config, so a typo cannot silently select nothing.
import { LumenError } from '../../src-shared/errors.ts';
import type { CurvePlan, PlannedCell } from '../../src-shared/eval/learning-curve.ts';

const KEYS = ['split', 'n', 'strategy'] as const;
type Key = (typeof KEYS)[number];

export interface GridFilter {
  include: (cell: PlannedCell) => boolean;
  /** e.g. "n=1,2 strategy=scratch"; '' for the whole grid */
  description: string;
}

export function parseGridFilter(values: string[], plan: CurvePlan): GridFilter {
  const chosen = new Map<Key, Set<string>>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const key = v.slice(0, eq) as Key;
    if (eq <= 0 || !KEYS.includes(key) || !v.slice(eq + 1)) {
      throw new LumenError('bad-input', `--only takes KEY=V1,V2 with KEY one of ${KEYS.join(', ')} (e.g. --only n=1,2), got '${v}'`);
    }
    const allowed = key === 'split' ? Array.from({ length: plan.splits }, (_, i) => String(i)) : key === 'n' ? plan.n.map(String) : plan.strategies;
    const picked = v.slice(eq + 1).split(',').map((s) => s.trim());
    const unknown = picked.filter((p) => !allowed.includes(p));
    if (unknown.length) throw new LumenError('bad-input', `--only ${key}=${unknown.join(',')}: the config's ${key} values are ${allowed.join(', ')}`);
    chosen.set(key, new Set([...(chosen.get(key) ?? []), ...picked]));
  }
  return {
    include: (c) => [...chosen].every(([k, set]) => set.has(String(c[k]))),
    description: [...chosen].map(([k, set]) => `${k}=${[...set].join(',')}`).join(' '),
  };
}
