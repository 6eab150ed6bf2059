// A trained model as one standard .onnx file: the inference graph (image → probability) with the
// weights inside as initializers, plus Lumen's config and provenance in the metadata, so the same
// file runs in any ONNX runtime and can be read back by Lumen for fine-tuning.
import onnxProto from 'onnx-proto';
import { buildInferenceGraph } from './trainer.ts';
import type { UNetConfig } from './unet.ts';
import { serializeGraph, readModelMetadata } from './onnx-io.ts';
import { LumenError } from '../errors.ts';
import type { InstanceDecoding } from '../instances/train/decoding.ts';

export interface ModelFile {
  config: UNetConfig;
  params: Map<string, Float32Array>;
  /** free-form: which data and strategy made the model, scores, dates */
  provenance: Record<string, unknown>;
  /** the user's label value of each class, background first (train/classes.ts); absent: [1, 2] */
  classes?: number[];
  /** StarDist networks (config.starRays): rays and thresholds that turn the output into objects */
  instances?: InstanceDecoding;
}

export function exportOnnxModel(model: ModelFile, inputShape: number[]): Uint8Array {
  const { graph, specs } = buildInferenceGraph(model.config, inputShape);
  for (const s of specs) {
    if (!model.params.has(s.name)) throw new LumenError('shape-mismatch', `the model is missing weights for ${s.name}`);
  }
  return serializeGraph(graph, {
    bake: model.params,
    graphName: 'lumen-segmentation',
    metadata: {
      'lumen.config': JSON.stringify(model.config), 'lumen.provenance': JSON.stringify(model.provenance), 'lumen.input_shape': JSON.stringify(inputShape),
      ...(model.classes ? { 'lumen.classes': JSON.stringify(model.classes) } : {}),
      ...(model.instances ? { 'lumen.instances': JSON.stringify(model.instances) } : {}),
    },
  });
}

export function importOnnxModel(bytes: Uint8Array): ModelFile & { inputShape: number[] } {
  let meta: Record<string, string>;
  let initializers: onnxProto.onnx.ITensorProto[];
  try {
    const decoded = onnxProto.onnx.ModelProto.decode(bytes);
    initializers = decoded.graph?.initializer ?? [];
    meta = readModelMetadata(bytes);
  } catch {
    throw new LumenError('bad-input', 'this file is not an ONNX model');
  }
  if (!meta['lumen.config']) throw new LumenError('unsupported', 'this ONNX model was not made by Lumen (no lumen.config metadata); it can be run but not fine-tuned');
  const config = JSON.parse(meta['lumen.config']) as UNetConfig;
  const { specs } = buildInferenceGraph(config, JSON.parse(meta['lumen.input_shape']!));
  const byName = new Map(initializers.map((t) => [t.name ?? '', t]));
  const params = new Map<string, Float32Array>();
  for (const s of specs) {
    const t = byName.get(s.name);
    const raw = t?.rawData;
    if (!raw) throw new LumenError('damaged', `the model file has no weights for ${s.name}`);
    params.set(s.name, new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
  }
  return {
    config, params, provenance: JSON.parse(meta['lumen.provenance'] ?? '{}'), inputShape: JSON.parse(meta['lumen.input_shape']!),
    ...(meta['lumen.classes'] ? { classes: JSON.parse(meta['lumen.classes']) as number[] } : {}),
    ...(meta['lumen.instances'] ? { instances: JSON.parse(meta['lumen.instances']) as InstanceDecoding } : {}),
  };
}
