// Fine-tuning the bundled nuclei-2d model (trained on synthetic nuclei only) on a user's objects,
// and `auto` choosing between it and a network from scratch by the held-out objects.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { trainInstances, predictInstancesWith } from '../../src-shared/instances/train/index.ts';
import { importOnnxModel, type ModelFile } from '../../src-shared/nn/model-file.ts';
import { nucleiImage } from '../../src-shared/synth/nuclei-image.ts';
import { seededRandom } from '../../src-shared/random.ts';
import { evaluateInstances } from '../../src-shared/eval/instance-matching.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { PROJECT_ROOT } from '../shared-data.ts';

const BUNDLED = resolve(PROJECT_ROOT, 'resources/models/nuclei-2d.onnx');
const H = 96, W = 96;
const { factory } = createRuntime({ device: 'cpu' });
let pretrained: ModelFile;
// a "user's" image unlike the pretraining draws in one respect: bigger, brighter-spread nuclei at CNR 4
const user = nucleiImage(2, [1, H, W], { count: 30, radius: [5, 8], cnr: 4, brightnessSpread: 0.35 }, seededRandom(21));
const f1 = (labels: ArrayLike<number>) => evaluateInstances(user.instances, labels, [1, H, W], { thresholds: [0.5] }).perThreshold[0]!.f1;

beforeAll(() => {
  expect(existsSync(BUNDLED)).toBe(true);
  pretrained = importOnnxModel(readFileSync(BUNDLED));
});

describe('the bundled nuclei-2d model', () => {
  it('is an instance model with its rays and tuned thresholds, and finds nuclei it has never seen without training', async () => {
    expect(pretrained.config.starRays).toBe(32);
    expect(pretrained.instances!.dims).toBe(2);
    const p = await predictInstancesWith(factory, pretrained, user.image, 1, [1, H, W]);
    expect(f1(p.labels)).toBeGreaterThan(0.6);
  });

  it('auto fine-tunes it and trains from scratch, and keeps the one better on held-out objects', async () => {
    const r = await trainInstances(factory, { image: user.image, channels: 1, shape: [1, H, W], instances: user.instances }, { pretrained, steps: 10, seed: 1 });
    expect(r.report.alternative).toBeDefined();
    expect(r.report.validationF1).toBeGreaterThanOrEqual(r.report.alternative!.validationF1);
    // at this budget the pretrained start wins: transfer pays when labels and time are short
    expect(r.report.mode).toBe('finetune');
    expect(r.report.validationObjects).toBeGreaterThanOrEqual(3);
  });

  it('an RGB image cannot start from the one-channel model: auto trains from scratch and says why', async () => {
    const rgb = new Float32Array(3 * H * W);
    for (let c = 0; c < 3; c++) rgb.set(user.image, c * H * W);
    const warnings: string[] = [];
    const r = await trainInstances(factory, { image: rgb, channels: 3, shape: [1, H, W], instances: user.instances }, { pretrained, steps: 4, onWarning: (m) => warnings.push(m) });
    expect(r.report.mode).toBe('scratch');
    expect(warnings.join(' ')).toMatch(/1-channel images; this image has 3: training from scratch only/);
    await expect(trainInstances(factory, { image: rgb, channels: 3, shape: [1, H, W], instances: user.instances }, { pretrained, mode: 'finetune', steps: 4 }))
      .rejects.toThrow(/1-channel images/);
  });
});
