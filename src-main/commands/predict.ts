// `lumen predict --model MODEL.onnx --image IMG --out PRED`: segments a volume of any size with a
// Lumen model. Streams from any readable format to TIFF/BigTIFF or NIfTI (by --out's extension),
// in a worker thread with a progress bar; Ctrl-C cancels and leaves no output file.
import { LumenError } from '../../src-shared/errors.ts';
import { checkVolumeOutput } from '../../src-shared/io/index.ts';
import { DEVICE_CHOICES, type DeviceChoice } from '../runtime.ts';
import { flag, integerFlag, numberFlag, parseArgs, requiredFlag, type ParsedArgs } from '../args.ts';
import { parseBlockSet } from '../../src-shared/infer/blocks/block-plan.ts';
import { finishBlocks, initBlocks, runBlockSet } from '../blocks/block-predict.ts';
import { ProgressBar } from '../progress.ts';
import { startInference } from '../inference-service.ts';
import type { Connectivity } from '../../src-shared/infer/postprocess/components.ts';
import { pretrainedPath } from '../pretrained.ts';
import { readFileSync } from 'node:fs';
import { readModelMetadata } from '../../src-shared/nn/onnx-io.ts';
import { predictSelfTrained, type SelfTrainedPost } from '../self-trained-predict.ts';

export const summary = 'segment a volume of any size with a model: lumen predict --model M.onnx --image IMG --out PRED [--prob] [--patch z,y,x] [--overlap 0.25] [--flips] [--min-size N] …';

export const usage = `usage: lumen predict --model MODEL.onnx|NAME --image IMG --out PRED.tif|.nii[.gz]
  [--prob]                 write float32 probabilities instead of labels (a multi-class model:
                           one channel per class, background first)
  [--patch z,y,x]          patch size (default 64,64,64; rounded to the network's multiple)
  [--overlap 0.25]         fraction of a patch shared with each neighbour
  [--blend gaussian|constant] [--batch N] [--flips]
  [--device auto|cpu|cuda|dml|webgpu|coreml] [--threads N]
  [--threshold 0.5] [--out-scale 1|255] [--fill-holes] [--min-size N] [--keep-largest K]
  [--instances] [--connectivity 6|18|26] [--temp-dir DIR]
  [--self-train]           adapt the model to this volume without labels: its confident voxels
                           (p > 0.5 structure, p < 0.05 background) train a pixel classifier on
                           this volume, which labels the rest (for a bundled model used on a new
                           stack; a binary model, the whole volume in memory, not with --blocks)
  [--blocks init|K/N|finish] [--chunks z,y,x] [--zarr-format 2|3]
                           block-wise, for OME-Zarr in and out (a cluster's array tasks):
                           init prepares OUT.zarr and records the model and settings in it,
                           K/N predicts block set K of N (finished blocks are skipped), finish
                           checks every block and builds the pyramid. Object filters and
                           --instances need the whole volume and are refused there.
  A binary model writes 0 / --out-scale; a multi-class model writes each voxel's class value as
  painted (1 = background, 2… the classes); --threshold, --out-scale and the object filters are
  for binary models.
  An instance model (trained with --instances: StarDist) writes its objects, ids 1…n (uint16, uint32
  past 65535), found by one sliding window and one NMS over the whole image, so objects cut by patch
  borders come out whole; the JSON line adds the object count and each stage's seconds.
  [--prob-threshold P] [--nms-threshold T]  instead of the thresholds tuned in training
  [--candidate-grid z,y,x] read candidates on this grid instead of the model's (e.g. 2,2,2 or
                           1,4,4 for a 1,2,2 model): fewer candidates, a faster NMS
  --prob then writes the network's 1 + R float32 channels (object probability, then the distance
  along each ray in voxels). --blocks, --flips and the mask options are refused for it.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['prob', 'flips', 'fill-holes', 'instances', 'self-train']);
  if (flag(args, 'blocks') !== undefined) return runBlocks(args);
  const modelPath = pretrainedPath(requiredFlag(args, 'model')); // a bundled model's name works too
  const image = requiredFlag(args, 'image');
  const out = requiredFlag(args, 'out');
  checkVolumeOutput(out);
  const patch = tripleFlag(args, 'patch');
  const device = deviceFlag(args);
  const blend = blendFlag(args);
  const connectivity = numberFlag(args, 'connectivity', (x) => x === 6 || x === 18 || x === 26, '6, 18 or 26') as Connectivity | undefined;
  const prob = flag(args, 'prob') === 'true';
  const post = {
    threshold: numberFlag(args, 'threshold', (x) => x >= 0 && x <= 1, 'a number from 0 to 1'),
    value: numberFlag(args, 'out-scale', (x) => Number.isInteger(x) && x >= 1 && x <= 255, 'an integer from 1 to 255'),
    minSize: integerFlag(args, 'min-size', 0),
    keepLargest: integerFlag(args, 'keep-largest', 1),
    fillHoles: flag(args, 'fill-holes') === 'true',
    instances: flag(args, 'instances') === 'true',
    connectivity,
  };
  if (prob && (post.minSize !== undefined || post.keepLargest !== undefined || post.fillHoles || post.instances)) {
    throw new LumenError('bad-input', 'post-processing (--min-size, --keep-largest, --fill-holes, --instances) applies to labels, not to --prob output');
  }

  if (flag(args, 'self-train') === 'true') {
    if (post.instances) throw new LumenError('bad-input', '--self-train adapts a model that segments classes; it does not combine with --instances');
    const meta = modelMetadata(modelPath);
    refuseInstanceModel(meta, '--self-train adapts a model that segments classes; this one finds objects');
    const note = labelTrainedNote(meta);
    if (note) process.stderr.write(`lumen predict: note: ${note}\n`);
    return runSelfTrained(args, { modelPath, image, out, prob, patch, device, blend, post });
  }

  const instanceThresholds = {
    probThreshold: numberFlag(args, 'prob-threshold', (x) => x >= 0 && x <= 1, 'a number from 0 to 1'),
    nmsThreshold: numberFlag(args, 'nms-threshold', (x) => x >= 0 && x < 1, 'a number from 0 up to (not including) 1'),
    candidateGrid: tripleFlag(args, 'candidate-grid'),
  };

  let bar: ProgressBar | undefined;
  let shown = -1;
  const handle = startInference({
    model: { path: modelPath },
    input: { kind: 'file', path: image },
    output: { kind: 'file', path: out },
    device,
    threads: integerFlag(args, 'threads', 1),
    options: {
      output: prob ? 'probabilities' : 'labels',
      patch,
      ...slidingWindowFlags(args),
      blend,
      post,
      tempDir: flag(args, 'temp-dir'),
    },
    instances: instanceThresholds,
  }, {
    onProgress: (p) => {
      bar ??= new ProgressBar('predict', p.total);
      if (p.done > shown) { shown = p.done; bar.update(p.done, p.phase); }
    },
    onLog: (line) => process.stderr.write(`${line}\n`),
  });
  const onSignal = () => { process.stderr.write('\ncancelling…\n'); handle.cancel(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const r = await handle.result;
    console.log(JSON.stringify({
      out, shape: r.shape, dtype: r.dtype, device: r.device.used, patch: r.run.patch, patches: r.run.patches,
      seconds: +r.seconds.toFixed(2), cpuSeconds: cpuSeconds(), voxelsPerSecond: Math.round((r.shape[0] * r.shape[1] * r.shape[2]) / r.seconds),
      ...(r.objects ? { objects: r.objects.count, objectVoxels: r.objects.sizes.length <= 1000 ? r.objects.sizes : undefined } : {}),
      ...(r.instances ? {
        // kept shapes that more probable ones cover entirely keep their id but no voxel (as in StarDist)
        emptyIds: r.objects!.sizes.filter((n) => n === 0).length,
        candidates: r.instances.candidates, candidateGrid: r.instances.candidateGrid, probThreshold: r.instances.probThreshold, nmsThreshold: r.instances.nmsThreshold,
        stageSeconds: Object.fromEntries(Object.entries(r.instances.stages).map(([k, v]) => [k, +v.toFixed(2)])),
      } : {}),
    }));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function tripleFlag(args: ParsedArgs, name: string): [number, number, number] | undefined {
  const text = flag(args, name);
  const v = text?.split(',').map((s) => Number(s));
  if (v && (v.length !== 3 || v.some((p) => !Number.isInteger(p) || p < 1))) throw new LumenError('bad-input', `--${name} wants three positive integers z,y,x, not ${text}`);
  return v as [number, number, number] | undefined;
}

function deviceFlag(args: ParsedArgs): DeviceChoice {
  const device = (flag(args, 'device') ?? 'auto') as DeviceChoice;
  if (!DEVICE_CHOICES.includes(device)) throw new LumenError('bad-input', `--device must be one of ${DEVICE_CHOICES.join(', ')}`);
  return device;
}

/** --overlap, --batch and --flips, as every way of predicting reads them. */
function slidingWindowFlags(args: ParsedArgs): { overlap?: number; batch?: number; flips: boolean } {
  return {
    overlap: numberFlag(args, 'overlap', (x) => x >= 0 && x < 1, 'a fraction from 0 up to (not including) 1'),
    batch: integerFlag(args, 'batch', 1),
    flips: flag(args, 'flips') === 'true',
  };
}

function blendFlag(args: ParsedArgs): 'gaussian' | 'constant' {
  const blend = flag(args, 'blend') ?? 'gaussian';
  if (blend !== 'gaussian' && blend !== 'constant') throw new LumenError('bad-input', '--blend must be gaussian or constant');
  return blend;
}

/** `--blocks init | K/N | finish`: block-wise prediction into an OME-Zarr output (src-main/blocks/). */
async function runBlocks(args: ParsedArgs): Promise<number> {
  const step = flag(args, 'blocks')!;
  const out = requiredFlag(args, 'out');
  for (const f of ['fill-holes', 'instances', 'min-size', 'keep-largest', 'temp-dir', 'self-train']) {
    if (flag(args, f) !== undefined) throw new LumenError('bad-input', `--${f} needs the whole volume at once, so it does not combine with --blocks`);
  }
  if (!/\.zarr\/?$/i.test(out)) throw new LumenError('bad-input', `--blocks writes an OME-Zarr folder; name the output *.zarr, not ${out}`);
  if (step === 'init') {
    refuseInstanceModel(modelMetadata(pretrainedPath(requiredFlag(args, 'model'))), 'an instance model finds objects with one NMS over the whole volume, which --blocks cannot split; predict it without --blocks');
    const zarrFormat = numberFlag(args, 'zarr-format', (x) => x === 2 || x === 3, '2 or 3') as 2 | 3 | undefined;
    const settings = await initBlocks({
      model: pretrainedPath(requiredFlag(args, 'model')), image: requiredFlag(args, 'image'), out,
      output: flag(args, 'prob') === 'true' ? 'probabilities' : 'labels',
      labels: {
        threshold: numberFlag(args, 'threshold', (x) => x >= 0 && x <= 1, 'a number from 0 to 1'),
        value: numberFlag(args, 'out-scale', (x) => Number.isInteger(x) && x >= 1 && x <= 255, 'an integer from 1 to 255'),
      },
      window: {
        ...(tripleFlag(args, 'patch') ? { patch: tripleFlag(args, 'patch') } : {}),
        ...slidingWindowFlags(args), blend: blendFlag(args),
      },
      chunks: tripleFlag(args, 'chunks'), zarrFormat, device: deviceFlag(args),
    });
    console.log(JSON.stringify({ out, blocks: settings.plan.count, block: settings.plan.block, chunks: settings.plan.chunks, shape: settings.image.shape, cpuSeconds: cpuSeconds() }));
    return 0;
  }
  if (step === 'finish') {
    const r = await finishBlocks(out);
    if (r.alreadyFinished) process.stderr.write(`${out} was already finished; nothing to do\n`);
    const peak = Math.max(0, ...r.tasks.map((t) => t.peakRssBytes));
    console.log(JSON.stringify({ out, blocks: r.blocks, levels: r.levels, alreadyFinished: r.alreadyFinished, taskRuns: r.tasks.length, peakRssMB: Math.round(peak / 2 ** 20), cpuSeconds: cpuSeconds() }));
    return 0;
  }
  const { k, n } = parseBlockSet(step);
  let bar: ProgressBar | undefined;
  const r = await runBlockSet(out, k, n, {
    image: flag(args, 'image'), device: deviceFlag(args), threads: integerFlag(args, 'threads', 1),
    onProgress: (done, total) => { bar ??= new ProgressBar(`blocks ${k}/${n}`, total); bar.update(done, 'predict'); },
  });
  if (r.predicted.length === 0) process.stderr.write(`block set ${k}/${n} of ${out} was already finished; nothing to do\n`);
  console.log(JSON.stringify({ out, task: r.task, blocks: r.blocks.length, predicted: r.predicted.length, skipped: r.skipped.length, of: r.total, seconds: +r.seconds.toFixed(2), cpuSeconds: cpuSeconds(), peakRssMB: Math.round(r.peakRssBytes / 2 ** 20) }));
  return 0;
}

/** The model file's metadata, or an empty record when it cannot be read (loading the model then says what is wrong with it). */
function modelMetadata(path: string): Record<string, string> {
  try { return readModelMetadata(new Uint8Array(readFileSync(path))); } catch { return {}; }
}

/** --blocks and --self-train refuse instance models with `why`. */
function refuseInstanceModel(meta: Record<string, string>, why: string): void {
  if (meta['lumen.instances']) throw new LumenError('bad-input', why);
}

/**
 * Self-training helps a model that has never seen this kind of data (the bundled synthetic ones,
 * whose provenance names their `lumen pretrain` recipe) and can hurt one trained on the user's
 * labels, so that case gets a note, not a refusal: the user may know better.
 */
function labelTrainedNote(meta: Record<string, string>): string | undefined {
  let provenance: { recipe?: unknown; strategy?: unknown };
  try { provenance = JSON.parse(meta['lumen.provenance'] ?? '{}'); } catch { return undefined; }
  if (provenance.recipe !== undefined || typeof provenance.strategy !== 'string') return undefined;
  return `this model was trained on labels (strategy ${provenance.strategy}); --self-train is meant for models that have not seen this kind of data, such as the bundled synthetic ones. `
    + 'Self-training a fine-tuned DRIVE model lowered F1 from 0.771 to 0.695 (docs/benchmarks.md): compare with a plain prediction.';
}

/** `--self-train`: the network, then a pixel classifier learned on its confident voxels (self-trained-predict.ts). */
async function runSelfTrained(args: ParsedArgs, o: { modelPath: string; image: string; out: string; prob: boolean; patch?: [number, number, number]; device: DeviceChoice; blend: 'gaussian' | 'constant';
  post: SelfTrainedPost & { instances: boolean } }): Promise<number> {
  let cancel = () => {};
  const onSignal = () => { process.stderr.write('\ncancelling…\n'); cancel(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { instances: _, ...post } = o.post;
    const r = await predictSelfTrained({
      model: o.modelPath, image: o.image, out: o.out, probabilities: o.prob, device: o.device, threads: integerFlag(args, 'threads', 1),
      window: {
        patch: o.patch, ...slidingWindowFlags(args), blend: o.blend,
      },
      post, tempDir: flag(args, 'temp-dir'),
    }, (c) => { cancel = c; });
    console.log(JSON.stringify({
      out: o.out, shape: r.shape, device: r.device, selfTrained: true, pseudoLabels: { structure: r.positives, background: r.negatives },
      seconds: +(r.seconds.network + r.seconds.selfTraining).toFixed(2), stageSeconds: { network: +r.seconds.network.toFixed(2), selfTraining: +r.seconds.selfTraining.toFixed(2) }, cpuSeconds: cpuSeconds(),
    }));
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** CPU time of this process so far, all threads (what a cluster's accounting would charge). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return +((u.user + u.system) / 1e6).toFixed(2);
}
