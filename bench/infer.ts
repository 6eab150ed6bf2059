// npm run bench:infer — inference throughput of the reference 3D U-Net (engine issue:
// UNet3D[16,32,64,128], instance norm, LeakyReLU) on a 256³ volume, CPU, 2 threads:
//   bare:    one pass of the network over the whole volume (batch 1), as voxels/s;
//   sliding: the Gaussian-blended sliding window with 25% overlap, for a few patch sizes
//            (z-scoring, weighting, accumulation and normalisation included), as voxels/s of
//            the volume, and its cost relative to the bare pass.
// Optional: --stream N runs the bounded-memory streaming check on an N-slice 1024×1024 uint16
// stack (N = 2048 ≈ 4.3 GB) in a child process and reports its peak RSS.
// Prints ONE JSON line. Options: --size 256 --threads 2 --patches 64,96,128,152 --repeat 1 --stream N
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
const patches = (flag(args, 'patches') ?? '64,96,128,152').split(',').map(Number);
const repeat = Number(flag(args, 'repeat') ?? 1);
const stream = flag(args, 'stream');

const runtime = createRuntime({ device: 'cpu', threads });
const { specs } = buildInferenceGraph(REFERENCE_UNET3D, [1, 1, 8, 8, 8]);
const params = initParams(specs, 1);
const V = size ** 3;
const rand = seededRandom(3);
const image = Float32Array.from({ length: V }, () => rand());
const sec = (t: number) => (performance.now() - t) / 1000;

// bare: the whole volume in one run; the second run is the steady state (the first allocates).
// 'export' is the graph exportOnnxModel writes; 'fast' the equivalent graph the sliding window
// runs (fast-graph.ts: up-sampling as pointwise Conv + depth-to-space), the bare figure.
const shape = [1, 1, size, size, size];
const bareRuns: Record<string, { seconds: number; times: number[]; voxelsPerSecond: number }> = {};
let t = performance.now();
for (const kind of ['export', 'fast'] as const) {
  const bytes = kind === 'export' ? exportOnnxModel({ config: REFERENCE_UNET3D, params, provenance: {} }, shape) : fastInferenceBytes(REFERENCE_UNET3D, params, shape);
  const session = await runtime.factory(bytes);
  const times: number[] = [];
  for (let i = 0; i < 1 + repeat; i++) {
    t = performance.now();
    await session.run({ image: new Tensor('float32', image, shape) });
    times.push(sec(t));
  }
  await session.release();
  const best = Math.min(...times.slice(1));
  bareRuns[kind] = { seconds: +best.toFixed(2), times: times.map((x) => +x.toFixed(2)), voxelsPerSecond: Math.round(V / best) };
}
const bareRSS = process.resourceUsage().maxRSS * 1024;
const bare = bareRuns.fast!.seconds;

const model = unetPatchModel(runtime.factory, { config: REFERENCE_UNET3D, params });
const vol = makeVolume([size, size, size, 1], 'float32', image);
const sliding: Record<string, unknown>[] = [];
for (const p of patches) {
  const times: number[] = [];
  let run: Awaited<ReturnType<typeof slidingWindowPredict>>['run'] | undefined;
  for (let i = 0; i < repeat; i++) {
    t = performance.now();
    const out = await slidingWindowPredict(model, vol, { patch: [p, p, p], overlap: 0.25, blend: 'gaussian' });
    times.push(sec(t));
    run = out.run;
  }
  const s = Math.min(...times);
  sliding.push({
    patch: p, patches: run!.patches, patchVoxelsPerVolumeVoxel: +((run!.patches * p ** 3) / V).toFixed(2),
    seconds: +s.toFixed(2), networkSeconds: +run!.networkSeconds.toFixed(2), voxelsPerSecond: Math.round(V / s),
    ratioToBare: +(s / bare).toFixed(2),
  });
}
const best = sliding.reduce((a, b) => ((a.seconds as number) <= (b.seconds as number) ? a : b));

let streaming: unknown;
if (stream) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'test/infer/stream-child.ts', join(tmpdir(), `lumen-bench-stream-${process.pid}`), stream, '1024', '1024', '16,1024,1024'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  streaming = JSON.parse(out.trim().split('\n').at(-1)!);
}

console.log(JSON.stringify({
  bench: 'infer', network: 'UNet3D[16,32,64,128] IN LeakyReLU', volume: [size, size, size], threads, device: runtime.report().used,
  bare: { ...bareRuns.fast, exportGraph: bareRuns.export, maxRSS: bareRSS },
  sliding, best: { patch: best.patch, voxelsPerSecond: best.voxelsPerSecond, ratioToBare: best.ratioToBare },
  goal: { bareVoxelsPerSecond: 850_000, slidingRatioMax: 1.6, anchorPyTorch113: 680_000 },
  ...(streaming ? { streaming } : {}),
  maxRSS: process.resourceUsage().maxRSS * 1024,
}));
// the bound: a 4 GB stack streams with a peak RSS under 1.5 GB
if (streaming && (streaming as { maxRSS: number }).maxRSS >= 1.5e9) {
  console.error(`streaming peak RSS ${(streaming as { maxRSS: number }).maxRSS} ≥ 1.5 GB`);
  process.exitCode = 1;
}
