// Where a result will be written, checked before the work that produces it: a typo in the output
// name or folder should cost a second, not a training run.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LumenError } from '../errors.ts';

/** Throws a readable 'bad-input' unless `path`'s folder exists and can be written to. */
export function checkOutputFolder(path: string): void {
  const dir = dirname(resolve(path));
  let isDir = false;
  try { isDir = statSync(dir).isDirectory(); } catch { /* reported below */ }
  if (!isDir) throw new LumenError('bad-input', `cannot write ${path}: the folder ${dir} does not exist`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new LumenError('bad-input', `cannot write ${path}: no permission to write into ${dir}`);
  }
}
