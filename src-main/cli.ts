// `lumen COMMAND ...`: each command lives in src-main/commands/COMMAND.ts and exports
// `run(args: string[]): Promise<number>` plus a one-line `summary`. Results go to stdout,
// progress and errors to stderr; bad input exits non-zero with a one-line reason.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { isLumenError } from '../src-shared/errors.ts';

interface Command { run(args: string[]): Promise<number>; summary: string }

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
