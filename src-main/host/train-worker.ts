// The training worker thread: reads the image and the committed labels from the project (its
// own read-only connection), runs the strategy and posts progress and, at the end, the model as
// ONNX bytes. The host stores the model and runs inference; this thread never writes the project.
//   in:  { type: 'stop' }
//   out: { type: 'progress', progress } | { type: 'done', onnx, config, provenance, report, strategy } | { type: 'error', code?, message }
// Labels reach training as painted: every class, in whichever views they were painted.
import { parentPort, workerData } from 'node:worker_threads';
import { ProjectStore } from '../store/index.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { trainSegmenter } from '../../src-shared/train/auto/train-segmenter.ts';
import { exportSegmenterOnnx } from '../../src-shared/segmenter/model-file.ts';
import { segmenterSummary } from '../../src-shared/segmenter/segmenter.ts';
import { trainableClasses } from '../../src-shared/train/classes.ts';
import { volumeToPlanar } from '../../src-shared/train/volume-convert.ts';
import { zscore } from '../../src-shared/train/normalize.ts';
import { importOnnxModel } from '../../src-shared/nn/model-file.ts';
import { loadBundled } from '../pretrained.ts';
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
    trainableClasses(dense); // a readable refusal when background or every class is missing
    const [d, h, w, c] = image.shape;
    data = { shape: [d, h, w], channels: c, image: volumeToPlanar(image, zscore), labels: dense, spacing: image.geometry.spacing };
  } finally {
    store.close();
  }
  const runtime = createRuntime({ device: job.device, threads: job.threads, background: true }); // the UI shares these cores
  const options = { effort: job.effort, seed: 0, pretrained: job.pretrainedOnnx ? importOnnxModel(job.pretrainedOnnx) : undefined, bundled: loadBundled() };
  port.postMessage({ type: 'strategy', strategy: job.strategy, device: runtime.report().used });
  const result = await trainSegmenter(job.strategy, [data], options, {
    factory: runtime.factory,
    progress: (p) => port.postMessage({ type: 'progress', progress: p }),
    shouldStop: () => stop,
  });
  if (stop) throw new LumenError('cancelled', 'training was stopped');
  const provenance = { strategy: result.strategy, classes: result.classes };
  const onnx = exportSegmenterOnnx(result.segmenter, result.classes, provenance, data.channels);
  port.postMessage({ type: 'done', onnx, config: segmenterSummary(result.segmenter, result.classes), provenance, report: result.report, strategy: result.strategy, device: runtime.report() });
}

try {
  await main(workerData.job as TrainJob);
} catch (e) {
  port.postMessage({ type: 'error', code: isLumenError(e) ? e.code : undefined, message: (e as Error).message ?? String(e) });
} finally {
  port.close();
}
