// `npm run bench:instances`: objects in a 512×512 image (goal ≤ 2 s on 2 cores) and in a
// 64×256×256 anisotropic volume (goal ≤ 60 s), network and NMS included, through the streamed,
// tiled path `lumen predict` runs (instances/tiled/: sliding window → candidates → one NMS →
// labels written slab by slab to a TIFF). Each stage is timed: network (ORT), window (the
// sliding window around it), candidates, nms, write.
//
// The network's cost does not depend on its weights: it is measured with the default instance
// config (instanceModelConfig: 2D 16-32-64-128, 3D 16-32-64 halving y/x only, 32/96 rays) and
// initialised weights, whose output decodes to nothing useful (its probability threshold is set
// out of reach, so its own decode costs nothing). The decoding stages are measured on realistic
// candidate fields: the exact StarDist targets of synthetic nuclei (2D ~210 discs, 32 rays; 3D
// ~320 ellipsoids, 96 rays, anisotropy [2,1,1], grid [1,2,2]) fed through the same streamed path
// by a network that hands its input through. Total = network + window of the first + candidates +
// nms + write of the second. minIoU: every true object is found (worst IoU). cpuSeconds: the
// process's CPU time during the network run (ORT on both cores, window and candidates included),
// the sort + NMS (one thread) and the writing: on a shared, loaded machine wall times say as much
// about the neighbours as about the code.
// coarserCandidates: the same decode on a coarser candidate grid (--candidate-grid), as tried.
//
// `--seams [--steps 300]` adds the tiled-against-one-pass check with a trained network: a 2D
// StarDist network trained on synthetic nuclei (trainInstances, minutes), then a 512×512 image
// predicted in 128×128 patches and in one 512×512 patch: F1 at IoU 0.5 of the two object sets,
// objects split or merged at seams. Options: --repeat N (default 1), --only 2d|3d, --patch3d z,y,x.
// Prints ONE JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../src-main/runtime.ts';
import { flag, parseArgs } from '../src-main/args.ts';
import { buildInferenceGraph } from '../src-shared/nn/trainer.ts';
import { initParams } from '../src-shared/nn/params.ts';
import { unetPatchModel } from '../src-shared/infer/patch-model.ts';
import { memorySink, memorySource } from '../src-shared/infer/source.ts';
import { fileSink } from '../src-shared/infer/file-sink.ts';
import { makeVolume, type Volume } from '../src-shared/volume.ts';
import { instanceModelConfig, trainInstances } from '../src-shared/instances/train/index.ts';
import { defaultDecoding, type InstanceDecoding } from '../src-shared/instances/train/decoding.ts';
import { predictInstancesToSink, instanceWindow, type InstanceJobResult } from '../src-shared/instances/tiled/index.ts';
import { seededRandom } from '../src-shared/random.ts';
import { blobGrid, matchIoUs, paintBlobs } from '../test/instances/helpers.ts';
import { compareSeams, identityModel, starTargetVolume } from '../test/instances/tiled-helpers.ts';

const args = parseArgs(process.argv.slice(2), ['seams']);
const repeat = Number(flag(args, 'repeat') ?? 1);
const only = flag(args, 'only');
const patch3d = flag(args, 'patch3d')?.split(',').map(Number);
const { factory } = createRuntime({ device: 'cpu', threads: 2 });
const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-instances-'));
const round = (x: number, d = 2) => +x.toFixed(d);

/** nuclei-like intensities: the objects bright on a dim, noisy background */
function nucleiImage(labels: Uint16Array, shape: [number, number, number], seed: number, spacing: [number, number, number]): Volume {
  const rand = seededRandom(seed);
  const data = Float32Array.from(labels, (v) => (v ? 800 : 200) + 120 * (rand() - 0.5));
  return makeVolume([...shape, 1], 'float32', data, { spacing, unit: 'um' });
}

function initialisedModel(dims: 2 | 3, d: InstanceDecoding) {
  const config = instanceModelConfig(dims, 1, d);
  const params = initParams(buildInferenceGraph(config, dims === 3 ? [1, 1, 8, 8, 8] : [1, 1, 8, 8]).specs, 1);
  return { config, params };
}

function stagesOf(r: InstanceJobResult): Record<string, number> {
  return Object.fromEntries(Object.entries(r.stages).map(([k, v]) => [k, round(v)]));
}

async function run(dims: 2 | 3) {
  const shape: [number, number, number] = dims === 2 ? [1, 512, 512] : [64, 256, 256];
  const spacing: [number, number, number] = dims === 2 ? [1, 1, 1] : [2, 1, 1];
  const spatial = dims === 2 ? [512, 512] : shape;
  const blobs = dims === 2 ? blobGrid(spatial, [15, 14], 1.0, 7) : blobGrid(spatial, [4, 9, 9], 1.0, 13);
  const labels = paintBlobs(spatial, blobs);
  const d: InstanceDecoding = { ...defaultDecoding(dims, spacing), probThreshold: 0.5, nmsThreshold: dims === 2 ? 0.4 : 0.3 };

  // the network: default config, initialised weights, its own decode switched off
  const net = initialisedModel(dims, d);
  const window = dims === 3 && patch3d ? { patch: patch3d } : instanceWindow({ ...net, instances: d }, shape);
  const image = nucleiImage(labels, shape, 3, spacing);
  const a = await predictInstancesToSink(unetPatchModel(factory, net), memorySource(image), d, fileSink(join(dir, `net${dims}.tif`), image),
    { ...window, probThreshold: 1 });

  // decoding: the exact targets through the same streamed path, into a TIFF
  const targets = starTargetVolume(labels, shape, d, spacing);
  const b = await predictInstancesToSink(identityModel(dims, 1 + d.rays), memorySource(targets), d, fileSink(join(dir, `obj${dims}.tif`), image),
    { ...window, normalize: 'none' });
  let found: Volume | undefined;
  await predictInstancesToSink(identityModel(dims, 1 + d.rays), memorySource(targets), d, (spec) => { const s = memorySink(spec.shape, spec.dtype, image.geometry); found = s.volume; return s; },
    { ...window, normalize: 'none' });
  const ious = matchIoUs(labels, found!.data, blobs.length);
  const total = a.stages.network + a.stages.window + b.stages.candidates + b.stages.nms + b.stages.write;
  // tried: a coarser candidate grid (z every other slice in 3D, every 4th pixel in 2D)
  const coarseGrid: [number, number, number] = dims === 3 ? [2, 2, 2] : [1, 4, 4];
  let coarseOut: Volume | undefined;
  const c = await predictInstancesToSink(identityModel(dims, 1 + d.rays), memorySource(targets), d, (spec) => { const s = memorySink(spec.shape, spec.dtype, image.geometry); coarseOut = s.volume; return s; },
    { ...window, normalize: 'none', candidateGrid: coarseGrid });
  const coarseIoUs = matchIoUs(labels, coarseOut!.data, blobs.length);
  return {
    shape: dims === 2 ? [512, 512] : shape, rays: d.rays, grid: d.grid, patch: a.run.patch, patches: a.run.patches,
    seconds: round(total), goal: dims === 2 ? 2 : 60,
    stages: { network: round(a.stages.network), window: round(a.stages.window), candidates: round(b.stages.candidates), nms: round(b.stages.nms), write: round(b.stages.write) },
    objects: blobs.length, found: b.objects.count, candidates: b.candidates, minIoU: round(Math.min(...ious), 3),
    nmsStats: b.nmsStats, networkRun: stagesOf(a), cpuSeconds: { network: round(a.cpuSeconds.predict), nms: round(b.cpuSeconds.nms), write: round(b.cpuSeconds.write) },
    coarserCandidates: { grid: coarseGrid, candidates: c.candidates, found: c.objects.count, nms: round(c.stages.nms), minIoU: round(Math.min(...coarseIoUs), 3) },
  };
}

async function seams() {
  const steps = Number(flag(args, 'steps') ?? 300);
  const sample = (n: number, seed: number) => {
    const labels = paintBlobs([n, n], blobGrid([n, n], [n / 24, n / 24], 0.9, seed));
    return { labels, image: nucleiImage(labels, [1, n, n], seed + 50, [1, 1, 1]) };
  };
  const train = sample(192, 1);
  const t0 = performance.now();
  const r = await trainInstances(factory, { image: train.image.data, channels: 1, shape: [1, 192, 192], instances: train.labels }, { steps, seed: 1 });
  const trainSeconds = (performance.now() - t0) / 1000;
  const test = sample(512, 2);
  const model = unetPatchModel(factory, r.model);
  const labelsOf = async (patch: number[]) => {
    let out: Volume | undefined;
    const res = await predictInstancesToSink(model, memorySource(test.image), r.model.instances!, (spec) => { const s = memorySink(spec.shape, spec.dtype, test.image.geometry); out = s.volume; return s; }, { patch });
    return { labels: out!.data as Uint16Array, res };
  };
  const one = await labelsOf([1, 512, 512]);
  const tiled = await labelsOf([1, 128, 128]);
  const c = compareSeams(one.labels, tiled.labels, [1, 512, 512]);
  const truthF1 = compareSeams(test.labels, one.labels, [1, 512, 512]).f1;
  return {
    steps: r.report.steps, trainSeconds: round(trainSeconds, 1), validationF1: round(r.report.validationF1, 3), truthF1OnePass: round(truthF1, 3),
    onePass: { patches: one.res.run.patches, seconds: round(one.res.seconds), stages: stagesOf(one.res), objects: one.res.objects.count },
    tiled: { patches: tiled.res.run.patches, seconds: round(tiled.res.seconds), stages: stagesOf(tiled.res), objects: tiled.res.objects.count },
    f1: round(c.f1, 4), split: c.split, merged: c.merged,
  };
}

try {
  const rounds = [];
  for (let i = 0; i < repeat; i++) {
    rounds.push({
      ...(only !== '3d' ? { d2: await run(2) } : {}),
      ...(only !== '2d' ? { d3: await run(3) } : {}),
    });
  }
  const seamCheck = flag(args, 'seams') === 'true' ? await seams() : undefined;
  console.log(JSON.stringify({
    bench: 'instances', load: loadavg().map((x) => round(x, 1)), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    rounds, ...(seamCheck ? { seams: seamCheck } : {}),
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
