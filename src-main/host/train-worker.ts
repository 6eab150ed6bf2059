// The training worker thread: reads the image and the committed labels from the project (its
// own read-only connection), runs the strategy and posts progress and, at the end, the model as
// ONNX bytes. The host stores the model and runs inference; this thread never writes the project.
//   in:  { type: 'stop' }
//   out: { type: 'progress', progress } | { type: 'done', onnx, config, provenance, report, strategy } | { type: 'error', code?, message }
import { parentPort, workerData } from 'node:worker_threads';
import { ProjectStore } from '../store/index.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { strategyByName } from '../../src-shared/train/strategies/index.ts';
import { volumeToPlanar } from '../../src-shared/train/volume-convert.ts';
import { zscore } from '../../src-shared/train/normalize.ts';
import { exportOnnxModel, importOnnxModel } from '../../src-shared/nn/model-file.ts';
import { isLumenError, LumenError } from '../../src-shared/errors.ts';
import type { LabeledVolume } from '../../src-shared/train/dataset.ts';

export interface TrainJob {
  project: string;
  volumeId: number;
  labelId: number;
  strategy: string;
  effort: number;
  device: DeviceChoice;
  pretrainedOnnx?: Uint8Array;
  threads?: number;
}

const port = parentPort!;
let stop = false;
port.on('message', (m: { type: string }) => { if (m.type === 'stop') stop = true; });

async function main(job: TrainJob): Promise<void> {
  const store = ProjectStore.open(job.project, { readonly: true });
  let data: LabeledVolume;
  try {
    const image = store.readVolume(job.volumeId);
    const dense = store.loadLabels(job.labelId).toDense();
    // the networks are binary: every class from 2 up counts as foreground
    for (let i = 0; i < dense.length; i++) if (dense[i]! > 2) dense[i] = 2;
    if (!dense.some((v) => v === 2)) throw new LumenError('bad-input', 'paint some foreground first (class 2 or higher)');
    if (!dense.some((v) => v === 1)) throw new LumenError('bad-input', 'paint some background first: the model must see what is not foreground');
    const [d, h, w, c] = image.shape;
    data = { shape: [d, h, w], channels: c, image: volumeToPlanar(image, zscore), labels: dense };
  } finally {
    store.close();
  }
  const runtime = createRuntime({ device: job.device, threads: job.threads, background: true }); // the UI shares these cores
  const options = { effort: job.effort, seed: 0, pretrained: job.pretrainedOnnx ? importOnnxModel(job.pretrainedOnnx) : undefined };
  const { name, run } = strategyByName(job.strategy, [data], options);
  port.postMessage({ type: 'strategy', strategy: name, device: runtime.report().used });
  const result = await run([data], options, {
    factory: runtime.factory,
    progress: (p) => port.postMessage({ type: 'progress', progress: p }),
    shouldStop: () => stop,
  });
  if (stop) throw new LumenError('cancelled', 'training was stopped');
  const cfg = result.model.config;
  const onnx = exportOnnxModel(result.model, cfg.dims === 3 ? [1, cfg.inChannels, 8, 96, 96] : [1, cfg.inChannels, 256, 256]);
  port.postMessage({ type: 'done', onnx, config: cfg, provenance: result.model.provenance, report: result.report, strategy: name, device: runtime.report() });
}

try {
  await main(workerData.job as TrainJob);
} catch (e) {
  port.postMessage({ type: 'error', code: isLumenError(e) ? e.code : undefined, message: (e as Error).message ?? String(e) });
} finally {
  port.close();
}
