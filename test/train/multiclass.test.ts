// Multi-class training end to end: the class contract (classes.ts) from painted label values to
// class-index targets, softmax networks trained by the strategies, and the user's values back out.
import { describe, it, expect } from 'vitest';
import { STRATEGIES } from '../../src-shared/train/strategies/index.ts';
import { withPseudoLabels, PSEUDO_LABEL_WEIGHT } from '../../src-shared/train/strategies/pseudo-label.ts';
import { modelSlices2d } from '../../src-shared/train/strategies/networks.ts';
import { labelsToTargets } from '../../src-shared/train/labels-to-targets.ts';
import { fit, scoreValidation } from '../../src-shared/train/fit.ts';
import { classesOf, holdOut, volumeSource, type LabeledVolume } from '../../src-shared/train/dataset.ts';
import { outputChannels } from '../../src-shared/train/classes.ts';
import type { ModelFile } from '../../src-shared/nn/model-file.ts';
import { slidingWindowPredict, unetPatchModel, probabilitiesToLabels } from '../../src-shared/infer/index.ts';
import { planarToVolume } from '../../src-shared/train/volume-convert.ts';
import { classScores } from '../../src-shared/eval/metrics.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';
import { createRuntime } from '../../src-main/runtime.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });

/**
 * Bright discs (value 2) and dark squares (value 5) on a mid-grey noisy background (1), in every
 * z-slice at shifting places: contrast 1, noise σ 0.25 (CNR 4). `labeledZ`: the slices painted
 * (all when absent); `truth` holds every voxel's class value.
 */
export function threeClassVolume(shape: [number, number, number], labeledZ?: number[], seed = 1): LabeledVolume & { truth: Uint8Array } {
  const [D, H, W] = shape;
  const rand = seededRandom(seed);
  const image = new Float32Array(D * H * W), labels = new Uint8Array(D * H * W), truth = new Uint8Array(D * H * W);
  for (let z = 0; z < D; z++) {
    const objects = Array.from({ length: Math.max(2, Math.round((H * W) / 400)) }, (_, k) => ({
      y: 6 + rand() * (H - 12), x: 6 + rand() * (W - 12), r: 3 + rand() * 2.5, value: k % 2 === 0 ? 2 : 5,
    }));
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      let v = 1;
      for (const o of objects) {
        const inside = o.value === 2 ? (y - o.y) ** 2 + (x - o.x) ** 2 <= o.r ** 2 : Math.abs(y - o.y) <= o.r && Math.abs(x - o.x) <= o.r;
        if (inside) v = o.value;
      }
      const i = (z * H + y) * W + x;
      truth[i] = v;
      image[i] = (v === 2 ? 1 : v === 5 ? -1 : 0) + 0.25 * (2 * rand() - 1) * Math.sqrt(3);
      if (!labeledZ || labeledZ.includes(z)) labels[i] = v;
    }
  }
  return { shape, channels: 1, image, labels, truth };
}

/** The whole volume through the model, as label values, scored per class against the truth. */
async function scoreModel(model: ModelFile, v: LabeledVolume & { truth: Uint8Array }, onlyZ?: number[]) {
  const prob = await slidingWindowPredict(unetPatchModel(runtime.factory, model), planarToVolume(v.image, v.shape, v.channels), { patch: model.config.dims === 3 ? [8, 64, 64] : [1, 64, 64], normalize: 'none' });
  const labels = probabilitiesToLabels(prob.data as Float32Array, prob.shape[3], { classValues: model.classes });
  const plane = v.shape[1] * v.shape[2];
  const mask = onlyZ ? Uint8Array.from(labels, (_, i) => (onlyZ.includes(Math.floor(i / plane)) ? 1 : 0)) : undefined;
  return { labels, scores: classScores(labels, v.truth, [2, 5], mask) };
}

describe('class-index targets', () => {
  it('binary labels give the targets they always gave; several classes give their index, unknown values count as unlabeled', () => {
    const labels = Uint8Array.of(0, 1, 2, 2, 1, 0);
    expect(labelsToTargets(labels, [1, 2], 3)).toEqual({ target: Float32Array.of(0, 0, 1, 1, 0, 0), weight: Float32Array.of(0, 1, 3, 3, 1, 0) });
    const multi = labelsToTargets(Uint8Array.of(0, 1, 2, 5, 3, 9), [1, 2, 3, 5]);
    expect([...multi.target]).toEqual([0, 0, 1, 3, 2, 0]);
    expect([...multi.weight]).toEqual([0, 1, 1, 1, 1, 0]);
  });

  it('validation Dice: argmax against the index on weighted voxels, mean over classes ≥ 1 present', () => {
    // one sample, 3 channels × 4 voxels (planar): predictions 0, 1, 2, 1; targets 0, 1, 2, 2
    const prob = Float32Array.of(0.8, 0.1, 0.1, 0.1, /**/ 0.1, 0.8, 0.1, 0.6, /**/ 0.1, 0.1, 0.8, 0.3);
    const r = scoreValidation(prob, Float32Array.of(0, 1, 2, 2), Float32Array.of(1, 1, 1, 1), 3, 1);
    expect(r.perClass![0]).toBeNull();
    expect(r.perClass![1]).toBeCloseTo(2 / 3, 6); // tp 1, fp 1
    expect(r.perClass![2]).toBeCloseTo(2 / 3, 6); // tp 1, fn 1
    expect(r.dice).toBeCloseTo(2 / 3, 6);
    // the voxel of class 2 unweighted: class 2 is absent from the held-out voxels and skipped
    const skip = scoreValidation(prob, Float32Array.of(0, 1, 2, 1), Float32Array.of(1, 1, 0, 1), 3, 1);
    expect(skip.perClass![2]).toBeNull();
    expect(skip.dice).toBe(1);
  });

  it('multi-class pseudo-labels: the most probable class, weighted by λ·rescaled confidence', () => {
    const src = { shape: [1, 1, 3] as [number, number, number], image: new Float32Array(3), target: Float32Array.of(2, 0, 0), weight: Float32Array.of(1, 0, 0) };
    // channel-last, 3 classes: voxel 1 confidently class 1, voxel 2 undecided
    const r = withPseudoLabels(src, Float32Array.of(0, 0, 1, /**/ 0.1, 0.9, 0, /**/ 1 / 3, 1 / 3, 1 / 3), 3);
    expect([...r.target]).toEqual([2, 1, 0]);
    expect(r.weight[0]).toBe(1);
    expect(r.weight[1]).toBeCloseTo(PSEUDO_LABEL_WEIGHT * (0.9 - 1 / 3) / (2 / 3), 6);
    expect(r.weight[2]).toBeCloseTo(0, 6);
  });
});

describe('multi-class training (softmax U-Nets)', () => {
  it('fit, 2D: a lean softmax U-Net on one painted image segments another image of the kind, mean Dice ≥ 0.9', async () => {
    // 128² image, 64² patches: crops keep a network from memorising one image (a 64² image as one patch did)
    const v = threeClassVolume([1, 128, 128], undefined, 3);
    const classes = classesOf([v]);
    expect(classes).toEqual([1, 2, 5]);
    const config = { ...modelSlices2d(1, outputChannels(classes)) };
    expect(config.outChannels).toBe(3);
    const split = holdOut(volumeSource(v, 1, classes), 0.15);
    const r = await fit(runtime.factory, { model: config, train: [split.train], validation: [split.validation], patch: [1, 64, 64], batch: 4, steps: 100, seed: 1, augment: { flipZ: false } });
    expect(r.bestValidationPerClass).toHaveLength(3);
    const { labels, scores } = await scoreModel({ config, params: r.params, classes, provenance: {} }, threeClassVolume([1, 64, 64], undefined, 9));
    expect(new Set(labels)).toEqual(new Set([1, 2, 5]));
    expect(scores.meanDice).toBeGreaterThanOrEqual(0.9);
  });

  it('scratch, 3D with dense labels: a 3D softmax network reaches mean Dice ≥ 0.9', async () => {
    const v = threeClassVolume([8, 32, 32], undefined, 5);
    const r = await STRATEGIES.scratch!([v], { effort: 0.12, seed: 1 }, { factory: runtime.factory });
    expect(r.model.config.dims).toBe(3);
    expect(r.model.config.outChannels).toBe(3);
    const { scores } = await scoreModel(r.model, v);
    expect(scores.meanDice).toBeGreaterThanOrEqual(0.9);
  });

  it('fine-tuning a binary model on three classes starts a new head and keeps the rest', async () => {
    const binary = threeClassVolume([1, 32, 32], undefined, 6);
    binary.labels = binary.labels.map((l) => (l === 5 ? 1 : l));
    const pretrained = (await STRATEGIES.scratch!([binary], { effort: 0.04, seed: 1 }, { factory: runtime.factory })).model;
    expect(pretrained.config.outChannels).toBe(1);
    const r = await STRATEGIES['finetune-frozen-middle']!([threeClassVolume([1, 32, 32], undefined, 7)], { effort: 0.04, seed: 1, pretrained }, { factory: runtime.factory });
    expect(r.model.config.outChannels).toBe(3);
    expect(r.model.params.get('head.weight')!.length).toBe(3 * pretrained.params.get('head.weight')!.length);
    expect(r.model.params.get('enc.1.conv1.weight')).toEqual(pretrained.params.get('enc.1.conv1.weight')); // frozen middle: taken over
  });
});
