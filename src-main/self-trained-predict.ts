// `lumen predict --self-train`: a model used without labels on a stack it has never seen (the
// bundled synthetic-trained models), then adapted to that stack (src-shared/classic/self-train.ts):
// the network's probabilities go to a temporary file by the usual streaming prediction, its
// confident voxels label a pixel forest learned on this volume, and the forest's output is
// written with the same threshold and object filters as a plain prediction. It needs the whole
// volume in memory (the forest learns from all of it), so --blocks refuses it.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { LumenError } from '../src-shared/errors.ts';
import { readVolume, writeVolume } from '../src-shared/io/index.ts';
import { makeVolume } from '../src-shared/volume.ts';
import { fillHoles, keepLargestComponents, removeSmallComponents, type Connectivity } from '../src-shared/infer/index.ts';
import { threshold } from '../src-shared/infer/postprocess/threshold.ts';
import { selfTrain } from '../src-shared/classic/self-train.ts';
import { volumeToPlanar } from '../src-shared/train/volume-convert.ts';
import { zscore } from '../src-shared/train/normalize.ts';
import { createRuntime, type DeviceChoice } from './runtime.ts';
import { startInference, type InferenceJob } from './inference-service.ts';
import { ProgressBar } from './progress.ts';

export interface SelfTrainedPost {
  threshold?: number;
  value?: number;
  fillHoles?: boolean;
  minSize?: number;
  keepLargest?: number;
  connectivity?: Connectivity;
}

export interface SelfTrainedJob {
  model: string;
  image: string;
  out: string;
  probabilities: boolean;
  device: DeviceChoice;
  threads?: number;
  /** the sliding window's options, as for a plain prediction */
  window: NonNullable<InferenceJob['options']>;
  post: SelfTrainedPost;
  tempDir?: string;
}

export interface SelfTrainedResult {
  shape: number[];
  device: string;
  seconds: { network: number; selfTraining: number };
  positives: number;
  negatives: number;
}

/** Runs the job; `onCancel` receives a function that stops it (Ctrl-C). */
export async function predictSelfTrained(job: SelfTrainedJob, onCancel: (cancel: () => void) => void): Promise<SelfTrainedResult> {
  const temp = resolve(job.tempDir ?? tmpdir(), `lumen-self-train-${process.pid}-${Date.now()}.tif`);
  let cancelled = false;
  try {
    const t0 = performance.now();
    let bar: ProgressBar | undefined;
    const handle = startInference({
      model: { path: job.model }, input: { kind: 'file', path: job.image }, output: { kind: 'file', path: temp },
      device: job.device, threads: job.threads, options: { ...job.window, output: 'probabilities', post: {} },
    }, {
      onProgress: (p) => { bar ??= new ProgressBar('network', p.total); bar.update(p.done, p.phase); },
      onLog: (line) => process.stderr.write(`${line}\n`),
    });
    onCancel(() => { cancelled = true; handle.cancel(); });
    const r = await handle.result;
    const network = (performance.now() - t0) / 1000;

    const probVolume = await readVolume(temp);
    if (probVolume.shape[3] !== 1) throw new LumenError('unsupported', `--self-train adapts a model of one structure against background; this model gives ${probVolume.shape[3]} class channels`);
    const image = await readVolume(job.image, { workingBytesPerVoxel: (channels) => 4 * channels + 16 });
    const shape = image.shape.slice(0, 3) as [number, number, number];
    const runtime = createRuntime({ device: job.device, threads: job.threads });
    let stage: ProgressBar | undefined, phase = '';
    const t1 = performance.now();
    const adapted = await selfTrain(runtime.factory, { shape, channels: image.shape[3], image: volumeToPlanar(image, zscore), spacing: image.geometry.spacing },
      probVolume.data as Float32Array, {}, (p) => {
        if (cancelled) throw new LumenError('cancelled', 'self-training cancelled');
        if (p.phase !== phase) { phase = p.phase; stage = new ProgressBar('self-train', p.steps); }
        stage!.update(p.step, p.phase);
      });
    const selfTraining = (performance.now() - t1) / 1000;

    if (job.probabilities) {
      await writeVolume(job.out, makeVolume([...shape, 1], 'float32', adapted.prob, image.geometry), { like: image });
    } else {
      await writeVolume(job.out, makeVolume([...shape, 1], 'uint8', labelsOf(adapted.prob, shape, job.post), image.geometry), { like: image, labels: true });
    }
    return { shape: image.shape, device: r.device.used, seconds: { network, selfTraining }, positives: adapted.report.positives, negatives: adapted.report.negatives };
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Threshold, then the object filters in the order a plain prediction applies them. */
function labelsOf(prob: Float32Array, shape: [number, number, number], post: SelfTrainedPost): Uint8Array {
  let mask = threshold(prob, post.threshold ?? 0.5, 1);
  if (post.fillHoles) mask = fillHoles(mask, shape);
  if (post.minSize !== undefined) mask = removeSmallComponents(mask, shape, post.minSize, post.connectivity);
  if (post.keepLargest !== undefined) mask = keepLargestComponents(mask, shape, post.keepLargest, post.connectivity);
  const value = post.value ?? 1;
  if (value !== 1) for (let i = 0; i < mask.length; i++) mask[i] = mask[i]! * value;
  return mask;
}
