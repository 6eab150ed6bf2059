// The command lines a cluster job runs: `lumen predict … --blocks K/N` per array task and
// `lumen predict … --blocks finish` (the lower pyramid levels) in the finishing job. Absolute
// paths to this Node and this checkout's bin/lumen.mjs, so the compute nodes run the same Lumen.

import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { TASK_ID, type ScriptArg } from './sbatch-script.ts';

export const LUMEN_BIN = fileURLToPath(new URL('../../bin/lumen.mjs', import.meta.url));

export interface PredictJob {
  model: string;
  image: string;
  out: string;
  /** number of block sets = array tasks. */
  tasks: number;
  /** further `lumen predict` flags, passed through unchanged. */
  extraArgs?: readonly string[];
}

function predictArgs(job: PredictJob): string[] {
  return [process.execPath, LUMEN_BIN, 'predict', '--model', resolve(job.model), '--image', resolve(job.image), '--out', resolve(job.out), ...(job.extraArgs ?? [])];
}

/** One array task: block set $SLURM_ARRAY_TASK_ID of N. */
export function predictTaskCommand(job: PredictJob): ScriptArg[] {
  return [...predictArgs(job), '--blocks', [TASK_ID, `/${job.tasks}`]];
}

/** The finishing job: builds the lower pyramid levels once every block set is written. */
export function predictFinishCommand(job: PredictJob): string[] {
  return [...predictArgs(job), '--blocks', 'finish'];
}
