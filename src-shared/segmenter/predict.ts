// Whole-volume probabilities of any segmenter over an in-memory, normalised planar image.
import type { SessionFactory } from '../nn/session.ts';
import { predictPlanar } from '../infer/predict-planar.ts';
import { segmenterPatchModel, segmenterWindow } from './patch-model.ts';
import type { Segmenter } from './segmenter.ts';

export function predictSegmenter(factory: SessionFactory, s: Segmenter, image: Float32Array, shape: [number, number, number], channels: number,
  onProgress?: (done: number, total: number) => void): Promise<Float32Array> {
  return predictPlanar(segmenterPatchModel(factory, s), image, shape, channels, { ...segmenterWindow(s, shape), onProgress });
}
