// The trained pixel classifier and everything that runs it: one ONNX graph from image to class
// probabilities (filter features → one row per voxel → tree ensemble → channels), a patch model for
// the sliding window, and a standalone .onnx file that reads back without anything else.
import onnxProto from 'onnx-proto';
import { Graph, type Value } from '../nn/graph.ts';
import * as op from '../nn/ops.ts';
import { readModelMetadata, serializeGraph } from '../nn/onnx-io.ts';
import type { SessionFactory } from '../nn/session.ts';
import { sessionRunner, type PatchModel } from '../infer/patch-model.ts';
import { LumenError } from '../errors.ts';
import { appendFeatureRows, featureHalo, featureInputChannels, type FeatureSpec } from './features.ts';
import { appendForest, forestFromTreeEnsembles, treeCount, ML_DOMAIN, TREE_ENSEMBLE_OP, type NodeLike } from './forest-onnx.ts';
import type { Forest } from './forest.ts';
import { checkPixelClassifierConfig, pixelClassifierConfig, type PixelClassifierConfig } from './codec.ts';

export interface PixelClassifier {
  features: FeatureSpec;
  /** the user's label values, ascending (train/classes.ts): output channel k ↔ classes[k] (binary: P(classes[1])) */
  classes: number[];
  inChannels: number;
  /** 1 when binary, else classes.length */
  outChannels: number;
  forest: Forest;
}

export const PIXEL_CLASSIFIER_KIND = 'pixel-classifier';

/** Voxels of context per axis (z, y, x) a patch border needs for exact output: pass as the sliding window's `trim`. */
export function pixelClassifierHalo(model: PixelClassifier): number[] {
  return featureHalo(model.features);
}

/** [N, C, ...s] in the model's own dims → [N, Kout, ...s]. */
function appendNative(g: Graph, input: Value, model: PixelClassifier): Value {
  const [N] = input.shape as [number];
  const spatial = input.shape.slice(2);
  const rows = appendFeatureRows(g, input, model.features);                // [N·S, F]
  const probs = appendForest(g, rows, model.forest);                         // [N·S, Kout]
  const K = model.outChannels;
  if (K === 1) return op.reshape(g, probs, [N, 1, ...spatial]);
  const S = rows.shape[0]! / N;
  const channels = op.transpose(g, op.reshape(g, probs, [N, S, K]), [0, 2, 1]);
  return op.reshape(g, channels, [N, K, ...spatial]);
}

/**
 * Appends the whole classifier to `g`: input [B, C, ...spatial] float32 (z-scored like training
 * images) → probabilities [B, Kout, ...spatial]. A 2D classifier also takes a 3D patch
 * [B, C, d, h, w] and segments its z-planes, so it composes with 3D members of an ensemble.
 */
export function appendPixelClassifier(g: Graph, input: Value, model: PixelClassifier): Value {
  const dims = model.features.dims;
  const wanted = featureInputChannels(model.features);
  if (input.shape[1] !== wanted) throw new LumenError('shape-mismatch', `the pixel classifier expects ${wanted} channel(s) but the input has ${input.shape[1]}`);
  if (input.shape.length === dims + 2) return appendNative(g, input, model);
  if (dims === 2 && input.shape.length === 5) {
    const [B, C, d, h, w] = input.shape as [number, number, number, number, number];
    const planes = op.reshape(g, op.transpose(g, input, [0, 2, 1, 3, 4]), [B * d, C, h, w]);
    const out = appendNative(g, planes, model);                               // [B·d, K, h, w]
    const K = model.outChannels;
    return op.transpose(g, op.reshape(g, out, [B, d, K, h, w]), [0, 2, 1, 3, 4]);
  }
  throw new Error(`a ${dims}D pixel classifier cannot take an input of shape [${input.shape}]`);
}

/** The classifier as a graph on one fixed input shape, input 'image' → output 'probabilities'. */
export function pixelClassifierGraph(model: PixelClassifier, inputShape: readonly number[]): Graph {
  const g = new Graph();
  g.output(appendPixelClassifier(g, g.input('image', inputShape), model));
  return g;
}

/** The classifier as a sliding-window patch model (run it with trim = pixelClassifierHalo for exact seams). */
export function pixelClassifierPatchModel(factory: SessionFactory, model: PixelClassifier): PatchModel {
  const dims = model.features.dims;
  return {
    dims, inChannels: model.inChannels, outChannels: model.outChannels, sizeMultiple: new Array(dims).fill(1), coordinates: model.features.coordinates,
    open: (shape) => sessionRunner(factory, serializeGraph(pixelClassifierGraph(model, shape)), shape),
  };
}

/** A standalone .onnx file: the graph for `inputShape`, with the config in `lumen.*` metadata; the trees live in the graph. */
export function exportPixelClassifierOnnx(model: PixelClassifier, inputShape: readonly number[], provenance: Record<string, unknown> = {}): Uint8Array {
  return serializeGraph(pixelClassifierGraph(model, inputShape), {
    graphName: 'lumen-pixel-classifier',
    metadata: {
      'lumen.kind': PIXEL_CLASSIFIER_KIND,
      'lumen.config': JSON.stringify(pixelClassifierConfig(model)),
      'lumen.classes': JSON.stringify(model.classes),
      'lumen.input_shape': JSON.stringify(inputShape),
      'lumen.provenance': JSON.stringify(provenance),
    },
  });
}

/** The tree-ensemble nodes of a model file, in graph order (a pixel classifier writes a run of consecutive ones). */
export function treeEnsembleNodes(bytes: Uint8Array): NodeLike[] {
  const graph = onnxProto.onnx.ModelProto.decode(bytes).graph;
  return (graph?.node ?? []).filter((n) => n.opType === TREE_ENSEMBLE_OP && n.domain === ML_DOMAIN) as NodeLike[];
}

/**
 * A classifier from its config and the tree-ensemble nodes holding its trees, e.g. inside a
 * composite graph: takes as many nodes from the front of `nodes` as hold config.trees trees and
 * says how many it used, so several classifiers in one graph are read one after another.
 */
export function pixelClassifierFromGraphNodes(nodes: readonly NodeLike[], config: PixelClassifierConfig): { model: PixelClassifier; used: number } {
  const cfg = checkPixelClassifierConfig(config);
  let used = 0, trees = 0;
  while (trees < cfg.trees && used < nodes.length) trees += treeCount(nodes[used++]!);
  if (trees !== cfg.trees) throw new LumenError('damaged', `the model file holds ${trees} trees where its pixel classifier has ${cfg.trees}`);
  const forest = forestFromTreeEnsembles(nodes.slice(0, used), cfg.nFeatures, cfg.classes.length);
  return { model: { features: cfg.features, classes: cfg.classes, inChannels: cfg.inChannels, outChannels: cfg.outChannels, forest }, used };
}

export function importPixelClassifierOnnx(bytes: Uint8Array): PixelClassifier {
  let meta: Record<string, string>;
  try { meta = readModelMetadata(bytes); } catch { throw new LumenError('bad-input', 'this file is not an ONNX model'); }
  if (meta['lumen.kind'] !== PIXEL_CLASSIFIER_KIND) throw new LumenError('bad-input', 'this model file is not a Lumen pixel classifier');
  let config: unknown;
  try { config = JSON.parse(meta['lumen.config'] ?? ''); } catch { throw new LumenError('damaged', 'the pixel classifier description in this file is damaged'); }
  const nodes = treeEnsembleNodes(bytes);
  const { model, used } = pixelClassifierFromGraphNodes(nodes, config as PixelClassifierConfig);
  if (used !== nodes.length) throw new LumenError('damaged', 'this pixel classifier file holds more trees than its description');
  return model;
}
