// A trained segmenter as data: a U-Net (3D, or 2D applied plane by plane along an axis), the pixel
// classifier, the mean of several of them (per-axis 2D networks fused, a network with the forest),
// or one stacked on another (a network that sees the forest's probabilities beside the image). Every kind outputs probabilities in the class contract of train/classes.ts, so members
// can be averaged and any segmenter runs through the same sliding window.
import type { ModelFile } from '../nn/model-file.ts';
import type { Axis } from '../train/layout.ts';
import type { PixelClassifier } from '../classic/index.ts';

export type Segmenter =
  | { kind: 'unet'; model: ModelFile; /** 2D networks: the axis whose planes they segment (default z) */ axis?: Axis }
  | { kind: 'pixel-classifier'; model: PixelClassifier }
  | { kind: 'mean'; members: Segmenter[] }
  /** `then` sees the image and `first`'s probabilities as extra channels (stack.ts): a network refining the forest */
  | { kind: 'stacked'; first: Segmenter; then: Segmenter };

/** A short readable name: "2D U-Net along y", "pixel classifier", "mean of (…)". */
export function describeSegmenter(s: Segmenter): string {
  switch (s.kind) {
    case 'unet': return s.model.config.dims === 3 ? '3D U-Net' : `2D U-Net along ${'zyx'[s.axis ?? 0]}`;
    case 'pixel-classifier': return 'pixel classifier';
    case 'mean': return `mean of (${s.members.map(describeSegmenter).join(', ')})`;
    case 'stacked': return `${describeSegmenter(s.then)} on the image and the ${describeSegmenter(s.first)}`;
  }
}

/** What the project store keeps as a model's config: the description, the classes, and a single network's own config. */
export function segmenterSummary(s: Segmenter, classes: readonly number[]): Record<string, unknown> {
  return { model: describeSegmenter(s), classes, ...(s.kind === 'unet' ? s.model.config : {}) };
}
