import { describe, it, expect } from 'vitest';
import { getPriority } from 'node:os';
import { Graph } from '../../src-shared/nn/graph.ts';
import * as op from '../../src-shared/nn/ops.ts';
import { serializeGraph } from '../../src-shared/nn/onnx-io.ts';
import { createRuntime, providerFilesPresent } from '../../src-main/runtime.ts';
import { isLumenError } from '../../src-shared/errors.ts';

function tinyModel(): Uint8Array {
  const g = new Graph();
  g.output(op.relu(g, g.input('x', [2, 3])));
  return serializeGraph(g);
}

describe('execution providers', () => {
  it('auto settles on a provider that runs the model and says which, with a reason for each one passed over', async () => {
    const lines: string[] = [];
    const rt = createRuntime({ device: 'auto', log: (l) => lines.push(l) });
    expect(rt.report().used).toBe('undecided');
    const session = await rt.factory(tinyModel());
    expect(session.inputNames).toEqual(['x']);
    const report = rt.report();
    expect(['cpu', 'cuda', 'dml', 'webgpu', 'coreml']).toContain(report.used);
    expect(lines.at(-1)).toBe(`device: using ${report.used}`);
    for (const f of report.fallbacks) {
      expect(f.reason.length).toBeGreaterThan(0);
      expect(lines.some((l) => l.startsWith(`device: ${f.provider} unavailable`))).toBe(true);
    }
    // later models reuse the choice without probing again
    await rt.factory(tinyModel());
    expect(rt.report().fallbacks).toEqual(report.fallbacks);
    await session.release();
  });

  it.skipIf(providerFilesPresent('cuda'))('an explicit provider that cannot run is a clear device error, not a silent CPU run', async () => {
    const rt = createRuntime({ device: 'cuda' });
    const outcome = await rt.factory(tinyModel()).then(() => 'ran', (e: unknown) => e);
    expect(isLumenError(outcome, 'device')).toBe(true);
    expect((outcome as Error).message).toMatch(/cuda execution provider/);
  });

  it('cpu is honoured as asked', async () => {
    const rt = createRuntime({ device: 'cpu', threads: 1 });
    await rt.factory(tinyModel());
    expect(rt.report()).toEqual({ requested: 'cpu', used: 'cpu', fallbacks: [] });
  });

  it('background sessions (as the app runs them: no spin-waiting, lower priority) compute the same results', async () => {
    const { Tensor } = await import('onnxruntime-common');
    const x = new Tensor('float32', Float32Array.from([-1, 2, -3, 4, 0, 6]), [2, 3]);
    const outputs = [];
    for (const background of [false, true]) {
      const session = await createRuntime({ device: 'cpu', threads: 2, background }).factory(tinyModel());
      const r = await session.run({ x });
      outputs.push(Array.from(r[session.outputNames[0]!]!.data as Float32Array));
      await session.release();
    }
    expect(outputs[1]).toEqual([0, 2, 0, 4, 0, 6]);
    expect(outputs[1]).toEqual(outputs[0]);
    // the thread that made the background runtime now runs below normal priority (nice ≥ 10)
    if (process.platform === 'linux') expect(getPriority(0)).toBeGreaterThanOrEqual(10);
  });
});
