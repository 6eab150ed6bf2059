import { describe, it, expect } from 'vitest';
import { collectKernels, kernelGroup } from '../../src-shared/train/dwp/kernels.ts';
import { fitWeightPrior, encodeWeightPrior, decodeWeightPrior } from '../../src-shared/train/dwp/prior.ts';
import { deepWeightPrior } from '../../src-shared/train/strategies/dwp.ts';
import { scratch } from '../../src-shared/train/strategies/scratch.ts';
import type { LabeledVolume } from '../../src-shared/train/dataset.ts';
import type { StrategyProgress } from '../../src-shared/train/strategy.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { isLumenError } from '../../src-shared/errors.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });

function stripes(seed: number, period: number): LabeledVolume {
  const [H, W] = [48, 48];
  const rand = seededRandom(seed);
  const image = new Float32Array(H * W), labels = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const on = (x + y) % period < period / 3;
    image[y * W + x] = (on ? 1 : -0.5) + 0.3 * rand();
    labels[y * W + x] = on ? 2 : 1;
  }
  return { shape: [1, H, W], channels: 1, image, labels };
}

describe('Deep Weight Prior', () => {
  it('groups conv kernels by level and leaves up-convs and heads out', () => {
    expect(kernelGroup('enc.1.conv2.weight')).toBe('enc.1');
    expect(kernelGroup('dec.0.conv1.weight')).toBe('dec.0');
    expect(kernelGroup('dec.0.up.weight')).toBeUndefined();
    expect(kernelGroup('head.weight')).toBeUndefined();
    const params = new Map([['enc.0.conv1.weight', new Float32Array(2 * 3 * 9)], ['head.weight', new Float32Array(4)]]);
    const sets = collectKernels([{ params }, { params }], 9);
    expect([...sets.keys()]).toEqual(['enc.0']);
    expect(sets.get('enc.0')!.vectors).toHaveLength(12);
  });

  it('fits VAEs to source kernels, round-trips them, and trains a target network variationally', async () => {
    const ctx = { factory: runtime.factory };
    const sources = [
      (await scratch([stripes(1, 6)], { effort: 0.05, seed: 1 }, ctx)).model,
      (await scratch([stripes(2, 9)], { effort: 0.05, seed: 2 }, ctx)).model,
    ];
    const prior = await fitWeightPrior(sources, 9, runtime.factory, { steps: 60, batch: 64, lr: 3e-3 });
    for (const [group, losses] of prior.losses) {
      const head = losses.slice(0, 10).reduce((a, b) => a + b) / 10, tail = losses.slice(-10).reduce((a, b) => a + b) / 10;
      expect(tail, `VAE of ${group} learns`).toBeLessThan(head);
    }
    const back = decodeWeightPrior(encodeWeightPrior(prior));
    expect(back.size).toBe(9);
    expect([...back.groups.keys()]).toEqual([...prior.groups.keys()]);
    expect(back.groups.get('enc.0')!.get('encoder.fc1.weight')).toEqual(prior.groups.get('enc.0')!.get('encoder.fc1.weight'));

    const events: StrategyProgress[] = [];
    const r = await deepWeightPrior([stripes(3, 7)], { effort: 0.07, seed: 1, weightPrior: back }, { factory: runtime.factory, progress: (p) => events.push(p) });
    const losses = events.filter((e) => e.loss !== undefined).map((e) => e.loss!);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(losses.slice(0, 5).reduce((a, b) => a + b) / 5);
    expect([...r.model.params.keys()].some((k) => k.endsWith('.rho'))).toBe(false);
    expect(r.model.params.has('enc.0.conv1.weight')).toBe(true);
    expect(r.report.priorGroups).toEqual([...prior.groups.keys()]);
  });

  it('refuses to run without a prior, or with one for the wrong kernel size', async () => {
    const ctx = { factory: runtime.factory };
    await expect(deepWeightPrior([stripes(1, 6)], {}, ctx)).rejects.toSatisfy((e: unknown) => isLumenError(e, 'bad-input'));
    await expect(deepWeightPrior([stripes(1, 6)], { weightPrior: { size: 27, groups: new Map() } }, ctx)).rejects.toSatisfy((e: unknown) => isLumenError(e, 'shape-mismatch'));
  });
});
