// `lumen cluster submit`: predicts an OME-Zarr volume on a SLURM cluster, one job-array task per
// block set (`lumen predict --blocks K/N`), then a finishing job (`--blocks finish`, the lower
// pyramid levels) that depends on the array. Follows the tasks to their end, resubmits failed ones,
// never cancelled ones, and prints a summary. docs/cluster.md has the whole story.
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LumenError } from '../../src-shared/errors.ts';
import { flag, integerFlag, parseArgs, positiveNumberFlag, requiredFlag } from '../args.ts';
import { renderArrayScript, renderFinalScript, type ResourceSpec } from '../cluster/sbatch-script.ts';
import { submit } from '../cluster/slurm-client.ts';
import { followArrayJob } from '../cluster/follow.ts';
import { markerPath, markerProgress, readMarkers } from '../cluster/markers.ts';
import { initBlocks } from '../blocks/block-predict.ts';
import { finishedBlocks } from '../blocks/block-files.ts';
import { pretrainedPath } from '../pretrained.ts';
import { predictFinishCommand, predictTaskCommand } from '../cluster/lumen-commands.ts';

export const summary = 'predict a large OME-Zarr volume on a SLURM cluster: lumen cluster submit --scheduler slurm --model M --image IN.zarr --out OUT.zarr --tasks N';

export const usage = `usage: lumen cluster submit --scheduler slurm --model MODEL --image IN.zarr --out OUT.zarr --tasks N
  [--partition P] [--time 2:00:00] [--mem 32G] [--gpus 1] [--cpus-per-task C]
  [--max-retries 2]        resubmissions per failed task (FAILED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL,
                           PREEMPTED); a task cancelled with scancel is never resubmitted
  [--poll 10]              seconds between looks at the queue
  [--job-name lumen]       [--work-dir DIR] scripts, logs and markers (default OUT.zarr-slurm)
  [--prob]                 write probabilities (float32) instead of labels
  [--dry-run]              write the scripts and print them, submit nothing
Run it on the cluster's login node; Lumen, the image and the output must be on a shared file system.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['dry-run', 'prob']);
  if (args.positional[0] !== 'submit' || args.positional.length !== 1) throw new LumenError('bad-input', usage.split('\n')[0]!);
  const scheduler = requiredFlag(args, 'scheduler');
  if (scheduler !== 'slurm') throw new LumenError('unsupported', `--scheduler ${scheduler} is not supported; Lumen submits to slurm`);
  const modelFlag = requiredFlag(args, 'model');
  const image = requiredFlag(args, 'image');
  const out = requiredFlag(args, 'out').replace(/\/+$/, '');
  const tasks = integerFlag(args, 'tasks', 1);
  if (tasks === undefined) throw new LumenError('bad-input', 'missing --tasks');
  const maxRetries = integerFlag(args, 'max-retries', 0) ?? 2;
  const pollSeconds = positiveNumberFlag(args, 'poll') ?? 10;
  const cpusPerTask = integerFlag(args, 'cpus-per-task', 1);
  const jobName = flag(args, 'job-name') ?? 'lumen';
  const dryRun = flag(args, 'dry-run') === 'true';
  const model = pretrainedPath(modelFlag); // a bundled model's name works too
  const resources: ResourceSpec = { partition: flag(args, 'partition'), time: flag(args, 'time'), mem: flag(args, 'mem'), gpus: flag(args, 'gpus'), cpusPerTask };
  if (!dryRun && !existsSync(image)) throw new LumenError('bad-input', `--image ${image} does not exist`);

  const workDir = resolve(flag(args, 'work-dir') ?? `${out}-slurm`);
  const logDir = join(workDir, 'logs');
  const markerDir = join(workDir, 'markers');
  mkdirSync(logDir, { recursive: true });
  const job = { model, image, out, tasks };
  const arrayScript = (ids: number[], name: string) => {
    const path = join(workDir, name);
    writeFileSync(path, renderArrayScript({ ...resources, jobName, tasks, taskIds: ids, logDir, markerDir, workDir: process.cwd(), command: predictTaskCommand(job) }));
    return path;
  };
  const finalPath = join(workDir, 'finish.sh');
  writeFileSync(finalPath, renderFinalScript({ ...resources, gpus: undefined, jobName: `${jobName}-finish`, logDir, workDir: process.cwd(), command: predictFinishCommand(job) }));
  const all = Array.from({ length: tasks }, (_, i) => i + 1);

  if (dryRun) {
    const first = arrayScript(all, 'array.sh');
    console.log(`# dry run: nothing submitted. The job array (sbatch --parsable ${first}):`);
    console.log(renderArrayScript({ ...resources, jobName, tasks, logDir, markerDir, workDir: process.cwd(), command: predictTaskCommand(job) }));
    console.log(`# then the finishing job (sbatch --parsable --dependency=afterok:ARRAYJOB ${finalPath}):`);
    console.log(renderFinalScript({ ...resources, gpus: undefined, jobName: `${jobName}-finish`, logDir, workDir: process.cwd(), command: predictFinishCommand(job) }));
    return 0;
  }

  // the output is prepared here, once, before any task starts: tasks read the model and settings
  // from it; an output prepared before with the same settings keeps its finished blocks
  const settings = await initBlocks({ model, image, out, output: flag(args, 'prob') === 'true' ? 'probabilities' : 'labels', device: 'cpu' });
  if (settings.finishedAt) {
    console.error(`lumen cluster: ${out} is already finished (all ${settings.plan.count} blocks, ${settings.finishedAt}); nothing to do`);
    console.log(JSON.stringify({ ok: true, alreadyFinished: true, blocks: settings.plan.count }));
    return 0;
  }
  const before = finishedBlocks(out).size;
  if (before > 0) console.error(`lumen cluster: ${before} of ${settings.plan.count} blocks are already finished and will be skipped`);
  rmSync(markerDir, { recursive: true, force: true }); // markers of an earlier run would read as progress
  let attempt = 0;
  const result = await followArrayJob({
    tasks,
    maxRetries,
    pollMs: pollSeconds * 1000,
    submitTasks: (ids) => submit(arrayScript(ids, attempt++ === 0 ? 'array.sh' : `array-retry-${attempt - 1}.sh`)),
    final: { submit: (dependency) => submit(finalPath, { dependency }) },
    progress: () => {
      const tasksDone = markerProgress(markerDir, tasks)();
      return { done: finishedBlocks(out).size, total: settings.plan.count, detail: `${tasksDone.done}/${tasks} tasks done${tasksDone.detail ? `, ${tasksDone.detail}` : ''}` };
    },
    taskDone: (t) => existsSync(markerPath(markerDir, t)),
    onEvent: (line) => console.error(`lumen cluster: ${line}`),
  });
  const ok = result.completed.length === tasks && result.final?.state === 'COMPLETED';
  const peakRssMB = [...readMarkers(markerDir).values()].map((m) => Math.round((m.peakRssBytes ?? 0) / 2 ** 20));
  console.log(JSON.stringify({ ok, blocks: settings.plan.count, blocksFinished: finishedBlocks(out).size, taskPeakRssMB: peakRssMB, ...result, logs: logDir }));
  if (!ok) console.error(`lumen cluster: not complete; the tasks' logs are in ${logDir}. Running the same command again redoes only the blocks without a marker.`);
  return ok ? 0 : 1;
}
