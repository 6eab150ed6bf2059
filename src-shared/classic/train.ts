// The pixel-classifier strategy: pick the training voxels (sampling.ts), compute their filter
// features through ONNX Runtime (sample-features.ts), grow the forest (forest.ts). Labels may lie
// anywhere: slices in any plane, strokes, 3D scribbles or dense volumes.
import { LumenError } from '../errors.ts';
import type { LabeledVolume } from '../train/dataset.ts';
import type { StrategyContext } from '../train/strategy.ts';
import { classIndexTable, outputChannels, trainableClasses } from '../train/classes.ts';
import { DEFAULT_SCALES, featureCount, featureHalo, validateFeatureSpec, type FeatureSpec } from './features.ts';
import { selectSamples } from './sampling.ts';
import { isImageSeries } from '../train/image-series.ts';
import { sampleFeatures } from './sample-features.ts';
import { trainForest } from './forest.ts';
import type { PixelClassifier } from './pixel-classifier.ts';

export interface PixelClassifierOptions {
  seed?: number;
  /** scales the number of trees (1 → 100 trees) */
  effort?: number;
  /** physical voxel size z, y, x: anisotropic stacks get narrower filters along coarse axes */
  spacing?: [number, number, number];
  /** number of trees (overrides effort) */
  trees?: number;
  /** filter scales σ (default DEFAULT_SCALES) */
  scales?: number[];
  /** most labeled voxels trained on (default 60 000) */
  maxSamples?: number;
  /** the voxels' relative positions as three more features (infer/coordinates.ts) */
  coordinates?: boolean;
  /** tree depth limit and leaf size (forest.ts defaults) */
  maxDepth?: number;
  minLeaf?: number;
  /**
   * sample the classes equally (as far as their voxels go) instead of near the painted
   * proportions: for labels that are not painted but derived (self-training), whose proportions
   * carry the deriving model's bias (class-balanced self-training, Zou et al., ECCV 2018)
   */
  balanceClasses?: boolean;
}

export const DEFAULT_TREES = 100;
export const DEFAULT_MAX_SAMPLES = 60_000;

function checkInput(data: LabeledVolume[]): number {
  if (!data.length) throw new LumenError('bad-input', 'there is no labeled image to train on');
  const channels = data[0]!.channels;
  for (const v of data) {
    const [D, H, W] = v.shape;
    if (v.channels !== channels) throw new LumenError('shape-mismatch', `all images must have the same number of channels (${channels} and ${v.channels} given)`);
    if (![D, H, W].every((d) => Number.isInteger(d) && d >= 1)) throw new LumenError('bad-input', `an image of shape ${v.shape.join('×')} cannot be segmented`);
    if (v.labels.length !== D * H * W) throw new LumenError('shape-mismatch', `the labels (${v.labels.length} voxels) do not match the image (${D}×${H}×${W})`);
    if (v.image.length !== D * H * W * channels) throw new LumenError('shape-mismatch', `the image holds ${v.image.length} values, ${D}×${H}×${W}×${channels} expected`);
  }
  return channels;
}

export async function trainPixelClassifier(data: LabeledVolume[], options: PixelClassifierOptions, ctx: StrategyContext): Promise<{ model: PixelClassifier; report: Record<string, unknown> }> {
  const t0 = performance.now();
  const channels = checkInput(data);
  const classes = trainableClasses(...data.map((v) => v.labels));
  const K = classes.length;
  const spacing = options.spacing ?? [1, 1, 1];
  if (spacing.length !== 3 || spacing.some((s) => !(s > 0 && Number.isFinite(s)))) throw new LumenError('bad-input', `the voxel spacing must be three positive numbers, not ${spacing.join(',')}`);
  const features: FeatureSpec = {
    // planes filtered one by one where they are separate images (a stack of photographs)
    dims: data.every((v) => v.shape[0] === 1 || isImageSeries(v)) ? 2 : 3,
    channels, scales: [...(options.scales ?? DEFAULT_SCALES)], spacing: [...spacing] as [number, number, number],
    ...(options.coordinates ? { coordinates: true } : {}),
  };
  try { validateFeatureSpec(features); } catch (e) { throw new LumenError('bad-input', (e as Error).message); }
  const F = featureCount(features);
  const seed = options.seed ?? 1;

  const selection = selectSamples(data.map((v) => v.labels), classIndexTable(classes), K, options.maxSamples ?? DEFAULT_MAX_SAMPLES, seed, options.balanceClasses ? 1 : undefined);
  const n = selection.kept.reduce((a, b) => a + b, 0);
  const X = new Float32Array(n * F);
  const y = new Uint8Array(n);
  let row = 0, boxes = 0, sessions = 0, computed = 0;
  for (let i = 0; i < data.length; i++) {
    const voxels = selection.voxels[i]!;
    if (!voxels.length) continue;
    const r = await sampleFeatures(ctx.factory, features, data[i]!, voxels, X, row, (done, total) =>
      ctx.progress?.({ phase: 'pixel classifier: features', step: done, steps: total }));
    y.set(selection.classes[i]!, row);
    row += voxels.length;
    boxes += r.boxes; sessions += r.sessions; computed += r.voxels;
  }
  const t1 = performance.now();

  const trees = options.trees ?? Math.max(10, Math.round(DEFAULT_TREES * Math.min(4, options.effort ?? 1)));
  const trained = trainForest(X, n, F, y, K, {
    trees, seed, maxDepth: options.maxDepth, minLeaf: options.minLeaf,
    onTree: (done, total) => {
      ctx.progress?.({ phase: 'pixel classifier: trees', step: done, steps: total });
      return ctx.shouldStop?.() === true;
    },
  });
  const t2 = performance.now();
  const model: PixelClassifier = { features, classes, inChannels: channels, outChannels: outputChannels(classes), forest: trained.forest };
  const report = {
    strategy: 'pixel-classifier',
    classes, labeledPerClass: selection.labeled, samplesPerClass: selection.kept,
    features: F, scales: features.scales, dims: features.dims, spacing: features.spacing, halo: featureHalo(features),
    trees: trained.forest.trees.length, nodes: trained.nodes, meanLeafDepth: +trained.meanLeafDepth.toFixed(1),
    oobAccuracy: +trained.oobAccuracy.toFixed(4),
    featureBoxes: boxes, featureSessions: sessions, featureVoxelsComputed: computed,
    seconds: { features: +((t1 - t0) / 1000).toFixed(2), trees: +((t2 - t1) / 1000).toFixed(2) },
  };
  return { model, report };
}
