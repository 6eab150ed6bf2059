// The live preview's engine on real ONNX Runtime sessions: the planes through the cursor are
// labelled by a forest retrained on the labels as painted (in any plane, with any number of
// classes), their features are exactly the pixel classifier's, large planes are previewed in a
// window around the cursor, and labels that cannot teach anything are refused in one sentence.
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src-main/runtime.ts';
import { LivePreview } from '../../src-shared/classic/live-preview.ts';
import { previewWindow } from '../../src-shared/classic/preview-window.ts';
import { WindowFeatures } from '../../src-shared/classic/window-features.ts';
import { sampleFeatures } from '../../src-shared/classic/sample-features.ts';
import { featureCount } from '../../src-shared/classic/features.ts';
import { forestClasses, predictForest, trainForest } from '../../src-shared/classic/forest.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { seededRandom } from '../../src-shared/random.ts';
import { blobs, labelPlanes, type Synthetic } from './synthetic.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });

/** Share of a previewed window's voxels whose class equals the truth. */
function agreement(s: Synthetic, p: { start: readonly number[]; extent: readonly number[]; labels: Uint8Array }): number {
  const [, H, W] = s.volume.shape;
  let same = 0, i = 0;
  for (let z = 0; z < p.extent[0]!; z++) for (let y = 0; y < p.extent[1]!; y++) for (let x = 0; x < p.extent[2]!; x++, i++) {
    if (p.labels[i] === s.truth[((p.start[0]! + z) * H + p.start[1]! + y) * W + p.start[2]! + x]) same++;
  }
  return same / p.labels.length;
}

describe('live preview', () => {
  it('labels the three views through the cursor from labels painted on one sagittal plane, a third class included', async () => {
    for (const classes of [2, 3] as const) {
      const s = labelPlanes(blobs([13, 37, 41], classes, 5), 2, [20]); // odd sizes, sagittal labels only
      const preview = new LivePreview(runtime.factory, s.volume);
      try {
        const r = (await preview.update(s.volume.labels, [6, 18, 7]))!;
        expect(r.classes).toEqual(classes === 2 ? [1, 2] : [1, 2, 3]);
        expect(r.planes.map((p) => [p.axis, p.index])).toEqual([[0, 6], [1, 18], [2, 7]]);
        expect(r.planes.map((p) => p.labels.length)).toEqual([37 * 41, 13 * 41, 13 * 37]);
        for (const p of r.planes) {
          expect(new Set(p.labels).size).toBeGreaterThan(1); // the blobs show, not one flat class
          expect(agreement(s, p)).toBeGreaterThan(0.93); // plane x = 7 was never painted
        }
      } finally { await preview.release(); }
    }
  });

  it('follows the labels: a class painted after the first preview appears in the next one', async () => {
    const s = labelPlanes(blobs([9, 40, 40], 3, 8), 0, [4]);
    const twoClasses = s.volume.labels.map((v) => (v === 3 ? 1 : v)); // the dark blobs first painted as background
    const preview = new LivePreview(runtime.factory, s.volume);
    try {
      const before = (await preview.update(twoClasses, [2, 20, 20]))!;
      expect(before.classes).toEqual([1, 2]);
      expect(before.planes[0]!.labels.includes(3)).toBe(false);
      const after = (await preview.update(s.volume.labels, [2, 20, 20]))!;
      expect(after.classes).toEqual([1, 2, 3]);
      expect(after.planes[0]!.labels.filter((v) => v === 3).length).toBeGreaterThan(20);
    } finally { await preview.release(); }
  });

  it('refuses labels that cannot teach anything with the sentence the user needs', async () => {
    const s = blobs([5, 20, 20], 2, 3);
    const preview = new LivePreview(runtime.factory, s.volume);
    const only = new Uint8Array(s.truth.length);
    only.fill(2, 0, 50);
    try {
      await expect(preview.update(only, [2, 10, 10])).rejects.toSatisfy((e: unknown) => isLumenError(e) && /background/.test((e as Error).message));
      await expect(preview.update(new Uint8Array(7), [2, 10, 10])).rejects.toSatisfy((e: unknown) => isLumenError(e) && e.code === 'shape-mismatch');
    } finally { await preview.release(); }
  });

  it('computes window features exactly as the pixel classifier does at the same voxels', async () => {
    const s = blobs([11, 30, 27], 2, 4);
    const preview = new LivePreview(runtime.factory, s.volume, { spacing: [3, 1, 1] });
    const features = new WindowFeatures(runtime.factory, preview.spec, { shape: s.volume.shape, channels: 1, image: s.volume.image });
    try {
      const F = featureCount(preview.spec);
      const w = previewWindow(s.volume.shape, 1, [0, 13, 0]); // a coronal plane: z and x vary
      const rows = await features.of(w);
      const voxels = Int32Array.from([0, 5, 40, 200, 296], (i) => (Math.floor(i / 27) * 30 + 13) * 27 + (i % 27)); // window raster → volume index
      const X = new Float32Array(voxels.length * F);
      await sampleFeatures(runtime.factory, preview.spec, { shape: s.volume.shape, channels: 1, image: s.volume.image }, voxels, X, 0);
      [0, 5, 40, 200, 296].forEach((i, k) => {
        for (let f = 0; f < F; f++) expect(rows[i * F + f]).toBeCloseTo(X[k * F + f]!, 4);
      });
      expect(await features.of(w)).toBe(rows); // kept while on screen
    } finally { await features.release(); await preview.release(); }
  });

  it('previews a plane larger than the window around the cursor, clamped at the borders', () => {
    expect(previewWindow([3, 3000, 500], 0, [1, 2900, 250], 1024)).toEqual({ axis: 0, index: 1, start: [1, 1976, 0], extent: [1, 1024, 500] });
    expect(previewWindow([3, 3000, 500], 2, [1, 40, 499], 1024)).toEqual({ axis: 2, index: 499, start: [0, 0, 499], extent: [3, 1024, 1] });
    expect(previewWindow([31, 61, 57], 1, [30, 99, -4])).toEqual({ axis: 1, index: 60, start: [0, 60, 0], extent: [31, 1, 57] });
  });

  it('votes the same classes as the reference forest', () => {
    const rand = seededRandom(2);
    const n = 400, f = 5;
    const X = Float32Array.from({ length: n * f }, () => rand());
    const y = Uint8Array.from({ length: n }, (_, i) => (X[i * f]! + X[i * f + 1]! > 1 ? (X[i * f + 2]! > 0.5 ? 2 : 1) : 0));
    const { forest } = trainForest(X, n, f, y, 3, { trees: 7, seed: 3 });
    const probs = predictForest(forest, X, n);
    const fast = forestClasses(forest, X, n);
    for (let i = 0; i < n; i++) {
      const p = [probs[i * 3]!, probs[i * 3 + 1]!, probs[i * 3 + 2]!];
      expect(p[fast[i]!]).toBe(Math.max(...p));
    }
  });
});
