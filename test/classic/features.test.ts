import { describe, it, expect } from 'vitest';
import { Tensor } from 'onnxruntime-common';
import { Graph } from '../../src-shared/nn/graph.ts';
import { serializeGraph } from '../../src-shared/nn/onnx-io.ts';
import { appendFeatures, appendFeatureRows, featureCount, featureHalo, featureNames, type FeatureSpec, type FeatureWindow } from '../../src-shared/classic/features.ts';
import { axisKernels } from '../../src-shared/classic/kernels.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { seededRandom } from '../../src-shared/random.ts';
import { referenceFeatures3, symmetricEigenvalues } from './reference.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });

async function runGraph(build: (g: Graph, x: ReturnType<Graph['input']>) => ReturnType<Graph['input']>, data: Float32Array, shape: number[]): Promise<Float32Array> {
  const g = new Graph();
  g.output(build(g, g.input('x', shape)));
  const session = await runtime.factory(serializeGraph(g));
  try {
    const out = await session.run({ x: new Tensor('float32', data, shape) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

const features = (spec: FeatureSpec, data: Float32Array, shape: number[], window?: FeatureWindow) =>
  runGraph((g, x) => appendFeatures(g, x, spec, window), data, shape);

/** Index of feature `name` (e.g. "c0 σ1.6 hessian 1") in the output channels. */
const channel = (spec: FeatureSpec, name: string) => {
  const i = featureNames(spec).indexOf(name);
  if (i < 0) throw new Error(`no feature ${name}`);
  return i;
};

describe('kernels', () => {
  it('are exact on polynomials: smoothing keeps constants, derivatives give 1 on x and x²/2', () => {
    for (const sigma of [0.2, 0.7, 1.6, 5]) {
      const k = axisKernels(sigma);
      const js = k.smooth.map((_, i) => i - k.radius);
      const sum = (w: number[], f: (j: number) => number) => w.reduce((s, v, i) => s + v * f(js[i]!), 0);
      expect(sum(k.smooth, () => 1)).toBeCloseTo(1, 12);
      expect(sum(k.first, (j) => j)).toBeCloseTo(1, 12);
      expect(sum(k.first, () => 1)).toBeCloseTo(0, 12);
      expect(sum(k.second, (j) => (j * j) / 2)).toBeCloseTo(1, 12);
      expect(sum(k.second, () => 1)).toBeCloseTo(0, 12);
      expect(sum(k.second, (j) => j)).toBeCloseTo(0, 12);
    }
  });
});

describe('filter features (ONNX graph)', () => {
  it('Gaussian of an impulse is the sampled 3D Gaussian, narrower along a coarse axis', async () => {
    const n = 21, c = 10;
    const impulse = new Float32Array(n * n * n);
    impulse[(c * n + c) * n + c] = 1;
    const sigma = 1.6;
    const iso: FeatureSpec = { dims: 3, channels: 1, scales: [sigma], spacing: [1, 1, 1] };
    const out = await features(iso, impulse, [1, 1, n, n, n]);
    const g = out.subarray(channel(iso, 'c0 σ1.6 gaussian') * n ** 3, (channel(iso, 'c0 σ1.6 gaussian') + 1) * n ** 3);
    // the continuous Gaussian's peak, 1/((2π)^{3/2} σ³): the sampled kernel matches it closely at σ = 1.6
    expect(g[(c * n + c) * n + c]! / (1 / ((2 * Math.PI) ** 1.5 * sigma ** 3))).toBeCloseTo(1, 2);
    const radial = (dz: number, dy: number, dx: number) => g[((c + dz) * n + c + dy) * n + c + dx]! / g[(c * n + c) * n + c]!;
    expect(radial(0, 0, 2)).toBeCloseTo(Math.exp(-4 / (2 * sigma * sigma)), 4);
    expect(radial(2, 0, 0)).toBeCloseTo(radial(0, 2, 0), 6);
    expect(radial(1, 1, 1)).toBeCloseTo(Math.exp(-3 / (2 * sigma * sigma)), 4);
    // z voxels twice as long: σ_z = 0.8 voxels
    const aniso: FeatureSpec = { ...iso, spacing: [2, 1, 1] };
    const a = await features(aniso, impulse, [1, 1, n, n, n]);
    const ga = a.subarray(channel(aniso, 'c0 σ1.6 gaussian') * n ** 3);
    const ratioZ = ga[((c + 1) * n + c) * n + c]! / ga[(c * n + c) * n + c]!;
    expect(ratioZ).toBeCloseTo(Math.exp(-1 / (2 * 0.8 * 0.8)), 3);
  });

  it('Hessian eigenvalues, gradient and Laplacian of a quadratic are exact, in physical units on anisotropic grids', async () => {
    // f(p) = ½ pᵀAp + bᵀp in physical coordinates p = (3z, y, x); A has eigenvalues 2, -0.5, -1.25
    const R = (() => { const t = 0.6, u = -0.4; const cz = Math.cos(t), sz = Math.sin(t), cx = Math.cos(u), sx = Math.sin(u);
      const r1 = [[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]], r2 = [[1, 0, 0], [0, cx, -sx], [0, sx, cx]];
      return r1.map((row) => [0, 1, 2].map((j) => row.reduce((s, v, k) => s + v * r2[k]![j]!, 0))); })();
    const lambda = [2, -0.5, -1.25];
    const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => R[i]!.reduce((s, _, k) => s + R[i]![k]! * lambda[k]! * R[j]![k]!, 0)));
    const b = [0.3, -0.2, 0.1];
    const [D, H, W] = [16, 40, 40];
    const spec: FeatureSpec = { dims: 3, channels: 1, scales: [1.0, 3.5], spacing: [3, 1, 1] };
    const centre = [7.5 * 3, 19.5, 19.5];
    const data = new Float32Array(D * H * W);
    for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const p = [3 * z - centre[0]!, y - centre[1]!, x - centre[2]!];
      let f = 0;
      for (let i = 0; i < 3; i++) { f += b[i]! * p[i]!; for (let j = 0; j < 3; j++) f += 0.5 * p[i]! * A[i]![j]! * p[j]!; }
      data[(z * H + y) * W + x] = f / 100; // keep float32 values moderate
    }
    const out = await features(spec, data, [1, 1, D, H, W]);
    const V = D * H * W;
    const halo = featureHalo(spec);
    expect(halo).toEqual([5, 12, 12]);
    for (const s of spec.scales) {
      const [e1, e2, e3, grad, lap] = ['hessian 1', 'hessian 2', 'hessian 3', 'gradient', 'laplacian'].map((f) => out.subarray(channel(spec, `c0 σ${s} ${f}`) * V));
      for (const [z, y, x] of [[7, 20, 20], [6, 15, 24], [8, 24, 14]] as const) {
        const i = (z * H + y) * W + x;
        expect(e1![i]! * 100).toBeCloseTo(2, 2);
        expect(e2![i]! * 100).toBeCloseTo(-0.5, 2);
        expect(e3![i]! * 100).toBeCloseTo(-1.25, 2);
        expect(lap![i]! * 100).toBeCloseTo(0.25, 2);
        const p = [3 * z - centre[0]!, y - centre[1]!, x - centre[2]!];
        const gvec = [0, 1, 2].map((r) => b[r]! + A[r]!.reduce((acc, v, k) => acc + v * p[k]!, 0));
        expect(grad![i]! * 100).toBeCloseTo(Math.hypot(...gvec), 2);
      }
    }
  });

  it('2D Hessian eigenvalues of a quadratic are exact', async () => {
    const [H, W] = [32, 32];
    const [a, bb, c] = [1.5, 0.7, -0.4]; // f = ½(a y² + 2b xy + c x²)
    const data = new Float32Array(H * W);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) { const py = y - 16, px = x - 16; data[y * W + x] = 0.5 * (a * py * py + 2 * bb * py * px + c * px * px) / 10; }
    const spec: FeatureSpec = { dims: 2, channels: 1, scales: [1.6], spacing: [1, 1, 1] };
    const out = await features(spec, data, [1, 1, H, W]);
    const expected = symmetricEigenvalues([a, bb, bb, c], 2);
    const i = 16 * W + 16;
    expect(out[channel(spec, 'c0 σ1.6 hessian 1') * H * W + i]! * 10).toBeCloseTo(expected[0]!, 3);
    expect(out[channel(spec, 'c0 σ1.6 hessian 2') * H * W + i]! * 10).toBeCloseTo(expected[1]!, 3);
  });

  it('every feature of every channel equals the direct JS reference, borders included', async () => {
    const [D, H, W] = [9, 11, 13];
    const rand = seededRandom(7);
    const C = 2, V = D * H * W;
    const data = Float32Array.from({ length: C * V }, () => rand() * 2 - 1);
    const spec: FeatureSpec = { dims: 3, channels: C, scales: [0.7, 2.0], spacing: [2, 1, 1] };
    const out = await features(spec, data, [1, C, D, H, W]);
    expect(out.length).toBe(featureCount(spec) * V);
    const perChannel = featureCount(spec) / C;
    for (let c = 0; c < C; c++) {
      const ref = referenceFeatures3(data.subarray(c * V, (c + 1) * V), [D, H, W], { ...spec, channels: 1 });
      ref.forEach((r, f) => {
        const got = out.subarray((c * perChannel + f) * V, (c * perChannel + f + 1) * V);
        let worst = 0;
        for (let i = 0; i < V; i++) worst = Math.max(worst, Math.abs(got[i]! - r[i]!) / (1 + Math.abs(r[i]!)));
        expect(worst, featureNames(spec)[c * perChannel + f]).toBeLessThan(2e-4);
      });
    }
  });

  it('a crop with featureHalo voxels of context gives the whole volume\'s features exactly; rows are the same values', async () => {
    const [D, H, W] = [14, 30, 34];
    const rand = seededRandom(3);
    const data = Float32Array.from({ length: D * H * W }, () => rand());
    const spec: FeatureSpec = { dims: 3, channels: 1, scales: [1.0, 3.5], spacing: [2.5, 1, 1] };
    const halo = featureHalo(spec);
    const whole = await features(spec, data, [1, 1, D, H, W]);
    // output region z 6..7, y 12..17, x 1..8 (touches nothing but the x border, where context runs out)
    const lo = [6, 12, 1], hi = [8, 18, 9];
    const start = lo.map((l, a) => Math.max(0, l - halo[a]!));
    const end = hi.map((h, a) => Math.min([D, H, W][a]!, h + halo[a]!));
    const size = end.map((e, a) => e - start[a]!);
    const crop = new Float32Array(size[0]! * size[1]! * size[2]!);
    for (let z = 0; z < size[0]!; z++) for (let y = 0; y < size[1]!; y++) for (let x = 0; x < size[2]!; x++) {
      crop[(z * size[1]! + y) * size[2]! + x] = data[((z + start[0]!) * H + y + start[1]!) * W + x + start[2]!]!;
    }
    const window = { before: lo.map((l, a) => l - start[a]!), after: hi.map((h, a) => end[a]! - h) };
    const part = await features(spec, crop, [1, 1, ...size], window);
    const out = hi.map((h, a) => h - lo[a]!);
    const S = out[0]! * out[1]! * out[2]!;
    const F = featureCount(spec);
    let worst = 0;
    for (let f = 0; f < F; f++) for (let z = 0; z < out[0]!; z++) for (let y = 0; y < out[1]!; y++) for (let x = 0; x < out[2]!; x++) {
      const a = part[f * S + (z * out[1]! + y) * out[2]! + x]!;
      const b = whole[f * D * H * W + ((z + lo[0]!) * H + y + lo[1]!) * W + x + lo[2]!]!;
      worst = Math.max(worst, Math.abs(a - b));
    }
    expect(worst).toBeLessThan(1e-5);
    const rows = await runGraph((g, x) => appendFeatureRows(g, x, spec, window), crop, [1, 1, ...size]);
    for (const i of [0, 17, S - 1]) for (const f of [0, 5, F - 1]) expect(rows[i * F + f]).toBe(part[f * S + i]);
  });
});
