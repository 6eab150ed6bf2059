// A pixel classifier as plain JSON (typed arrays as base64), for files whose metadata carries the
// model (composite segmenter files) and for the project store. Compact: right children are not
// stored (the trainer allocates them right after the left one, and the decoder checks that it
// holds), and class distributions are kept for leaves only.
import { LumenError } from '../errors.ts';
import type { Forest, Tree } from './forest.ts';
import type { PixelClassifier } from './pixel-classifier.ts';
import type { FeatureSpec } from './features.ts';

export interface PixelClassifierConfig {
  version: 1;
  features: FeatureSpec;
  classes: number[];
  inChannels: number;
  outChannels: number;
  nFeatures: number;
  trees: number;
}

export interface PixelClassifierJson extends PixelClassifierConfig {
  /** per tree: base64 of feature (int16, -1 leaf), threshold (float32), left (int32), leaf distributions (float32) */
  forest: { feature: string; threshold: string; left: string; leaves: string }[];
}

function toBase64(a: ArrayBufferView): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const view = <T>(ctor: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, s: string): T => {
  const bytes = fromBase64(s);
  if (bytes.length % ctor.BYTES_PER_ELEMENT) throw new LumenError('damaged', 'the pixel classifier in this file is damaged');
  return new ctor(bytes.buffer as ArrayBuffer);
};

export function pixelClassifierConfig(model: PixelClassifier): PixelClassifierConfig {
  return {
    version: 1, features: model.features, classes: [...model.classes], inChannels: model.inChannels,
    outChannels: model.outChannels, nFeatures: model.forest.nFeatures, trees: model.forest.trees.length,
  };
}

export function encodePixelClassifier(model: PixelClassifier): PixelClassifierJson {
  const K = model.forest.nClasses;
  return {
    ...pixelClassifierConfig(model),
    forest: model.forest.trees.map((t) => {
      const n = t.feature.length;
      const leaves: number[] = [];
      for (let i = 0; i < n; i++) {
        if (t.feature[i]! >= 0 && t.right[i] !== t.left[i]! + 1) throw new Error('tree nodes are not in the order the codec stores');
        if (t.feature[i]! < 0) for (let k = 0; k < K; k++) leaves.push(t.value[i * K + k]!);
      }
      return { feature: toBase64(Int16Array.from(t.feature)), threshold: toBase64(t.threshold), left: toBase64(t.left), leaves: toBase64(Float32Array.from(leaves)) };
    }),
  };
}

/** Validates the config part; throws LumenError('damaged') on anything a writer could not have produced. */
export function checkPixelClassifierConfig(c: unknown): PixelClassifierConfig {
  const cfg = c as PixelClassifierConfig;
  const f = cfg?.features;
  const ok = cfg && cfg.version === 1 && f && (f.dims === 2 || f.dims === 3) && Array.isArray(f.scales) && Array.isArray(f.spacing)
    && Array.isArray(cfg.classes) && cfg.classes.length >= 2 && cfg.inChannels === f.channels && cfg.nFeatures > 0;
  if (!ok) throw new LumenError('damaged', 'the pixel classifier description in this file is damaged or from a newer Lumen');
  return cfg;
}

export function decodePixelClassifier(json: unknown): PixelClassifier {
  const cfg = checkPixelClassifierConfig(json) as PixelClassifierJson;
  const K = cfg.classes.length;
  if (!Array.isArray(cfg.forest) || cfg.forest.length === 0) throw new LumenError('damaged', 'the pixel classifier in this file has no trees');
  const trees: Tree[] = cfg.forest.map((t) => {
    const feature = Int32Array.from(view(Int16Array, t.feature));
    const threshold = view(Float32Array, t.threshold), left = view(Int32Array, t.left), leaves = view(Float32Array, t.leaves);
    const n = feature.length;
    if (threshold.length !== n || left.length !== n) throw new LumenError('damaged', 'the pixel classifier in this file is damaged');
    const right = new Int32Array(n).fill(-1), value = new Float32Array(n * K);
    let at = 0;
    for (let i = 0; i < n; i++) {
      if (feature[i]! >= 0) {
        if (!(left[i]! > i && left[i]! + 1 < n) || feature[i]! >= cfg.nFeatures) throw new LumenError('damaged', 'the pixel classifier in this file is damaged');
        right[i] = left[i]! + 1;
      } else {
        left[i] = -1;
        for (let k = 0; k < K; k++) value[i * K + k] = leaves[at++]!;
      }
    }
    if (at !== leaves.length) throw new LumenError('damaged', 'the pixel classifier in this file is damaged');
    return { feature, threshold, left, right, value };
  });
  const forest: Forest = { nFeatures: cfg.nFeatures, nClasses: K, trees };
  return { features: cfg.features, classes: cfg.classes, inChannels: cfg.inChannels, outChannels: cfg.outChannels, forest };
}
