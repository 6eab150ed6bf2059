// Feature rows of whole preview windows (a plane through the cursor, preview-window.ts), kept while
// they stay on screen. The image does not change while the user paints, so a window's features are
// computed once and every later stroke only retrains and walks the forest over them. One ONNX
// session per window shape (at most three views' shapes) lives as long as the cache.
import type { SessionFactory } from '../nn/session.ts';
import { Graph } from '../nn/graph.ts';
import { serializeGraph } from '../nn/onnx-io.ts';
import { sessionRunner, type PatchRunner } from '../infer/patch-model.ts';
import { appendFeatureRows, featureHalo, featureInputChannels, type FeatureSpec } from './features.ts';
import { gatherInput, type PlanarImage } from './sample-features.ts';
import { windowKey, type PreviewWindow } from './preview-window.ts';

/** Windows kept: the three views, and the three before them (scrolling back and forth). */
const KEPT_WINDOWS = 6;

export class WindowFeatures {
  private readonly rows = new Map<string, Float32Array>();
  private readonly runners = new Map<string, Promise<PatchRunner>>();
  private readonly halo: number[];

  constructor(private readonly factory: SessionFactory, readonly spec: FeatureSpec, private readonly image: PlanarImage) {
    this.halo = featureHalo(spec);
  }

  /** Row-major [voxels of the window (z, y, x raster)][featureCount(spec)]. */
  async of(w: PreviewWindow): Promise<Float32Array> {
    const key = windowKey(w);
    const kept = this.rows.get(key);
    if (kept) {
      this.rows.delete(key); // most recently used last
      this.rows.set(key, kept);
      return kept;
    }
    const size = w.extent.map((e, a) => e + 2 * this.halo[a]!);
    // planes filtered one by one (a 2D spec) take the window's single z-slice
    const axes = this.spec.dims === 3 ? [0, 1, 2] : [1, 2];
    const inputShape = [1, featureInputChannels(this.spec), ...axes.map((a) => size[a]!)];
    const runner = await this.runner(inputShape);
    const input = new Float32Array(inputShape.reduce((a, b) => a * b, 1));
    gatherInput(this.image, this.spec, w.start.map((s, a) => s - this.halo[a]!), size, input);
    const rows = (await runner.run(input)).slice();
    this.rows.set(key, rows);
    while (this.rows.size > KEPT_WINDOWS) this.rows.delete(this.rows.keys().next().value!);
    return rows;
  }

  private runner(inputShape: number[]): Promise<PatchRunner> {
    const key = inputShape.join('x');
    let r = this.runners.get(key);
    if (!r) {
      const g = new Graph();
      const context = inputShape.slice(2).map((_, i) => this.halo[this.spec.dims === 3 ? i : i + 1]!);
      g.output(appendFeatureRows(g, g.input('image', inputShape), this.spec, { before: context, after: context }));
      r = sessionRunner(this.factory, serializeGraph(g), inputShape);
      this.runners.set(key, r);
    }
    return r;
  }

  async release(): Promise<void> {
    this.rows.clear();
    const all = [...this.runners.values()];
    this.runners.clear();
    for (const r of all) await (await r).release();
  }
}
