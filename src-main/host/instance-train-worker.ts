// The instance training worker thread: reads the image and the drawn objects (with the regions
// marked as fully annotated) from the project on its own read-only connection, trains an instance
// model with the engine (src-shared/instances/train), finds the objects of the whole image with
// it, and posts the model (.onnx bytes) and the label image back. It never writes the project.
//   in:  { type: 'stop' }
//   out: { type: 'progress', progress } | { type: 'done', ...InstanceTrainDone } | { type: 'error', code?, message }
import { parentPort, workerData } from 'node:worker_threads';
import { ProjectStore } from '../store/index.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { trainInstances, predictInstancesWith, instanceModelBytes, type InstanceTrainingData } from '../../src-shared/instances/train/index.ts';
import { importOnnxModel, type ModelFile } from '../../src-shared/nn/model-file.ts';
import { bundledInstanceModel } from '../pretrained.ts';
import { annotatedMask } from '../../src-shared/labels/index.ts';
import { volumeToPlanar } from '../../src-shared/train/volume-convert.ts';
import { isLumenError, LumenError } from '../../src-shared/errors.ts';

export interface InstanceTrainJob {
  project: string;
  volumeId: number;
  layerId: number;
  steps: number;
  seed: number;
  device: DeviceChoice;
  /**
   * 'auto': fine-tune the bundled nuclei model where installed and train a new network, keep the
   * better (the CLI's default); 'scratch': a new network; 'model': fine-tune `pretrained`
   */
  start: 'auto' | 'scratch' | 'model';
  /** an instance model file to fine-tune ('model') */
  pretrained?: Uint8Array;
  threads?: number;
}

export interface InstanceTrainDone {
  model: Uint8Array;
  report: Record<string, unknown>;
  labels: Uint16Array | Uint32Array;
  count: number;
  device: string;
  warnings: string[];
  /** the model fine-tuned, when the kept network started from one */
  from?: string;
}

const port = parentPort!;
let stop = false;
port.on('message', (m: { type: string }) => { if (m.type === 'stop') stop = true; });

async function main(job: InstanceTrainJob): Promise<void> {
  const store = ProjectStore.open(job.project, { readonly: true });
  let data: InstanceTrainingData;
  try {
    const image = store.readVolume(job.volumeId);
    const layer = store.loadInstanceLayer(job.layerId);
    const [d, h, w, c] = image.shape;
    const annotated = annotatedMask(layer);
    // raw intensities: the engine normalises as its models expect
    data = { image: volumeToPlanar(image, (v) => v), channels: c, shape: [d, h, w], spacing: image.geometry.spacing, instances: layer.ids, ...(annotated ? { annotated } : {}) };
  } finally {
    store.close();
  }
  const runtime = createRuntime({ device: job.device, threads: job.threads, background: true }); // the UI shares these cores
  const warnings: string[] = [];
  let pretrained: { name: string; model: ModelFile } | undefined;
  if (job.start === 'model' && job.pretrained) pretrained = { name: 'a project model', model: importOnnxModel(job.pretrained) };
  else if (job.start === 'auto') pretrained = bundledInstanceModel(data.shape[0] === 1 ? 2 : 3);
  const trained = await trainInstances(runtime.factory, data, {
    steps: job.steps, seed: job.seed, shouldStop: () => stop,
    ...(pretrained ? { pretrained: pretrained.model, mode: job.start === 'model' ? 'finetune' as const : 'auto' as const } : {}),
    onStep: (step, steps, loss, phase) => port.postMessage({ type: 'progress', progress: { stage: 'train', phase: `${phase} instances`, step, steps, loss } }),
    onWarning: (m) => warnings.push(m),
  });
  if (stop) throw new LumenError('cancelled', 'training was stopped');
  const found = await predictInstancesWith(runtime.factory, trained.model, data.image, data.channels, data.shape, {
    onProgress: (done, total) => port.postMessage({ type: 'progress', progress: { stage: 'predict', phase: 'finding objects', step: done, steps: total } }),
  });
  if (stop) throw new LumenError('cancelled', 'training was stopped');
  const done: InstanceTrainDone = {
    model: instanceModelBytes(trained.model), report: { ...trained.report }, labels: found.labels, count: found.count, device: runtime.report().used, warnings,
    ...(trained.report.mode === 'finetune' && pretrained ? { from: pretrained.name } : {}),
  };
  port.postMessage({ type: 'done', ...done }, [found.labels.buffer as ArrayBuffer]);
}

try {
  await main(workerData.job as InstanceTrainJob);
} catch (e) {
  port.postMessage({ type: 'error', code: isLumenError(e) ? e.code : undefined, message: (e as Error).message ?? String(e) });
} finally {
  port.close();
}
