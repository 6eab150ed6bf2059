// `lumen COMMAND ...`: each command lives in src-main/commands/COMMAND.ts and exports
// `run(args: string[]): Promise<number>`, a one-line `summary` and a `usage` for `--help`.
// Results go to stdout, progress and errors to stderr; bad input exits 1 with a one-line reason, and
// an unexpected failure exits 70 with one line too (its stack only with LUMEN_DEBUG=1).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { isLumenError } from '../src-shared/errors.ts';
import { checkFlags, flagsNamedIn } from './known-flags.ts';

/** `usage`: the command's options, printed by `lumen COMMAND --help` (the summary where absent). */
interface Command { run(args: string[]): Promise<number>; summary: string; usage?: string | (() => string) }

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

function commandNames(): string[] {
  return readdirSync(commandsDir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
}

async function load(name: string): Promise<Command | undefined> {
  if (!commandNames().includes(name)) return undefined;
  return (await import(join(commandsDir, `${name}.ts`))) as Command;
}

async function usage(): Promise<string> {
  const lines = ['usage: lumen COMMAND [options]', '', 'commands:'];
  for (const name of commandNames()) lines.push(`  ${name.padEnd(10)} ${(await load(name))!.summary}`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await usage());
    return name ? 0 : 2;
  }
  const command = await load(name);
  if (!command) {
    console.error(`lumen: unknown command '${name}'\n${await usage()}`);
    return 2;
  }
  const help = (typeof command.usage === 'function' ? command.usage() : command.usage) ?? `lumen ${name}: ${command.summary}`;
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(help);
    return 0;
  }
  try {
    checkFlags(name, rest, flagsNamedIn(help));
    return await command.run(rest);
  } catch (e) {
    console.error(failureLine(name, e));
    if (process.env.LUMEN_DEBUG && e instanceof Error && e.stack) console.error(e.stack);
    return isLumenError(e) ? 1 : INTERNAL_ERROR;
  }
}

/** Exit status of a failure that is Lumen's fault, not the input's (sysexits' EX_SOFTWARE). */
export const INTERNAL_ERROR = 70;

/**
 * The one line a failed command prints. A LumenError is the user's to fix and says how; running
 * out of memory is the machine's limit; anything else is a bug, reported as such, its stack
 * kept for LUMEN_DEBUG=1 so a user never has to read one.
 */
export function failureLine(command: string, e: unknown): string {
  if (isLumenError(e)) return `lumen ${command}: ${oneLine(e.message)}`;
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof RangeError && /allocation failed|invalid (typed )?array length|out of memory/i.test(message)) {
    return `lumen ${command}: not enough memory for this volume (${oneLine(message)}); try a smaller crop or a machine with more memory`;
  }
  return `lumen ${command}: internal error: ${oneLine(message)}. This is a bug in Lumen, not a problem with your data; `
    + 'please report it to the Lumen developers with the command you ran and the output of the same command run with LUMEN_DEBUG=1';
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();
