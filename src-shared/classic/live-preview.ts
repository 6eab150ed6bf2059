// The live preview (ilastik's "live update"): after each stroke a small forest is retrained on the
// labels as they are now and walked over the planes on screen only, so the views show what the
// painted voxels teach within a few seconds, long before a deep network could. Same features as
// the pixel classifier (features.ts), fewer trees and samples: the preview shows the trend of the
// labels; the Train button still makes the model of record.
import type { SessionFactory } from '../nn/session.ts';
import { LumenError } from '../errors.ts';
import { classIndexTable, trainableClasses } from '../train/classes.ts';
import { DEFAULT_SCALES, featureCount, type FeatureSpec } from './features.ts';
import { selectSamples } from './sampling.ts';
import { sampleFeatures, type PlanarImage } from './sample-features.ts';
import { forestClasses, trainForest } from './forest.ts';
import { previewWindow, type PreviewWindow } from './preview-window.ts';
import { WindowFeatures } from './window-features.ts';

/** Enough trees and samples for a stable preview in about a second on two cores (bench/live-preview.ts). */
export const PREVIEW_TREES = 24;
export const PREVIEW_SAMPLES = 16_000;

export interface PreviewPlane extends PreviewWindow {
  /** the class value (1 background, 2… the painted classes) of each voxel of the window, its raster order */
  labels: Uint8Array;
}

export interface PreviewResult {
  classes: number[];
  planes: PreviewPlane[];
  seconds: { samples: number; trees: number; planes: number };
}

export interface LivePreviewOptions {
  /** physical voxel size z, y, x: anisotropic stacks get narrower filters along coarse axes */
  spacing?: [number, number, number];
  /** planes filtered one by one (a stack of separate photographs) */
  planar?: boolean;
  trees?: number;
  samples?: number;
}

export class LivePreview {
  readonly spec: FeatureSpec;
  private readonly features: WindowFeatures;
  private readonly trees: number;
  private readonly samples: number;

  constructor(private readonly factory: SessionFactory, private readonly image: PlanarImage, opts: LivePreviewOptions = {}) {
    const [D] = image.shape;
    this.spec = {
      dims: D === 1 || opts.planar ? 2 : 3, channels: image.channels, scales: [...DEFAULT_SCALES],
      spacing: opts.spacing ?? [1, 1, 1],
    };
    this.features = new WindowFeatures(factory, this.spec, image);
    this.trees = opts.trees ?? PREVIEW_TREES;
    this.samples = opts.samples ?? PREVIEW_SAMPLES;
  }

  /** The windows of the three views through `cursor` (z, y, x) that this image can preview. */
  windows(cursor: readonly number[]): PreviewWindow[] {
    // a 2D filter sees one z-slice at a time: only the z view has whole planes to show
    const axes: (0 | 1 | 2)[] = this.spec.dims === 3 ? [0, 1, 2] : [0];
    return axes.map((a) => previewWindow(this.image.shape, a, cursor));
  }

  /**
   * Trains on `labels` (dense, one value per voxel, 0 unlabeled) and labels the views through
   * `cursor`. Refuses, with the sentence a user needs, when the labels cannot teach anything yet.
   */
  async update(labels: Uint8Array, cursor: readonly number[], shouldStop: () => boolean = () => false): Promise<PreviewResult | null> {
    const [D, H, W] = this.image.shape;
    if (labels.length !== D * H * W) throw new LumenError('shape-mismatch', `the labels (${labels.length} voxels) do not match the image (${D}×${H}×${W})`);
    const classes = trainableClasses(labels);
    const K = classes.length, F = featureCount(this.spec);
    const t0 = performance.now();
    const selection = selectSamples([labels], classIndexTable(classes), K, this.samples, 1);
    const voxels = selection.voxels[0]!, n = voxels.length;
    const X = new Float32Array(n * F);
    await sampleFeatures(this.factory, this.spec, this.image, voxels, X, 0);
    if (shouldStop()) return null;
    const t1 = performance.now();
    const { forest } = trainForest(X, n, F, selection.classes[0]!, K, { trees: this.trees, seed: 1, onTree: shouldStop });
    if (shouldStop()) return null;
    const t2 = performance.now();
    const planes: PreviewPlane[] = [];
    for (const w of this.windows(cursor)) {
      const rows = await this.features.of(w);
      const index = forestClasses(forest, rows, rows.length / F);
      const values = new Uint8Array(index.length);
      for (let i = 0; i < index.length; i++) values[i] = classes[index[i]!]!;
      planes.push({ ...w, labels: values });
      if (shouldStop()) return null;
    }
    const t3 = performance.now();
    const s = (a: number, b: number) => +((b - a) / 1000).toFixed(3);
    return { classes, planes, seconds: { samples: s(t0, t1), trees: s(t1, t2), planes: s(t2, t3) } };
  }

  release(): Promise<void> { return this.features.release(); }
}
