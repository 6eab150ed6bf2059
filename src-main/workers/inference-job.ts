// One inference job as plain data (so it can cross into a worker) and the function that runs it:
// model file → patch model, input file or store volume → source, output file or store → sink.
import { readFileSync } from 'node:fs';
import { createRuntime, type DeviceChoice, type DeviceReport } from '../runtime.ts';
import { importSegmenterOnnx } from '../../src-shared/segmenter/model-file.ts';
import { segmenterPatchModel, segmenterWindow } from '../../src-shared/segmenter/patch-model.ts';
import { openVolume } from '../../src-shared/io/index.ts';
import { predictToSink, type PredictJobOptions, type PredictJobResult, type OpenSink } from '../../src-shared/infer/pipeline.ts';
import { fileSink } from '../../src-shared/infer/file-sink.ts';
import type { SlabSource } from '../../src-shared/infer/source.ts';
import type { CancelSignal, InferProgress } from '../../src-shared/infer/cancel.ts';
import { ProjectStore } from '../store/index.ts';
import { storeSink, storeSource } from './store-adapters.ts';
import { LumenError } from '../../src-shared/errors.ts';
import { definedOnly } from '../args.ts';
import { predictInstancesToSink, checkInstanceOptions, instanceWindow, isInstanceModel, type InstanceStageSeconds } from '../../src-shared/instances/tiled/index.ts';
import { checkInstanceModel } from '../../src-shared/instances/train/predict-instances.ts';

export type JobInput = { kind: 'file'; path: string } | { kind: 'store'; project: string; volumeId: number };
export type JobOutput = { kind: 'file'; path: string } | { kind: 'store'; project: string; name: string };

export interface InferenceJob {
  /** a Lumen .onnx model file (exportOnnxModel), by path or as bytes */
  model: { path: string } | { bytes: Uint8Array };
  input: JobInput;
  output: JobOutput;
  /**
   * Also write how unsure the model is at each voxel (float32, 0 = sure, 1 = most unsure;
   * infer/uncertainty.ts) to this file, slice by slice beside the labels. A file only: a store
   * output holds the project's one write transaction while it streams, so a second store volume
   * could not be written beside it. Class models only.
   */
  uncertaintyOutput?: { kind: 'file'; path: string };
  /** everything but callbacks, the signal and the second sink (uncertaintyOutput names it) */
  options?: Omit<PredictJobOptions, 'signal' | 'onProgress' | 'uncertainty'>;
  device?: DeviceChoice;
  threads?: number;
  /** hosted by the app: yield the CPU to the UI (RuntimeOptions.background) */
  background?: boolean;
  /** instance (StarDist) models: thresholds instead of the model's stored ones */
  instances?: { probThreshold?: number; nmsThreshold?: number; candidateGrid?: [number, number, number] };
}

/** What an instance model's job adds: its objects are in `objects`. */
export interface InstanceJobSummary {
  candidates: number;
  probThreshold: number;
  nmsThreshold: number;
  candidateGrid: [number, number, number];
  stages: InstanceStageSeconds;
}

export interface InferenceJobResult extends PredictJobResult {
  device: DeviceReport;
  /** store output: the new volume's id */
  volumeId?: number;
  /** an instance model's job (objects written as labels) */
  instances?: InstanceJobSummary;
}

export async function runInferenceJob(job: InferenceJob, hooks: { signal?: CancelSignal; onProgress?: (p: InferProgress) => void; log?: (line: string) => void } = {}): Promise<InferenceJobResult> {
  const runtime = createRuntime({ device: job.device ?? 'auto', threads: job.threads, background: job.background, log: hooks.log });
  let bytes: Uint8Array;
  try {
    bytes = 'path' in job.model ? new Uint8Array(readFileSync(job.model.path)) : job.model.bytes;
  } catch (e) {
    throw new LumenError('bad-input', `cannot read the model ${'path' in job.model ? job.model.path : ''}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const file = importSegmenterOnnx(bytes);
  const model = segmenterPatchModel(runtime.factory, file.segmenter);
  // an instance (StarDist) model writes objects, or its raw probability + ray channels (--prob)
  const star = file.segmenter.kind === 'unet' && isInstanceModel(file.segmenter.model) ? file.segmenter.model : undefined;
  // a multi-class model writes its classes' label values (background 1), as the user painted them
  const classValues = job.options?.post?.classValues ?? (model.outChannels > 1 && !star ? file.classes : undefined);
  const stores = new Map<string, ProjectStore>();
  const store = (path: string) => {
    let s = stores.get(path);
    if (!s) { s = ProjectStore.open(path); stores.set(path, s); }
    return s;
  };
  let close: (() => Promise<void>) | undefined;
  try {
    let source: SlabSource;
    if (job.input.kind === 'file') {
      const reader = await openVolume(job.input.path);
      close = () => reader.close();
      source = reader;
    } else {
      source = storeSource(store(job.input.project), job.input.volumeId);
    }
    let volumeId: number | undefined;
    const like = { shape: source.info.shape, geometry: source.info.geometry, source: source.info.source };
    const sink: OpenSink = job.output.kind === 'file'
      ? fileSink(job.output.path, like)
      : storeSink(store(job.output.project), job.output.name, source.info.geometry, (id) => { volumeId = id; });
    if (!star && job.instances && Object.values(job.instances).some((v) => v !== undefined)) {
      throw new LumenError('bad-input', '--prob-threshold, --nms-threshold and --candidate-grid apply to instance models; this model segments classes');
    }
    if (job.uncertaintyOutput && job.uncertaintyOutput.kind !== 'file') {
      throw new LumenError('bad-input', 'the uncertainty map is written to a file only');
    }
    if (star && job.uncertaintyOutput) throw new LumenError('bad-input', 'an uncertainty map is made for models that segment classes; this model finds objects');
    const uncertainty = job.uncertaintyOutput ? fileSink(job.uncertaintyOutput.path, like) : undefined;
    if (star) {
      checkInstanceOptions(job.options);
      const [D, H, W, C] = source.info.shape;
      const decoding = checkInstanceModel(star, [D, H, W], C);
      if (job.options?.output !== 'probabilities') {
        const { post: _post, output: _output, tempDir: _tempDir, ...window } = definedOnly(job.options ?? {});
        const r = await predictInstancesToSink(model, source, decoding, sink, {
          ...(window.patch ? {} : instanceWindow(star, source.info.shape)), ...window, ...definedOnly(job.instances ?? {}),
          signal: hooks.signal, onProgress: hooks.onProgress,
        });
        return {
          shape: r.shape, dtype: r.dtype, run: r.run, objects: r.objects, seconds: r.seconds, device: runtime.report(), volumeId,
          instances: { candidates: r.candidates, probThreshold: r.probThreshold, nmsThreshold: r.nmsThreshold, candidateGrid: r.candidateGrid, stages: r.stages },
        };
      }
    }
    const post = classValues ? { ...job.options?.post, classValues } : job.options?.post;
    // the window that suits the segmenter (whole planes for 2D networks, halos for filters) unless the job names a patch
    const window = job.options?.patch ? {} : segmenterWindow(file.segmenter, source.info.shape);
    // options left unset (the CLI passes `patch: undefined`) must not erase the segmenter's window
    const result = await predictToSink(model, source, sink, { ...window, ...definedOnly(job.options ?? {}), post, uncertainty, signal: hooks.signal, onProgress: hooks.onProgress });
    return { ...result, device: runtime.report(), volumeId };
  } finally {
    await close?.();
    for (const s of stores.values()) s.close();
  }
}
