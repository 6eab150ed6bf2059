// Minimal `--flag value` parsing shared by the CLI commands; repeated flags collect into arrays.
import { LumenError } from '../src-shared/errors.ts';

export interface ParsedArgs { flags: Map<string, string[]>; positional: string[] }

export function parseArgs(argv: string[], booleanFlags: string[] = []): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let value: string;
    if (eq > 0) value = a.slice(eq + 1);
    else if (booleanFlags.includes(key)) value = 'true';
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new LumenError('bad-input', `--${key} needs a value`);
      value = next; i++;
    }
    flags.set(key, [...(flags.get(key) ?? []), value]);
  }
  return { flags, positional };
}

export function flag(args: ParsedArgs, key: string): string | undefined {
  return args.flags.get(key)?.at(-1);
}

export function requiredFlag(args: ParsedArgs, key: string): string {
  const v = flag(args, key);
  if (v === undefined) throw new LumenError('bad-input', `missing --${key}`);
  return v;
}

/** A number flag that `valid` accepts (`wants` says what that is); undefined when absent. */
export function numberFlag(args: ParsedArgs, key: string, valid: (x: number) => boolean, wants: string): number | undefined {
  const raw = flag(args, key);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || !valid(v)) throw new LumenError('bad-input', `--${key} must be ${wants}, got '${raw}'`);
  return v;
}

/** An integer flag at least `min` (a step count, a seed); undefined when absent. */
export function integerFlag(args: ParsedArgs, key: string, min = 0): number | undefined {
  return numberFlag(args, key, (x) => Number.isInteger(x) && x >= min, `an integer ≥ ${min}`);
}

/** A number flag above 0 (an effort, a weight); undefined when absent. */
export function positiveNumberFlag(args: ParsedArgs, key: string): number | undefined {
  return numberFlag(args, key, (x) => x > 0, 'a positive number');
}

/** The options that were given: flags left unset arrive as undefined and must not override defaults. */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
