// `npm run bench:blocks`: block-wise prediction against one process, on the same OME-Zarr volume.
//   A: `lumen predict` of the whole volume in one process, to OME-Zarr;
//   B: `lumen predict --blocks init`, N block-set tasks started at the same moment (as a job
//      array's tasks are), then `--blocks finish` (the pyramid);
// interleaved A B A B (`--repeat`). Every process runs ORT on one thread, so CPU seconds compare
// like with like. Overhead = B's CPU seconds (init, tasks, finish) / A's. The two outputs' full
// resolution arrays must be equal voxel for voxel. Each task's peak RSS shows that memory follows
// the block, not the volume.
// The overhead has a floor that no implementation removes: a patch that straddles the border of
// two tasks' blocks must run in both for the result to equal one pass (window-part.ts). With 64³
// patches at 25% overlap, a 256-voxel axis has 5 patch positions, and every border between tasks
// adds one or two; a whole-organ volume has hundreds per task and the floor vanishes.
// Prints ONE JSON line. Options: --size 256 --tasks 4 (or a list: 1,2,4) --model vessels-3d --repeat 2 --chunks 64
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, parseArgs } from '../src-main/args.ts';
import { synthSample } from '../src-shared/synth/sample.ts';
import { makeVolume } from '../src-shared/volume.ts';
import { openVolume, readVolume, writeVolume } from '../src-shared/io/index.ts';

const args = parseArgs(process.argv.slice(2));
const size = Number(flag(args, 'size') ?? 256);
const taskCounts = (flag(args, 'tasks') ?? '4').split(',').map(Number);
const model = flag(args, 'model') ?? 'vessels-3d';
const repeat = Number(flag(args, 'repeat') ?? 2);
const chunk = Number(flag(args, 'chunks') ?? 64);
const LUMEN = fileURLToPath(new URL('../bin/lumen.mjs', import.meta.url));

interface Run { json: Record<string, number | string>; wall: number }

function lumen(argv: string[]): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LUMEN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`lumen ${argv.join(' ')} exited ${code}: ${err.trim().split('\n').at(-1)}`));
      else {
        const last = out.trim().split('\n').at(-1) ?? '';
        resolve({ json: last.startsWith('{') ? JSON.parse(last) : {}, wall: (performance.now() - t0) / 1000 });
      }
    });
  });
}

async function sameVoxels(a: string, b: string): Promise<boolean> {
  const [va, vb] = [await readVolume(a), await readVolume(b)];
  if (va.shape.join() !== vb.shape.join() || va.dtype !== vb.dtype) return false;
  for (let i = 0; i < va.data.length; i++) if (va.data[i] !== vb.data[i]) return false;
  return true;
}

const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-blocks-'));
try {
  const s = synthSample('vessels-2p', [size, size, size], 11);
  const image = makeVolume([size, size, size, 1], 'uint16', Uint16Array.from(s.image, (v) => Math.max(0, Math.min(65535, Math.round(v * 4000)))),
    { spacing: [1, 0.5, 0.5], unit: 'um' });
  writeVolume(join(dir, 'in.tif'), image);
  await lumen(['convert', join(dir, 'in.tif'), join(dir, 'in.zarr'), '--chunks', `${chunk},${chunk},${chunk}`]);
  const input = join(dir, 'in.zarr');
  const one = ['--threads', '1', '--device', 'cpu'];
  const rounds: Record<string, unknown>[] = [];
  for (let r = 0; r < repeat; r++) {
    const single = join(dir, `single-${r}.zarr`);
    const a = await lumen(['predict', '--model', model, '--image', input, '--out', single, ...one]);
    for (const tasks of taskCounts) {
    const blocks = join(dir, `blocks-${r}-${tasks}.zarr`);
    const t0 = performance.now();
    const init = await lumen(['predict', '--blocks', 'init', '--model', model, '--image', input, '--out', blocks, '--device', 'cpu']);
    const runs = await Promise.all(Array.from({ length: tasks }, (_, k) => lumen(['predict', '--blocks', `${k + 1}/${tasks}`, '--out', blocks, ...one])));
    const finish = await lumen(['predict', '--blocks', 'finish', '--out', blocks]);
    const wall = (performance.now() - t0) / 1000;
    const cpu = [init, ...runs, finish].reduce((sum, x) => sum + Number(x.json.cpuSeconds ?? 0), 0);
    rounds.push({
      round: r, tasks, singleCpuSeconds: a.json.cpuSeconds, singleWallSeconds: +a.wall.toFixed(1),
      blocksCpuSeconds: +cpu.toFixed(1), blocksWallSeconds: +wall.toFixed(1),
      initCpuSeconds: init.json.cpuSeconds, finishCpuSeconds: finish.json.cpuSeconds,
      taskCpuSeconds: runs.map((x) => x.json.cpuSeconds), taskPeakRssMB: runs.map((x) => x.json.peakRssMB),
      overhead: +(cpu / Number(a.json.cpuSeconds)).toFixed(3),
      equal: await sameVoxels(single, blocks),
    });
    rmSync(blocks, { recursive: true, force: true });
    }
    rmSync(single, { recursive: true, force: true });
  }
  const info = await openVolume(input);
  const blocksInfo = { chunks: [chunk, chunk, chunk], shape: info.info.shape };
  await info.close();
  const overheadByTasks = Object.fromEntries(taskCounts.map((n) => [n, Math.min(...rounds.filter((x) => x.tasks === n).map((x) => Number(x.overhead)))]));
  console.log(JSON.stringify({ bench: 'blocks', size, taskCounts, model, ...blocksInfo, overheadByTasks, allEqual: rounds.every((x) => x.equal), rounds }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
