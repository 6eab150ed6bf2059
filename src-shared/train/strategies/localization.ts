// Localization pre-training (Hu et al.): train the U-Net's encoder arm to find objects from point
// clicks (cheap labels, possibly on many more images than carry masks), then freeze it and train
// the decoder on the few masks. The encoder learns "what the structure looks like" from clicks.
import { fit } from '../fit.ts';
import { seededRandom } from '../../nn/params.ts';
import type { PatchSource } from '../patches.ts';
import type { LabeledVolume } from '../dataset.ts';
import type { PointUnit, Strategy } from '../strategy.ts';
import { trainOnLabels } from './scratch.ts';
import { defaultModel, patchFor } from './networks.ts';

export const CLICKS_PER_UNIT = 40;

/** Simulated clicks: random foreground voxels of the masks, as a user would click on objects. */
export function simulateClicks(data: LabeledVolume[], perUnit: number, seed: number): PointUnit[] {
  const rand = seededRandom(seed);
  return data.map((v) => {
    const fg: number[] = [];
    v.labels.forEach((l, i) => { if (l >= 2) fg.push(i); });
    const [, H, W] = v.shape;
    const points: [number, number, number][] = [];
    for (let k = 0; k < Math.min(perUnit, fg.length); k++) {
      const i = fg[Math.floor(rand() * fg.length)]!;
      points.push([Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W]);
    }
    return { shape: v.shape, channels: v.channels, image: v.image, points };
  });
}

/** Gaussian blobs (σ in voxels, in-plane; z scaled by `zSigma`) at each click, max-combined, in [0, 1]. */
export function clickHeatmap(unit: PointUnit, sigma: number, zSigma = sigma): PatchSource {
  const [D, H, W] = unit.shape;
  const target = new Float32Array(D * H * W);
  const r = Math.ceil(3 * sigma), rz = Math.ceil(3 * zSigma);
  for (const [pz, py, px] of unit.points) {
    for (let z = Math.max(0, pz - rz); z <= Math.min(D - 1, pz + rz); z++) {
      for (let y = Math.max(0, py - r); y <= Math.min(H - 1, py + r); y++) {
        for (let x = Math.max(0, px - r); x <= Math.min(W - 1, px + r); x++) {
          const v = Math.exp(-((y - py) ** 2 + (x - px) ** 2) / (2 * sigma * sigma) - (D > 1 ? (z - pz) ** 2 / (2 * zSigma * zSigma) : 0));
          const i = (z * H + y) * W + x;
          if (v > target[i]!) target[i] = v;
        }
      }
    }
  }
  return { shape: unit.shape, channels: unit.channels, image: unit.image, target, weight: new Float32Array(target.length).fill(1) };
}

export const localizationPretrain: Strategy = async (data, options, ctx) => {
  const model = defaultModel(data);
  const units = options.pointUnits ?? simulateClicks(data, CLICKS_PER_UNIT, options.seed ?? 0);
  const is2d = model.dims === 2;
  const sources = units.map((u) => clickHeatmap(u, 4, 1));
  const steps = Math.max(10, Math.round(200 * (options.effort ?? 1)));
  const pre = await fit(ctx.factory, {
    // one heatmap channel whatever the classes: only the encoder is kept
    model: { ...model, outChannels: 1 }, network: 'heatmap', loss: 'mse', train: sources, patch: patchFor(model, data, is2d ? [1, 128, 128] : [8, 96, 96]),
    batch: is2d ? 4 : 2, steps, lr: 3e-3, seed: options.seed, augment: { flipZ: !is2d }, shouldStop: ctx.shouldStop, deadline: ctx.deadline,
    onStep: (step, loss) => ctx.progress?.({ phase: 'encoder localization pre-training', step, steps, loss }),
  });
  const encoder = new Map([...pre.params].filter(([name]) => name.startsWith('enc.')));
  const result = await trainOnLabels(data, { model, init: encoder, frozen: ['enc.*'], strategy: 'localization-pretrain' }, options, ctx);
  return {
    model: { ...result.model, provenance: { ...result.model.provenance, localizationSteps: pre.steps, clickUnits: units.length, clicks: units.reduce((n, u) => n + u.points.length, 0) } },
    report: { ...result.report, ...(pre.outOfTime ? { outOfTime: true } : {}), localizationSteps: pre.steps, firstLocalizationLoss: pre.history[0]?.loss, lastLocalizationLoss: pre.history.at(-1)?.loss },
  };
};
