// Blending: a translation-equivariant network (3×3×3 convolutions with zero padding, no
// normalisation) run patch by patch must give what one pass over the whole volume gives.
// Honest comparison: inside a patch, the outer `r` voxels (r = receptive-field radius = number
// of convolutions) see the patch's zero padding instead of the neighbouring voxels, so they are
// wrong by construction. With trim = r those voxels get weight 0 and the result must match the
// whole pass to float rounding everywhere (also at the volume's borders, where both see the same
// zero padding). Without trim, the Gaussian makes those voxels' weight tiny: the seam error is
// small and far smaller than with constant weights.
// (A U-Net with instance norm is not translation-equivariant: its statistics are per patch, so
// equality with a whole pass is not a property it has. Tests below only check its output shape
// and range on patches.)
import { describe, expect, it } from 'vitest';
import { makeVolume } from '../../src-shared/volume.ts';
import { slidingWindowPredict } from '../../src-shared/infer/sliding-window.ts';
import { sessionRunner, unetPatchModel } from '../../src-shared/infer/patch-model.ts';
import { axisStarts, fitPatch, patchGrid } from '../../src-shared/infer/tiles.ts';
import { profile1d, weightSum } from '../../src-shared/infer/blend-weights.ts';
import { buildInferenceGraph } from '../../src-shared/nn/trainer.ts';
import { exportOnnxModel } from '../../src-shared/nn/model-file.ts';
import { fastInferenceBytes } from '../../src-shared/infer/fast-graph.ts';
import { initParams, seededRandom } from '../../src-shared/nn/params.ts';
import { blobVolume, convNetBytes, convNetModel, runtime } from './helpers.ts';

const LAYERS = 3;

async function wholePass(img: Float32Array, shape: [number, number, number], opts: Parameters<typeof convNetBytes>[1] = {}): Promise<Float32Array> {
  const s = [1, opts.inC ?? 1, ...shape];
  const r = await sessionRunner(runtime.factory, convNetBytes(s, opts), s);
  try { return Float32Array.from(await r.run(img)); } finally { await r.release(); }
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, shape: number[], margin = 0): number {
  const [d, h, w] = shape as [number, number, number];
  let m = 0;
  for (let z = margin; z < d - margin; z++) for (let y = margin; y < h - margin; y++) for (let x = margin; x < w - margin; x++) {
    const i = (z * h + y) * w + x;
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
  }
  return m;
}

describe('patch grid and weights', () => {
  it('spreads starts from border to border with at least the asked overlap', () => {
    expect(axisStarts(256, 128, 0.25)).toEqual([0, 64, 128]);
    expect(axisStarts(256, 152, 0.25)).toEqual([0, 104]);
    expect(axisStarts(100, 128, 0.25)).toEqual([0]);
    expect(axisStarts(128, 128, 0.5)).toEqual([0]);
    for (const [size, p, o] of [[257, 64, 0.25], [1000, 96, 0.5], [65, 64, 0.1]] as const) {
      const s = axisStarts(size, p, o);
      expect(s[0]).toBe(0);
      expect(s.at(-1)).toBe(size - p);
      for (let i = 1; i < s.length; i++) expect(s[i]! - s[i - 1]!).toBeLessThanOrEqual(Math.floor(p * (1 - o)));
    }
    expect(patchGrid([10, 300, 300], [8, 128, 128], 0.25).count).toBe(2 * 3 * 3);
    // thin stacks get thin patches; extents round up to the network's multiple
    expect(fitPatch([64, 64, 64], [8, 8, 8], [12, 500, 500])).toEqual([16, 64, 64]);
    expect(fitPatch([60, 100, 64], [1, 8, 8], [5, 500, 500])).toEqual([5, 104, 64]);
  });

  it('Gaussian profile peaks at the centre, is symmetric and never zero; weight sums cover every voxel', () => {
    const g = profile1d(64, 'gaussian');
    expect(Math.max(...g)).toBeLessThanOrEqual(1);
    expect(g[0]).toBeGreaterThan(0);
    expect(g[0]).toBeLessThan(1e-3);
    for (let i = 0; i < 32; i++) expect(g[i]).toBeCloseTo(g[63 - i]!, 6);
    const axis = { size: 200, patch: 64, starts: axisStarts(200, 64, 0.25) };
    for (const v of weightSum(g, axis, 0)) expect(v).toBeGreaterThan(0);
    for (const v of weightSum(profile1d(64, 'constant'), axis, 0)) expect([1, 2, 3]).toContain(v);
  });
});

describe('sliding window = one whole pass for a translation-equivariant network', () => {
  const shape: [number, number, number] = [37, 45, 41];
  const img = blobVolume(...shape, 3);
  const vol = makeVolume([...shape, 1], 'float32', img);
  let ref: Float32Array;

  it('Gaussian blend with trim = receptive field: equal everywhere (float tolerance)', async () => {
    ref = await wholePass(img, shape);
    const out = await slidingWindowPredict(convNetModel(), vol, { patch: [16, 20, 24], overlap: 0.5, trim: LAYERS, normalize: 'none' });
    expect(out.shape).toEqual([...shape, 1]);
    expect(out.run.patches).toBeGreaterThan(20);
    expect(maxDiff(out.data as Float32Array, ref, shape)).toBeLessThan(1e-5);
  });

  it('constant blend with trim: equal as well', async () => {
    const out = await slidingWindowPredict(convNetModel(), vol, { patch: [16, 20, 24], overlap: 0.5, trim: LAYERS, blend: 'constant', normalize: 'none' });
    expect(maxDiff(out.data as Float32Array, ref, shape)).toBeLessThan(1e-5);
  });

  it('without trim the Gaussian hides the patch-border error (seams) far better than constant weights', async () => {
    const g = await slidingWindowPredict(convNetModel(), vol, { patch: [16, 20, 24], overlap: 0.5, normalize: 'none' });
    const c = await slidingWindowPredict(convNetModel(), vol, { patch: [16, 20, 24], overlap: 0.5, blend: 'constant', normalize: 'none' });
    const eg = maxDiff(g.data as Float32Array, ref, shape, LAYERS);
    const ec = maxDiff(c.data as Float32Array, ref, shape, LAYERS);
    expect(eg).toBeLessThan(0.02);
    expect(ec).toBeGreaterThan(20 * eg);
  });

  it('batches of patches give the same result as one patch per run', async () => {
    const a = await slidingWindowPredict(convNetModel(), vol, { patch: [16, 24, 24], overlap: 0.25, normalize: 'none' });
    const b = await slidingWindowPredict(convNetModel(), vol, { patch: [16, 24, 24], overlap: 0.25, batch: 4, normalize: 'none' });
    expect(b.run.networkRuns).toBeLessThan(a.run.networkRuns);
    expect(maxDiff(a.data as Float32Array, b.data as Float32Array, shape)).toBeLessThan(1e-6);
  });

  it('anisotropic patches (thin in z) and per-axis overlap: still exact with trim', async () => {
    const out = await slidingWindowPredict(convNetModel(), vol, { patch: [8, 32, 28], overlap: [0.8, 0.25, 0.3], trim: LAYERS, normalize: 'none' });
    expect(out.run.patch).toEqual([8, 32, 28]);
    expect(maxDiff(out.data as Float32Array, ref, shape)).toBeLessThan(1e-5);
  });

  it('a volume smaller than the patch is padded with zeros and cropped: exact', async () => {
    const small: [number, number, number] = [6, 11, 9];
    const im = blobVolume(...small, 5);
    const r = await wholePass(im, small);
    const out = await slidingWindowPredict(convNetModel(), makeVolume([...small, 1], 'float32', im), { patch: [16, 16, 16], normalize: 'none' });
    expect(out.shape).toEqual([...small, 1]);
    expect(out.run.patches).toBe(1);
    expect(maxDiff(out.data as Float32Array, r, small)).toBeLessThan(1e-5);
  });

  it('test-time flips: a flip-symmetric network gives the same result with all 8 flips; a generic one differs', async () => {
    const sym = convNetModel({ symmetric: true, seed: 11 });
    const symRef = await wholePass(img, shape, { symmetric: true, seed: 11 });
    const out = await slidingWindowPredict(sym, vol, { patch: [16, 20, 24], overlap: 0.5, trim: LAYERS, flips: true, batch: 4, normalize: 'none' });
    expect(out.run.networkRuns).toBe(out.run.patches * 8 / 4);
    expect(maxDiff(out.data as Float32Array, symRef, shape)).toBeLessThan(1e-5);
    const gen = await slidingWindowPredict(convNetModel(), vol, { patch: [16, 20, 24], overlap: 0.5, trim: LAYERS, flips: [[], [2]], normalize: 'none' });
    expect(maxDiff(gen.data as Float32Array, ref, shape)).toBeGreaterThan(1e-3);
  });

  it('multi-channel input and output, z-scored from the volume', async () => {
    const two = new Float32Array(img.length * 2);
    for (let i = 0; i < img.length; i++) { two[2 * i] = img[i]! * 100 + 50; two[2 * i + 1] = -img[i]!; }
    const opts = { inC: 2, outC: 3 };
    const out = await slidingWindowPredict(convNetModel(opts), makeVolume([...shape, 2], 'float32', two), { patch: [16, 24, 24], trim: LAYERS, overlap: 0.5 });
    expect(out.shape).toEqual([...shape, 3]);
    // the statistics used come from a 32-slice subsample (37 slices here): close to the exact
    // ones, and applied per channel exactly as a by-hand z-score with them
    const z = new Float32Array(two.length);
    const { mean, sd } = out.run.stats;
    for (let c = 0; c < 2; c++) {
      let m = 0, v = 0;
      for (let i = c; i < two.length; i += 2) m += two[i]!;
      m /= img.length;
      for (let i = c; i < two.length; i += 2) v += (two[i]! - m) ** 2;
      expect(Math.abs(mean[c]! - m)).toBeLessThan(0.05 * Math.sqrt(v / img.length));
      expect(sd[c]! / Math.sqrt(v / img.length)).toBeCloseTo(1, 1);
      for (let i = 0; i < img.length; i++) z[c * img.length + i] = (two[2 * i + c]! - mean[c]!) / sd[c]!;
    }
    const r = await wholePass(z, shape, opts);
    let m = 0;
    for (let c = 0; c < 3; c++) for (let i = 0; i < img.length; i++) m = Math.max(m, Math.abs((out.data as Float32Array)[i * 3 + c]! - r[c * img.length + i]!));
    expect(m).toBeLessThan(1e-4);
  });
});

describe('U-Nets on patches', () => {
  it('the fast graph (up-sampling as pointwise Conv + depth-to-space) computes what the exported model computes', async () => {
    const configs = [
      { dims: 3 as const, inChannels: 2, outChannels: 2, channels: [4, 8, 8], norm: 'group' as const, groups: 2, downFactors: [[1, 2, 2], [2, 2, 2]] },
      { dims: 3 as const, inChannels: 1, outChannels: 1, channels: [4, 8], norm: 'instance' as const, down: 'maxpool' as const },
      { dims: 2 as const, inChannels: 1, outChannels: 1, channels: [4, 8, 16], norm: 'none' as const },
    ];
    for (const config of configs) {
      const input = config.dims === 3 ? [2, config.inChannels, 8, 16, 12] : [2, 1, 16, 24];
      const { specs } = buildInferenceGraph(config, input);
      const params = initParams(specs, 9);
      const rand = seededRandom(4);
      const x = Float32Array.from({ length: input.reduce((a, b) => a * b) }, () => rand() * 2 - 1);
      const a = await sessionRunner(runtime.factory, exportOnnxModel({ config, params, provenance: {} }, input), input);
      const b = await sessionRunner(runtime.factory, fastInferenceBytes(config, params, input), input);
      const ya = await a.run(x), yb = await b.run(x);
      await a.release(); await b.release();
      expect(yb.length).toBe(ya.length);
      let m = 0;
      for (let i = 0; i < ya.length; i++) m = Math.max(m, Math.abs(ya[i]! - yb[i]!));
      expect(m).toBeLessThan(1e-5);
    }
  });

  it('3D U-Net (instance norm): output in [0,1] with the volume\'s shape; patch rounded to the size multiple', async () => {
    const config = { dims: 3 as const, inChannels: 1, outChannels: 1, channels: [4, 8, 8], norm: 'instance' as const };
    const { specs } = buildInferenceGraph(config, [1, 1, 8, 8, 8]);
    const model = unetPatchModel(runtime.factory, { config, params: initParams(specs, 2) });
    const shape: [number, number, number] = [13, 30, 27];
    const out = await slidingWindowPredict(model, makeVolume([...shape, 1], 'uint16', Uint16Array.from(blobVolume(...shape), (v) => 1000 + v * 500)), { patch: [10, 16, 16] });
    expect(out.run.patch).toEqual([12, 16, 16]);
    expect(out.shape).toEqual([...shape, 1]);
    for (const v of out.data) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('2D U-Net applied slice by slice', async () => {
    const config = { dims: 2 as const, inChannels: 1, outChannels: 2, channels: [4, 8], norm: 'none' as const };
    const { specs } = buildInferenceGraph(config, [1, 1, 8, 8]);
    const model = unetPatchModel(runtime.factory, { config, params: initParams(specs, 2) });
    const shape: [number, number, number] = [3, 30, 27];
    const out = await slidingWindowPredict(model, makeVolume([...shape, 1], 'float32', blobVolume(...shape)), { patch: [16, 16], batch: 2 });
    expect(out.run.patch).toEqual([1, 16, 16]);
    expect(out.shape).toEqual([...shape, 2]);
    for (const v of out.data) expect(v >= 0 && v <= 1).toBe(true);
  });
});
