// The instance engine on model files as bytes (standard .onnx): what the app's host and the CLI
// keep and pass around.
import type { SessionFactory } from '../../nn/session.ts';
import { exportOnnxModel, importOnnxModel, type ModelFile } from '../../nn/model-file.ts';
import { trainInstances, type InstanceTrainingData, type InstanceTrainingOptions, type InstanceTrainingReport } from './train-instances.ts';
import { predictInstancesWith, type InstancePrediction } from './predict-instances.ts';

/** The shape an instance model file's graph is stored for (any other runs through the sliding window). */
export const instanceFileShape = (m: ModelFile): number[] =>
  m.config.dims === 2 ? [1, m.config.inChannels, 256, 256] : [1, m.config.inChannels, 16, 64, 64];

export const instanceModelBytes = (m: ModelFile): Uint8Array => exportOnnxModel(m, instanceFileShape(m));

export async function trainInstanceModel(factory: SessionFactory, data: InstanceTrainingData,
  opts: Omit<InstanceTrainingOptions, 'pretrained'> & { pretrained?: Uint8Array } = {}): Promise<{ model: Uint8Array; report: InstanceTrainingReport }> {
  const { pretrained, ...rest } = opts;
  const r = await trainInstances(factory, data, { ...rest, ...(pretrained ? { pretrained: importOnnxModel(pretrained) } : {}) });
  return { model: instanceModelBytes(r.model), report: r.report };
}

export async function predictInstances(factory: SessionFactory, model: Uint8Array, image: ArrayLike<number>, channels: number,
  shape: [number, number, number], opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<InstancePrediction> {
  return predictInstancesWith(factory, importOnnxModel(model), image, channels, shape, opts);
}
