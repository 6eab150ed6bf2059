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

/** An integer flag at least `min` (a step count, a seed); undefined when absent. */
export function integerFlag(args: ParsedArgs, key: string, min = 0): number | undefined {
  const raw = flag(args, key);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new LumenError('bad-input', `--${key} must be an integer ≥ ${min}, got '${raw}'`);
  return v;
}

/** A number flag above 0 (an effort, a weight); undefined when absent. */
export function positiveNumberFlag(args: ParsedArgs, key: string): number | undefined {
  const raw = flag(args, key);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new LumenError('bad-input', `--${key} must be a positive number, got '${raw}'`);
  return v;
}
