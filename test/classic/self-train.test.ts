// Self-training without labels (classic/self-train.ts, `lumen predict --self-train`): the
// pseudo-labels a probability map gives, a forest that carries a timid model's decision to the
// faint structures it left undecided, the refusals, and the CLI end to end with the bundled
// vessels-3d model on a synthetic stack (geometry kept, refused with --blocks and instance models).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { exportOnnxModel, importOnnxModel } from '../../src-shared/nn/model-file.ts';
import { pretrainedPath } from '../../src-main/pretrained.ts';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pseudoLabels, selfTrain } from '../../src-shared/classic/self-train.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { gaussian, seededRandom } from '../../src-shared/random.ts';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { synthSample } from '../../src-shared/synth/sample.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { PROJECT_ROOT } from '../shared-data.ts';
import { tempDir } from '../infer/helpers.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });
const tmp = tempDir('lumen-self-train-');
afterAll(() => tmp.remove());
const lumen = (...args: string[]) => spawnSync('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 });

function dice(pred: ArrayLike<number>, truth: Uint8Array): number {
  let tp = 0, p = 0, t = 0;
  for (let i = 0; i < truth.length; i++) { const a = pred[i]! > 0.5, b = truth[i]! > 0; if (a && b) tp++; if (a) p++; if (b) t++; }
  return (2 * tp) / Math.max(1, p + t);
}

/**
 * Bright and faint spheres on a noisy background, and what a model trained elsewhere might say:
 * sure of the bright ones (0.9), undecided on the faint ones (0.2), sure of the background (0.01).
 */
function timidScene(shape: [number, number, number]) {
  const [D, H, W] = shape;
  const rand = seededRandom(3), noise = gaussian(seededRandom(4));
  const truth = new Uint8Array(D * H * W), bright = new Uint8Array(D * H * W);
  for (let b = 0; b < 24; b++) {
    const cz = rand() * D, cy = rand() * H, cx = rand() * W, r = 2.5 + rand() * 2.5, isBright = b % 2 === 0;
    for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      if ((z - cz) ** 2 + (y - cy) ** 2 + (x - cx) ** 2 > r * r) continue;
      const i = (z * H + y) * W + x;
      truth[i] = 1;
      if (isBright) bright[i] = 1;
    }
  }
  const image = Float32Array.from(truth, (t, i) => (bright[i] ? 2 : t ? 1.3 : 0) + 0.3 * noise());
  const prob = Float32Array.from(truth, (t, i) => (bright[i] ? 0.9 : t ? 0.2 : 0.01));
  return { shape, image, truth, prob };
}

describe('self-training on the volume', () => {
  it('labels the confident voxels only, NaN left unlabeled, and refuses thresholds in the wrong order', () => {
    const { labels, positives, negatives } = pseudoLabels([0.9, 0.5, 0.3, 0.04, Number.NaN, 0.51], 0.5, 0.05);
    expect([...labels]).toEqual([2, 0, 0, 1, 0, 2]);
    expect([positives, negatives]).toEqual([2, 1]);
    expect(() => pseudoLabels([0.5], 0.05, 0.5)).toThrow(/0 ≤ negative < positive ≤ 1/);
  });

  it('carries a timid model to the faint structures it left undecided', async () => {
    const s = timidScene([16, 40, 40]);
    const before = dice(s.prob, s.truth);
    const { prob, report } = await selfTrain(runtime.factory, { shape: s.shape, channels: 1, image: s.image }, s.prob);
    const after = dice(prob, s.truth);
    expect(report.positives).toBeGreaterThan(0);
    expect(before).toBeLessThan(0.8);          // the faint half is missed
    expect(after).toBeGreaterThan(0.9);
    expect(after).toBeGreaterThan(before + 0.15);
  });

  it('refuses a map with nothing confident on one side, as a LumenError naming the reason', async () => {
    const s = timidScene([8, 24, 24]);
    const err = await selfTrain(runtime.factory, { shape: s.shape, channels: 1, image: s.image }, new Float32Array(s.truth.length).fill(0.01)).catch((e) => e);
    expect(isLumenError(err, 'bad-input')).toBe(true);
    expect(err.message).toMatch(/finds almost nothing/);
    const wrong = await selfTrain(runtime.factory, { shape: s.shape, channels: 1, image: s.image }, new Float32Array(5)).catch((e) => e);
    expect(isLumenError(wrong, 'shape-mismatch')).toBe(true);
  });
});

describe('lumen predict --self-train', () => {
  const sample = synthSample('vessels-random', [12, 64, 64], 11);
  const geometry = { spacing: [3, 0.8, 0.8] as [number, number, number], unit: 'um' as const };
  const u8 = Uint8Array.from(sample.image, (v) => Math.round(v * 255));

  it('writes labels of the input geometry and says what it learned from', async () => {
    await writeVolume(tmp.path('stack.tif'), makeVolume([12, 64, 64, 1], 'uint8', u8, geometry));
    const r = lumen('predict', '--model', 'vessels-3d', '--image', tmp.path('stack.tif'), '--out', tmp.path('st.tif'), '--self-train', '--out-scale', '255', '--temp-dir', tmp.path('.'));
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    expect(r.stderr).not.toMatch(/note:/); // a bundled synthetic model is what self-training is for
    expect(r.status).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(line.selfTrained).toBe(true);
    expect(line.pseudoLabels.structure).toBeGreaterThan(0);
    expect(line.pseudoLabels.background).toBeGreaterThan(0);
    const out = await readVolume(tmp.path('st.tif'));
    expect(out.shape).toEqual([12, 64, 64, 1]);
    expect(out.geometry.spacing).toEqual([3, 0.8, 0.8]);
    expect(new Set(out.data as Uint8Array)).toEqual(new Set([0, 255]));
    expect(dice(Uint8Array.from(out.data as Uint8Array, (v) => v / 255), sample.label)).toBeGreaterThan(0.5);
    // the temporary probabilities are gone
    expect(spawnSync('ls', [tmp.path('.')], { encoding: 'utf8' }).stdout).not.toMatch(/lumen-self-train-/);
  });

  it('notes, and still runs, when the model was trained on labels', () => {
    const bundled = importOnnxModel(new Uint8Array(readFileSync(pretrainedPath('vessels-3d'))));
    writeFileSync(tmp.path('tuned.onnx'), exportOnnxModel({ ...bundled, provenance: { strategy: 'finetune', steps: 200 } }, bundled.inputShape));
    const r = lumen('predict', '--model', tmp.path('tuned.onnx'), '--image', tmp.path('stack.tif'), '--out', tmp.path('tuned-st.tif'), '--self-train');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^lumen predict: note: this model was trained on labels \(strategy finetune\);.*compare with a plain prediction\.$/m);
  });

  it('is refused with --blocks and with an instance model, in one line', () => {
    const blocks = lumen('predict', '--model', 'vessels-3d', '--image', tmp.path('stack.tif'), '--out', tmp.path('o.zarr'), '--blocks', 'init', '--self-train');
    expect(blocks.status).toBe(1);
    expect(blocks.stderr.trim()).toMatch(/--self-train needs the whole volume at once, so it does not combine with --blocks$/);
    const star = lumen('predict', '--model', 'nuclei-2d', '--image', tmp.path('stack.tif'), '--out', tmp.path('o.tif'), '--self-train');
    expect(star.status).toBe(1);
    expect(star.stderr.trim()).toMatch(/--self-train adapts a model that segments classes; this one finds objects$/);
  });
});
