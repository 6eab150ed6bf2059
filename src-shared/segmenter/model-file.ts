// A segmenter as one standard .onnx file: the composite inference graph (graph.ts) on a stored
// input shape, the networks' weights as initializers, and in the metadata what Lumen needs to read
// it back (`lumen.segmenter`: the tree of members with their configs; `lumen.classes`). Files of a
// single U-Net keep the single-network format of nn/model-file.ts, which older Lumen reads too.
import onnxProto from 'onnx-proto';
import { exportOnnxModel, importOnnxModel, type ModelFile } from '../nn/model-file.ts';
import { readModelMetadata, serializeGraph } from '../nn/onnx-io.ts';
import { buildInferenceGraph } from '../nn/trainer.ts';
import type { UNetConfig } from '../nn/unet.ts';
import { LumenError } from '../errors.ts';
import { DEFAULT_BINARY_CLASSES } from '../train/classes.ts';
import { encodePixelClassifier, decodePixelClassifier } from '../classic/index.ts';
import type { Axis } from '../train/layout.ts';
import { buildSegmenterGraph, segmenterWantsCoordinates } from './graph.ts';
import { COORDINATE_CHANNELS } from '../infer/coordinates.ts';
import type { Segmenter } from './segmenter.ts';

type Descriptor =
  | { kind: 'unet'; config: UNetConfig; axis?: Axis; provenance: Record<string, unknown>; prefix: string }
  | { kind: 'pixel-classifier'; model: unknown }
  | { kind: 'mean'; members: Descriptor[] }
  | { kind: 'stacked'; first: Descriptor; then: Descriptor };

function describe(s: Segmenter, prefix: string): Descriptor {
  switch (s.kind) {
    case 'unet': return { kind: 'unet', config: s.model.config, axis: s.axis, provenance: s.model.provenance, prefix };
    case 'pixel-classifier': return { kind: 'pixel-classifier', model: encodePixelClassifier(s.model) };
    case 'mean': return { kind: 'mean', members: s.members.map((m, i) => describe(m, `${prefix}m${i}.`)) };
    case 'stacked': return { kind: 'stacked', first: describe(s.first, `${prefix}s0.`), then: describe(s.then, `${prefix}s1.`) };
  }
}

/** The shape a file's graph is built for; any other runs through segmenterPatchModel, which rebuilds the graph. */
export function defaultInputShape(s: Segmenter, inChannels: number): number[] {
  if (s.kind === 'unet' && s.model.config.dims === 2 && (s.axis ?? 0) === 0) return [1, inChannels, 256, 256];
  if (s.kind === 'unet' && s.model.config.dims === 3) return [1, inChannels, 8, 96, 96];
  return [1, inChannels + (segmenterWantsCoordinates(s) ? COORDINATE_CHANNELS : 0), 32, 64, 64];
}

export function exportSegmenterOnnx(s: Segmenter, classes: readonly number[], provenance: Record<string, unknown>, inChannels: number): Uint8Array {
  const shape = defaultInputShape(s, inChannels);
  if (s.kind === 'unet' && (s.axis ?? 0) === 0) {
    return exportOnnxModel({ ...s.model, classes: [...classes], provenance: { ...s.model.provenance, ...provenance } }, shape);
  }
  const { graph, bake } = buildSegmenterGraph(s, shape);
  return serializeGraph(graph, {
    bake, graphName: 'lumen-segmenter',
    metadata: {
      'lumen.segmenter': JSON.stringify(describe(s, '')), 'lumen.classes': JSON.stringify(classes),
      'lumen.provenance': JSON.stringify(provenance), 'lumen.input_shape': JSON.stringify(shape),
      // for other runtimes: what the channels after the image's hold
      ...(segmenterWantsCoordinates(s) ? { 'lumen.coordinates': `input channels ${inChannels}–${inChannels + 2}: each voxel's z, y, x as index / (extent − 1) in the whole volume` } : {}),
    },
  });
}

export interface SegmenterFile { segmenter: Segmenter; classes: number[]; provenance: Record<string, unknown> }

export function importSegmenterOnnx(bytes: Uint8Array): SegmenterFile {
  let meta: Record<string, string>;
  try { meta = readModelMetadata(bytes); } catch { throw new LumenError('bad-input', 'this file is not an ONNX model'); }
  if (!meta['lumen.segmenter']) {
    const m = importOnnxModel(bytes);
    return { segmenter: { kind: 'unet', model: m }, classes: m.classes ?? [...DEFAULT_BINARY_CLASSES], provenance: m.provenance };
  }
  const initializers = onnxProto.onnx.ModelProto.decode(bytes).graph?.initializer ?? [];
  const byName = new Map(initializers.map((t) => [t.name ?? '', t]));
  const classes = JSON.parse(meta['lumen.classes'] ?? '[1,2]') as number[];
  const read = (d: Descriptor): Segmenter => {
    switch (d.kind) {
      case 'unet': {
        const params = new Map<string, Float32Array>();
        for (const spec of buildInferenceGraph(d.config, d.config.dims === 3 ? [1, d.config.inChannels, 8, 8, 8] : [1, d.config.inChannels, 8, 8]).specs) {
          const raw = byName.get(d.prefix + spec.name)?.rawData;
          if (!raw) throw new LumenError('damaged', `the model file has no weights for ${d.prefix + spec.name}`);
          params.set(spec.name, new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
        }
        const model: ModelFile = { config: d.config, params, provenance: d.provenance, classes };
        return { kind: 'unet', model, ...(d.axis !== undefined ? { axis: d.axis } : {}) };
      }
      case 'pixel-classifier': return { kind: 'pixel-classifier', model: decodePixelClassifier(d.model) };
      case 'mean': return { kind: 'mean', members: d.members.map(read) };
      case 'stacked': return { kind: 'stacked', first: read(d.first), then: read(d.then) };
    }
  };
  return { segmenter: read(JSON.parse(meta['lumen.segmenter']) as Descriptor), classes, provenance: JSON.parse(meta['lumen.provenance'] ?? '{}') };
}
