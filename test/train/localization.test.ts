import { describe, it, expect } from 'vitest';
import { simulateClicks, clickHeatmap, localizationPretrain } from '../../src-shared/train/strategies/localization.ts';
import type { LabeledVolume } from '../../src-shared/train/dataset.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';
import { createRuntime } from '../../src-main/runtime.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });

function discs(seed: number): LabeledVolume {
  const [H, W] = [64, 64];
  const rand = seededRandom(seed);
  const image = new Float32Array(H * W), labels = new Uint8Array(H * W);
  const centres = [[16, 20], [44, 40], [20, 50]];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const inside = centres.some(([cy, cx]) => (y - cy!) ** 2 + (x - cx!) ** 2 < 36);
    image[y * W + x] = (inside ? 1 : 0) + 0.3 * rand();
    labels[y * W + x] = inside ? 2 : 1;
  }
  return { shape: [1, H, W], channels: 1, image, labels };
}

describe('localization pre-training', () => {
  it('simulated clicks land on foreground, deterministically', () => {
    const v = discs(1);
    const [units, again] = [simulateClicks([v], 25, 3), simulateClicks([v], 25, 3)];
    expect(units[0]!.points).toHaveLength(25);
    expect(units).toEqual(again);
    for (const [z, y, x] of units[0]!.points) expect(v.labels[(z * 64 + y) * 64 + x]).toBe(2);
  });

  it('click heatmaps peak at 1 on the click and fall off as a Gaussian', () => {
    const h = clickHeatmap({ shape: [1, 32, 32], channels: 1, image: new Float32Array(1024), points: [[0, 10, 12]] }, 2);
    expect(h.target[10 * 32 + 12]).toBe(1);
    expect(h.target[10 * 32 + 14]).toBeCloseTo(Math.exp(-0.5), 6); // 2 voxels away at σ = 2
    expect(h.target[30 * 32 + 30]).toBe(0);
    expect(h.weight.every((w) => w === 1)).toBe(true);
  });

  it('the encoder learns the clicks (heatmap loss falls), then the decoder trains on masks', async () => {
    const phases = new Set<string>();
    const r = await localizationPretrain([discs(2)], { effort: 0.15, seed: 1 }, { factory: runtime.factory, progress: (p) => phases.add(p.phase) });
    expect([...phases]).toEqual(['encoder localization pre-training', 'localization-pretrain (2D)']);
    expect(r.report.lastLocalizationLoss as number).toBeLessThan(r.report.firstLocalizationLoss as number);
    expect(r.model.provenance.clicks).toBe(40);
    expect([...r.model.params.keys()].some((k) => k.startsWith('loc.'))).toBe(false);
    expect(r.model.params.has('dec.0.conv1.weight')).toBe(true);
  });
});
