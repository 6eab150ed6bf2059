// `lumen COMMAND ...`: each command lives in src-main/commands/COMMAND.ts and exports
// `run(args: string[]): Promise<number>`, a one-line `summary` and a `usage` for `--help`.
// Results go to stdout, progress and errors to stderr; bad input exits non-zero with a one-line reason.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { isLumenError } from '../src-shared/errors.ts';

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
  if (rest.includes('--help') || rest.includes('-h')) {
    const text = typeof command.usage === 'function' ? command.usage() : command.usage;
    console.log(text ?? `lumen ${name}: ${command.summary}`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (isLumenError(e)) {
      console.error(`lumen ${name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
