#!/usr/bin/env node
// The `lumen` command: runs the TypeScript CLI through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';
register();
const { main, failureLine, INTERNAL_ERROR } = await import('../src-main/cli.ts');
// failures outside the command's own await chain (a stray promise, a worker) get the same one line
const crash = (e) => {
  console.error(failureLine(process.argv[2] ?? '', e));
  if (process.env.LUMEN_DEBUG && e instanceof Error && e.stack) console.error(e.stack);
  process.exit(INTERNAL_ERROR);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
process.exitCode = await main(process.argv.slice(2));
