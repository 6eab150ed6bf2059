// npm run bench:engine — train-step time and inference throughput of the reference 3D U-Net
// (issue: batch 2×1×64³, float32, CPU, 2 threads, BCE + soft Dice, Adam; 1,401,969 parameters).
// Inference is timed on the graph Lumen's predict and segment run (infer/fast-graph.ts), and on
// the plain exported graph for comparison, interleaved so that background load hits both alike.
// Prints one JSON line. Options: --steps N, --threads N, --strided conv-transpose|zero-insert.
import { Tensor } from 'onnxruntime-common';
import { createRuntime } from '../src-main/runtime.ts';
import { Trainer, buildInferenceGraph } from '../src-shared/nn/trainer.ts';
import { REFERENCE_UNET3D } from '../src-shared/nn/unet.ts';
import { countParams, initParams, seededRandom } from '../src-shared/nn/params.ts';
import { serializeGraph } from '../src-shared/nn/onnx-io.ts';
import { fastInferenceBytes } from '../src-shared/infer/fast-graph.ts';
import { convGradOptions } from '../src-shared/nn/conv-grad.ts';
import { parseArgs, flag } from '../src-main/args.ts';

const args = parseArgs(process.argv.slice(2));
const steps = Number(flag(args, 'steps') ?? 5);
const threads = Number(flag(args, 'threads') ?? 2);
const strided = flag(args, 'strided');
if (strided === 'conv-transpose' || strided === 'zero-insert') convGradOptions.strided = strided;
const inferSize = Number(flag(args, 'infer-size') ?? 128);

const runtime = createRuntime({ device: 'cpu', threads });
const batchShape = [2, 1, 64, 64, 64];
const n = batchShape.reduce((a, b) => a * b);
const rand = seededRandom(3);
const image = Float32Array.from({ length: n }, () => rand());
const target = Float32Array.from(image, (v) => (v > 0.7 ? 1 : 0));
const weight = new Float32Array(n).fill(1);

let t0 = performance.now();
const trainer = await Trainer.create({ model: REFERENCE_UNET3D, batchShape, loss: 'bce+dice', optimizer: { kind: 'adam' }, seed: 1 }, runtime.factory);
const buildSeconds = (performance.now() - t0) / 1000;
await trainer.step({ image, target, weight }, 1e-3); // warm-up: first run allocates
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  t0 = performance.now();
  await trainer.step({ image, target, weight }, 1e-3);
  times.push((performance.now() - t0) / 1000);
}
await trainer.release();

const inferShape = [1, 1, inferSize, inferSize, inferSize];
const { graph, specs } = buildInferenceGraph(REFERENCE_UNET3D, inferShape);
const params = initParams(specs, 1);
const sessions = {
  fast: await runtime.factory(fastInferenceBytes(REFERENCE_UNET3D, params, inferShape)),
  exported: await runtime.factory(serializeGraph(graph, { bake: params })),
};
const vol = new Tensor('float32', Float32Array.from({ length: inferSize ** 3 }, () => rand()), inferShape);
const inferTimes = { fast: [] as number[], exported: [] as number[] };
for (const session of Object.values(sessions)) await session.run({ image: vol });
for (let i = 0; i < 3; i++) {
  for (const [kind, session] of Object.entries(sessions) as [keyof typeof sessions, (typeof sessions)['fast']][]) {
    t0 = performance.now();
    await session.run({ image: vol });
    inferTimes[kind].push((performance.now() - t0) / 1000);
  }
}
for (const session of Object.values(sessions)) await session.release();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const step = median(times);
console.log(JSON.stringify({
  bench: 'engine', network: 'UNet3D[16,32,64,128] IN LeakyReLU', params: countParams(specs), batch: batchShape,
  threads, stridedInputGrad: convGradOptions.strided, graphBuildAndSessionSeconds: +buildSeconds.toFixed(2),
  trainStepSeconds: +step.toFixed(3), trainStepGFLOPs: +(169 / step).toFixed(1), stepTimes: times.map((t) => +t.toFixed(3)),
  inferVolume: [inferSize, inferSize, inferSize], inferSeconds: +median(inferTimes.fast).toFixed(3),
  inferVoxelsPerSecond: Math.round(inferSize ** 3 / median(inferTimes.fast)), inferSecondsExportedGraph: +median(inferTimes.exported).toFixed(3),
  goal: { trainStepSeconds: 2.0, infer128Seconds: 2.5 },
}));
