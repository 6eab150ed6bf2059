// Finite-difference checks of the gradient rules through real ONNX Runtime sessions (float32:
// ORT's CPU provider has no float64 Conv). Each check compares the analytic gradient with central
// differences along random directions and at single coordinates; a wrong rule (missing flip,
// transposed axis, off-by-one pad) is off by O(1), far beyond the tolerances used.
import { Tensor } from 'onnxruntime-common';
import { Graph, type Value, numel } from '../../src-shared/nn/graph.ts';
import * as op from '../../src-shared/nn/ops.ts';
import { differentiate } from '../../src-shared/nn/autodiff.ts';
import { serializeGraph } from '../../src-shared/nn/onnx-io.ts';
import { seededRandom, gaussian } from '../../src-shared/nn/params.ts';
import { createRuntime } from '../../src-main/runtime.ts';

export interface InputSpec {
  shape: number[];
  /** values in [0.5, 1.5] (for Log, Sqrt, Div denominators) */
  positive?: boolean;
  /** a fixed input that gets no gradient (e.g. a target) */
  constant?: boolean;
  data?: Float32Array;
}

export interface GradCheckResult { worstRelativeError: number; medianRelativeError: number; checks: number; analytic: Float32Array[] }

const runtime = createRuntime({ device: 'cpu', threads: 1 });

export async function gradCheck(
  build: (g: Graph, xs: Value[]) => Value,
  specs: InputSpec[],
  { seed = 1, eps = 1e-2, directions = 3, coordinates = 4 } = {},
): Promise<GradCheckResult> {
  const normal = gaussian(seededRandom(seed));
  const rand = seededRandom(seed + 7);
  const g = new Graph();
  const xs = specs.map((s, i) => g.input(`x${i}`, s.shape));
  const y = build(g, xs);
  const r = Float32Array.from({ length: numel(y.shape) }, normal);
  const loss = op.sumAll(g, op.mul(g, y, g.constant(r, y.shape)));
  const wrt = xs.filter((_, i) => !specs[i]!.constant);
  const grads = differentiate(g, loss, wrt);
  g.output(loss);
  for (const w of wrt) g.output(grads.get(w.name)!);
  const session = await runtime.factory(serializeGraph(g));

  const values = specs.map((s) => s.data ?? Float32Array.from({ length: numel(s.shape) },
    () => (s.positive ? 0.5 + rand() : normal())));
  const evaluate = async (vals: Float32Array[]) => {
    const feeds: Record<string, Tensor> = {};
    vals.forEach((v, i) => { feeds[`x${i}`] = new Tensor('float32', v, specs[i]!.shape); });
    const out = await session.run(feeds);
    return { f: (out[loss.name]!.data as Float32Array)[0]!, grads: wrt.map((w) => out[grads.get(w.name)!.name]!.data as Float32Array) };
  };
  const base = await evaluate(values);
  const gradOf = new Map(wrt.map((w, k) => [w.name, base.grads[k]!]));

  let worst = 0;
  let checks = 0;
  const errors: number[] = [];
  const compare = async (dir: Float32Array[]) => {
    const shifted = (sign: number) => values.map((v, i) => v.map((x, j) => x + sign * eps * dir[i]![j]!));
    const numeric = ((await evaluate(shifted(1))).f - (await evaluate(shifted(-1))).f) / (2 * eps);
    let analytic = 0;
    xs.forEach((x, i) => {
      const gr = gradOf.get(x.name);
      if (gr) for (let j = 0; j < gr.length; j++) analytic += gr[j]! * dir[i]![j]!;
    });
    const scale = Math.max(Math.abs(numeric), Math.abs(analytic), 1e-2);
    errors.push(Math.abs(numeric - analytic) / scale);
    worst = Math.max(worst, errors.at(-1)!);
    checks++;
  };
  for (let d = 0; d < directions; d++) {
    // unit length over all inputs together: with thousands of parameters a raw Gaussian step
    // would be large enough for third-order terms to swamp the comparison
    const dir = specs.map((s) => s.constant ? new Float32Array(numel(s.shape)) : Float32Array.from({ length: numel(s.shape) }, normal));
    const norm = Math.sqrt(dir.reduce((acc, v) => acc + v.reduce((a, b) => a + b * b, 0), 0));
    await compare(dir.map((v) => v.map((e) => e / norm)));
  }
  for (let c = 0; c < coordinates; c++) {
    const which = wrt[Math.floor(rand() * wrt.length)]!;
    const i = xs.indexOf(which);
    const dir = specs.map((s) => new Float32Array(numel(s.shape)));
    dir[i]![Math.floor(rand() * dir[i]!.length)] = 1;
    await compare(dir);
  }
  await session.release();
  const sorted = [...errors].sort((a, b) => a - b);
  return { worstRelativeError: worst, medianRelativeError: sorted[Math.floor(sorted.length / 2)]!, checks, analytic: base.grads };
}
