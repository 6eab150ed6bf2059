import { describe, it, expect } from 'vitest';
import { STRATEGIES, chooseStrategy, strategyByName } from '../../src-shared/train/strategies/index.ts';
import { middlePatterns } from '../../src-shared/train/strategies/finetune.ts';
import { withPseudoLabels, PSEUDO_LABEL_WEIGHT } from '../../src-shared/train/strategies/pseudo-label.ts';
import { isSparseSlices, labeledSlices, type LabeledVolume } from '../../src-shared/train/dataset.ts';
import type { StrategyProgress } from '../../src-shared/train/strategy.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { isLumenError } from '../../src-shared/errors.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });

/** Bright tubes along x on a noisy background; labels on the given z-slices (all slices if none). */
function tubes(shape: [number, number, number], labeledZ?: number[], seed = 1): LabeledVolume {
  const [D, H, W] = shape;
  const rand = seededRandom(seed);
  const image = new Float32Array(D * H * W), labels = new Uint8Array(D * H * W);
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = (z * H + y) * W + x;
    const inside = (y % 16) - 8 + (z % 2) < 3 && (y % 16) - 8 + (z % 2) > -3;
    image[i] = (inside ? 1 : -0.5) + 0.4 * (rand() - 0.5);
    if (!labeledZ || labeledZ.includes(z)) labels[i] = inside ? 2 : 1;
  }
  return { shape, channels: 1, image, labels };
}

async function runStrategy(name: string, data: LabeledVolume[], extra: Record<string, unknown> = {}) {
  const events: StrategyProgress[] = [];
  const r = await STRATEGIES[name]!(data, { effort: 0.07, seed: 1, ...extra }, { factory: runtime.factory, progress: (p) => events.push(p) });
  return { ...r, events };
}

const losses = (events: StrategyProgress[], phase?: string) => events.filter((e) => e.loss !== undefined && (!phase || e.phase === phase)).map((e) => e.loss!);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('dataset helpers', () => {
  it('finds the labeled slices and recognises the sparse-slices case', () => {
    const sparse = tubes([12, 32, 32], [4, 8]);
    expect(labeledSlices(sparse)).toEqual([4, 8]);
    expect(isSparseSlices(sparse)).toBe(true);
    expect(isSparseSlices(tubes([12, 32, 32]))).toBe(false);
    expect(isSparseSlices(tubes([1, 32, 32]))).toBe(false);
  });

  it('pseudo-labels fill only unlabeled voxels, weighted by λ·confidence', () => {
    const src = { shape: [1, 1, 4] as [number, number, number], image: new Float32Array(4), target: Float32Array.of(1, 0, 0, 0), weight: Float32Array.of(1, 1, 0, 0) };
    const r = withPseudoLabels(src, Float32Array.of(0.1, 0.9, 0.9, 0.25));
    expect([...r.target]).toEqual([1, 0, 1, 0]);
    expect(r.weight[0]).toBe(1);
    expect(r.weight[1]).toBe(1);
    expect(r.weight[2]).toBeCloseTo(PSEUDO_LABEL_WEIGHT * 0.8, 6);
    expect(r.weight[3]).toBeCloseTo(PSEUDO_LABEL_WEIGHT * 0.5, 6);
  });
});

describe('auto', () => {
  it('picks a 2D network for sparse slices, fine-tuning with a matching model, scratch otherwise', async () => {
    expect(chooseStrategy([tubes([12, 32, 32], [4, 8])], {})).toBe('sparse-2d');
    expect(chooseStrategy([tubes([1, 32, 32])], {})).toBe('scratch');
    const p = (await runStrategy('scratch', [tubes([1, 32, 32])])).model;
    expect(chooseStrategy([tubes([1, 32, 32])], { pretrained: p })).toBe('finetune');
    expect(chooseStrategy([tubes([8, 32, 32])], { pretrained: p })).toBe('scratch'); // a 2D model does not fit a 3D stack
    expect(() => strategyByName('magic', [], {})).toThrow(/unknown strategy 'magic'/);
  });
});

describe('strategies on tiny inputs', () => {
  it('scratch (2D): runs, loss falls, reports held-out Dice', async () => {
    const r = await runStrategy('scratch', [tubes([1, 64, 64])], { effort: 0.1 });
    const l = losses(r.events);
    expect(mean(l.slice(-5))).toBeLessThan(mean(l.slice(0, 5)));
    expect(r.model.config.dims).toBe(2);
    expect(r.report.validationDice).toBeGreaterThan(0);
  });

  it('scratch (3D, dense labels): trains a 3D model', async () => {
    const r = await runStrategy('scratch', [tubes([8, 32, 32])]);
    expect(r.model.config.dims).toBe(3);
    const l = losses(r.events);
    expect(mean(l.slice(-5))).toBeLessThan(mean(l.slice(0, 5)));
  });

  it('pseudo-label: a 2D phase on the labeled slices, then a 3D phase on all', async () => {
    const r = await runStrategy('pseudo-label', [tubes([8, 32, 32], [2, 5])], { effort: 0.1 });
    const phases = [...new Set(r.events.map((e) => e.phase))];
    expect(phases).toEqual(['2D on labeled slices', 'pseudo-labels', '3D on labels + pseudo-labels']);
    expect(r.model.config.dims).toBe(3);
    const l3 = losses(r.events, '3D on labels + pseudo-labels');
    expect(mean(l3.slice(-5))).toBeLessThan(mean(l3.slice(0, 5)));
  });

  it('fine-tuning strategies start from the pretrained weights; frozen ones stay bit-identical', async () => {
    const pretrained = (await runStrategy('scratch', [tubes([1, 64, 64], undefined, 3)])).model;
    const data = [tubes([1, 64, 64], undefined, 4)];
    const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

    const middle = await runStrategy('finetune-frozen-middle', data, { pretrained });
    const frozen = middlePatterns(pretrained.config.channels.length);
    for (const [name, w] of pretrained.params) {
      const isFrozen = frozen.some((p) => name.startsWith(p.slice(0, -1)));
      expect(same(middle.model.params.get(name)!, w)).toBe(isFrozen);
    }

    const encoder = await runStrategy('frozen-encoder', data, { pretrained });
    for (const [name, w] of pretrained.params) if (name.startsWith('enc.')) expect(same(encoder.model.params.get(name)!, w)).toBe(true);
    expect(same(encoder.model.params.get('head.weight')!, pretrained.params.get('head.weight')!)).toBe(false);

    const all = await runStrategy('finetune', data, { pretrained });
    expect(same(all.model.params.get('enc.0.conv1.weight')!, pretrained.params.get('enc.0.conv1.weight')!)).toBe(false);
  });

  it('pseudo-label-finetune: the 3D phase starts from the pretrained 3D model; a 2D one is refused', async () => {
    const pretrained = (await runStrategy('scratch', [tubes([8, 32, 32], undefined, 5)], { effort: 0.03 })).model;
    const sparse = [tubes([8, 32, 32], [2, 5], 6)];
    const r = await runStrategy('pseudo-label-finetune', sparse, { effort: 0.03, pretrained });
    expect(r.model.config).toEqual(pretrained.config);
    // a few steps at lr 1e-3 move the weights a little from where they started, not to a fresh init
    const w0 = pretrained.params.get('enc.0.conv1.weight')!, w = r.model.params.get('enc.0.conv1.weight')!;
    const norm = (a: Float32Array) => Math.sqrt(a.reduce((t, v) => t + v * v, 0));
    expect(norm(w.map((v, i) => v - w0[i]!)) / norm(w0)).toBeLessThan(0.3);
    const flat = (await runStrategy('scratch', [tubes([1, 32, 32])], { effort: 0.03 })).model;
    await expect(runStrategy('pseudo-label-finetune', sparse, { effort: 0.03, pretrained: flat })).rejects.toSatisfy((e: unknown) => isLumenError(e, 'bad-input'));
  });

  it('fine-tuning without a pretrained model is a clear error', async () => {
    await expect(runStrategy('finetune', [tubes([1, 32, 32])])).rejects.toSatisfy((e: unknown) => isLumenError(e, 'bad-input'));
  });
});

describe('synthetic pre-training strategy', () => {
  it('pre-trains on generated vessels when no model is given, then fine-tunes on the labels', async () => {
    const phases = new Set<string>();
    const r = await STRATEGIES['synthetic-pretrain']!([tubes([1, 64, 64])], { effort: 0.03, seed: 1 }, { factory: runtime.factory, progress: (p) => phases.add(p.phase) });
    expect([...phases]).toEqual(['synthetic pre-training (vessels-2d-2p)', 'synthetic-pretrain (2D)']);
    expect(r.report.pretrainSteps).toBeGreaterThan(0);
    expect((r.model.provenance.pretrainedOn as { kind: string }).kind).toBe('vessels-2p');
  });
});
