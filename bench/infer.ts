// npm run bench:infer — inference throughput of the reference 3D U-Net (engine issue:
// UNet3D[16,32,64,128], instance norm, LeakyReLU) on a 256³ volume, CPU, 2 threads:
//   bare:    one pass of the network over the whole volume (batch 1), as voxels/s;
//   sliding: the Gaussian-blended sliding window with 25% overlap, for a few cubic patch sizes
//            (z-scoring, weighting, accumulation and normalisation included), as voxels/s of
//            the volume, and its cost relative to the bare pass.
// The machine is shared, so measurements are interleaved (bare, then each patch size, `--repeat`
// rounds) and the fastest of each is kept; process CPU seconds are reported beside wall seconds.
// 'export' is the graph exportOnnxModel writes, 'fast' the equivalent graph the sliding window runs
// (fast-graph.ts); the bare figure is the fast one, measured once more with the export graph.
// Optional: --stream N runs the bounded-memory streaming check on an N-slice 1024×1024 uint16
// stack (N = 2048 ≈ 4.3 GB) in a child process, reports its peak RSS and fails above 1.5 GB.
// Prints ONE JSON line. Options: --size 256 --threads 2 --patches 64,152 --repeat 2 --stream N
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from 'onnxruntime-common';
import { createRuntime } from '../src-main/runtime.ts';
import { buildInferenceGraph } from '../src-shared/nn/trainer.ts';
import { REFERENCE_UNET3D } from '../src-shared/nn/unet.ts';
import { initParams, seededRandom } from '../src-shared/nn/params.ts';
import { exportOnnxModel } from '../src-shared/nn/model-file.ts';
import { unetPatchModel } from '../src-shared/infer/patch-model.ts';
import { fastInferenceBytes } from '../src-shared/infer/fast-graph.ts';
import { slidingWindowPredict } from '../src-shared/infer/sliding-window.ts';
import { makeVolume } from '../src-shared/volume.ts';
import { parseArgs, flag } from '../src-main/args.ts';

const args = parseArgs(process.argv.slice(2));
const size = Number(flag(args, 'size') ?? 256);
const threads = Number(flag(args, 'threads') ?? 2);
const patches = (flag(args, 'patches') ?? '64,152').split(',').map(Number);
const repeat = Number(flag(args, 'repeat') ?? 2);
const stream = flag(args, 'stream');

const runtime = createRuntime({ device: 'cpu', threads });
const { specs } = buildInferenceGraph(REFERENCE_UNET3D, [1, 1, 8, 8, 8]);
const params = initParams(specs, 1);
const V = size ** 3;
const rand = seededRandom(3);
const image = Float32Array.from({ length: V }, () => rand());
const shape = [1, 1, size, size, size];

interface Timing { wall: number; cpu: number }
async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const c = process.cpuUsage(), t = performance.now();
  await fn();
  const d = process.cpuUsage(c);
  return { wall: (performance.now() - t) / 1000, cpu: (d.user + d.system) / 1e6 };
}
const best = (ts: Timing[]) => ts.reduce((a, b) => (a.wall <= b.wall ? a : b));
const round2 = (x: number) => +x.toFixed(2);

// bare: a session for the whole volume; its first run allocates (not timed), later runs are timed
async function bareSession(kind: 'export' | 'fast') {
  const bytes = kind === 'export' ? exportOnnxModel({ config: REFERENCE_UNET3D, params, provenance: {} }, shape) : fastInferenceBytes(REFERENCE_UNET3D, params, shape);
  const session = await runtime.factory(bytes);
  const run = () => session.run({ image: new Tensor('float32', image, shape) });
  const first = await timed(run);
  return { run, first, release: () => session.release() };
}

const model = unetPatchModel(runtime.factory, { config: REFERENCE_UNET3D, params });
const vol = makeVolume([size, size, size, 1], 'float32', image);
const bareTimes: Timing[] = [];
const slidingTimes = new Map<number, Timing[]>(patches.map((p) => [p, []]));
const runs = new Map<number, Awaited<ReturnType<typeof slidingWindowPredict>>['run']>();
let bareFirst: Timing | undefined;
for (let r = 0; r < repeat; r++) {
  const s = await bareSession('fast');
  bareFirst ??= s.first;
  bareTimes.push(await timed(s.run));
  await s.release();
  for (const p of patches) {
    // the session is created inside: its build and first allocation are part of a real run's cost
    slidingTimes.get(p)!.push(await timed(async () => {
      const out = await slidingWindowPredict(model, vol, { patch: [p, p, p], overlap: 0.25, blend: 'gaussian' });
      runs.set(p, out.run);
    }));
  }
}
const bareRSS = process.resourceUsage().maxRSS * 1024;
const exp = await bareSession('export');
const exportTiming = await timed(exp.run);
await exp.release();

const bare = best(bareTimes);
const sliding = patches.map((p) => {
  const t = best(slidingTimes.get(p)!);
  const run = runs.get(p)!;
  return {
    patch: p, patches: run.patches, patchVoxelsPerVolumeVoxel: round2((run.patches * p ** 3) / V),
    seconds: round2(t.wall), cpuSeconds: round2(t.cpu), times: slidingTimes.get(p)!.map((x) => round2(x.wall)),
    networkSeconds: round2(run.networkSeconds), voxelsPerSecond: Math.round(V / t.wall),
    ratioToBare: round2(t.wall / bare.wall), cpuRatioToBare: round2(t.cpu / bare.cpu),
  };
});
const top = sliding.reduce((a, b) => (a.seconds <= b.seconds ? a : b));

let streaming: { maxRSS: number } | undefined;
if (stream) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'test/infer/stream-child.ts', join(tmpdir(), `lumen-bench-stream-${process.pid}`), stream, '1024', '1024', '16,1024,1024'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  streaming = JSON.parse(out.trim().split('\n').at(-1)!) as { maxRSS: number };
}

console.log(JSON.stringify({
  bench: 'infer', network: 'UNet3D[16,32,64,128] IN LeakyReLU', volume: [size, size, size], threads, device: runtime.report().used,
  bare: {
    seconds: round2(bare.wall), cpuSeconds: round2(bare.cpu), times: bareTimes.map((x) => round2(x.wall)), firstRunSeconds: round2(bareFirst!.wall),
    voxelsPerSecond: Math.round(V / bare.wall), exportGraph: { seconds: round2(exportTiming.wall), voxelsPerSecond: Math.round(V / exportTiming.wall) }, maxRSS: bareRSS,
  },
  sliding, best: {
    patch: top.patch, voxelsPerSecond: top.voxelsPerSecond, ratioToBare: top.ratioToBare, cpuRatioToBare: top.cpuRatioToBare,
    // against whichever bare graph ran faster (at 256³ the two are within the machine's noise)
    ratioToFasterBare: round2(top.seconds / Math.min(bare.wall, exportTiming.wall)),
  },
  goal: { bareVoxelsPerSecond: 850_000, slidingRatioMax: 1.6, anchorPyTorch113: 680_000 },
  loadAverage: (await import('node:os')).loadavg().map(round2),
  ...(streaming ? { streaming } : {}),
  maxRSS: process.resourceUsage().maxRSS * 1024,
}));
// the bound: a 4 GB stack streams with a peak RSS under 1.5 GB
if (streaming && streaming.maxRSS >= 1.5e9) {
  console.error(`streaming peak RSS ${streaming.maxRSS} ≥ 1.5 GB`);
  process.exitCode = 1;
}
