// A command accepts exactly the flags its `--help` names: a typo (`--efort 2`, `--bogus 3`) fails at
// once, naming the closest valid flag, instead of being ignored while minutes of training run with
// the default. Help text is the one list, so a flag cannot be accepted without being documented.
import { LumenError } from '../src-shared/errors.ts';

export function flagsNamedIn(help: string): Set<string> {
  return new Set([...help.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!));
}

export function checkFlags(command: string, argv: string[], known: Set<string>): void {
  for (const a of argv) {
    if (!a.startsWith('--')) continue;
    const key = a.slice(2).split('=')[0]!;
    if (known.has(key)) continue;
    const near = closest(key, [...known]);
    throw new LumenError('bad-input', `unknown option --${key} for lumen ${command}${near ? `; did you mean --${near}?` : ''} (lumen ${command} --help lists the options)`);
  }
}

/** The known flag nearest in edit distance, if near enough to be a typo (a third of its letters at most). */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined, bestD = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) { best = k; bestD = d; }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(Math.max(key.length, best.length) / 3)) ? best : undefined;
}

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`: typos are mostly these. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) {
    d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
  }
  return d[a.length]![b.length]!;
}
