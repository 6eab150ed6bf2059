// The engine learns real data: a 3D U-Net overfits one VesselNN crop (two-photon, mouse brain
// vessels). The stack has 15 slices; the 16th slice of the 16×64×64 patch repeats the last one and
// carries zero loss weight, and Dice is scored on the 15 real slices only.
import { describe, it, expect } from 'vitest';
import { readVolume } from '../../src-shared/io/index.ts';
import { Trainer } from '../../src-shared/nn/trainer.ts';
import { predictWhole } from '../../src-shared/infer/predict-whole.ts';
import { binaryScores } from '../../src-shared/eval/metrics.ts';
import { zscore } from '../../src-shared/train/normalize.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { dataPath } from '../shared-data.ts';

describe('overfitting one real patch', () => {
  it('a 3D U-Net drives BCE+Dice down ≥ 90% in 200 steps and reaches Dice ≥ 0.95 on the crop', { timeout: 600_000 }, async () => {
    const img = await readVolume(dataPath('vesselnn/burgess2014_tgMouse_image.tif'));
    const lab = await readVolume(dataPath('vesselnn/burgess2014_tgMouse_labels.tif'));
    const [depth, height, width] = img.shape;
    const [y0, x0, D, S] = [352, 224, 16, 64];
    const n = D * S * S;
    const raw = new Float32Array(n), target = new Float32Array(n), weight = new Float32Array(n);
    for (let z = 0; z < D; z++) {
      const src = Math.min(z, depth - 1);
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
        const k = (z * S + y) * S + x, s = (src * height + y0 + y) * width + x0 + x;
        raw[k] = img.data[s]!;
        target[k] = lab.data[s]! > 0 ? 1 : 0;
        weight[k] = z < depth ? 1 : 0;
      }
    }
    const foreground = target.reduce((a, b) => a + b, 0) / n;
    expect(foreground).toBeGreaterThan(0.1); // a crop with real vessels in it

    const runtime = createRuntime({ device: 'cpu', threads: 2 });
    const model = { dims: 3 as const, inChannels: 1, outChannels: 1, channels: [8, 16, 32], norm: 'instance' as const };
    const shape = [1, 1, D, S, S];
    const trainer = await Trainer.create({ model, batchShape: shape, loss: 'bce+dice', optimizer: { kind: 'adam' }, seed: 1 }, runtime.factory);
    const image = zscore(raw);
    const losses: number[] = [];
    for (let i = 0; i < 200; i++) losses.push(await trainer.step({ image, target, weight }, 3e-3));
    expect(losses.at(-1)!).toBeLessThan(0.1 * losses[0]!);

    const prob = await predictWhole(runtime.factory, model, trainer.parameters(), image, shape);
    const real = depth * S * S;
    const scores = binaryScores(prob.subarray(0, real).map((p) => (p > 0.5 ? 1 : 0)), target.subarray(0, real));
    expect(scores.dice).toBeGreaterThanOrEqual(0.95);
    console.log(JSON.stringify({ test: 'overfit-real', firstLoss: losses[0], lastLoss: losses.at(-1), drop: 1 - losses.at(-1)! / losses[0]!, dice: scores.dice }));
    await trainer.release();
  });
});
