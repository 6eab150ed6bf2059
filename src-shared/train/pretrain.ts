// Pre-training on synthetic data (Paetzold, Schoppe et al.): a pool of generated samples with
// exact labels, trained like any labeled data. The recipes name the models Lumen ships; each is
// reproducible from its seed.
import type { UNetConfig } from '../nn/unet.ts';
import type { SessionFactory } from '../nn/session.ts';
import type { ModelFile } from '../nn/model-file.ts';
import { synthSample, type SynthKind } from '../synth/index.ts';
import { zscore } from './normalize.ts';
import { fit, type FitResult } from './fit.ts';
import { holdOut, type LabeledVolume } from './dataset.ts';
import { labelsToTargets } from './labels-to-targets.ts';
import { model2d, modelAnisotropic3d, modelSlices2d } from './strategies/networks.ts';

export interface PretrainRecipe {
  name: string;
  description: string;
  kind: SynthKind;
  /** z, y, x of each generated sample */
  sampleShape: [number, number, number];
  samples: number;
  model: UNetConfig;
  patch: [number, number, number];
  batch: number;
  steps: number;
}

export const PRETRAIN_RECIPES: PretrainRecipe[] = [
  {
    name: 'vessels-2d-fundus', description: '2D U-Net, RGB fundus-like synthetic vessels (for DRIVE-like photographs)',
    kind: 'fundus', sampleShape: [1, 584, 565], samples: 24, model: model2d(3), patch: [1, 128, 128], batch: 4, steps: 1500,
  },
  {
    name: 'vessels-2d-2p', description: '2D U-Net, single-channel two-photon-like vessel slices (the 2D phase of sparse-slice training)',
    kind: 'vessels-2p', sampleShape: [16, 256, 256], samples: 16, model: model2d(1), patch: [1, 128, 128], batch: 4, steps: 1500,
  },
  {
    name: 'vessels-3d-2p', description: '3D U-Net with full z resolution, two-photon-like vessel stacks',
    kind: 'vessels-2p', sampleShape: [16, 128, 128], samples: 16, model: modelAnisotropic3d(1), patch: [8, 96, 96], batch: 2, steps: 1200,
  },
  {
    name: 'vessels-3d', description: '3D U-Net with full z resolution, domain-randomised fluorescence vessel stacks (any microscope; zero-shot and fine-tuning start)',
    kind: 'vessels-random', sampleShape: [16, 128, 128], samples: 48, model: modelAnisotropic3d(1), patch: [8, 96, 96], batch: 2, steps: 1500,
  },
  {
    name: 'vessels-2d', description: 'the 2D network of labeled slices (8-16-32-64), single-channel z-slices of the same domain-randomised vessel stacks as vessels-3d (fine-tuning start for a few painted slices)',
    kind: 'vessels-random', sampleShape: [16, 128, 128], samples: 48, model: modelSlices2d(1), patch: [1, 128, 128], batch: 4, steps: 1500,
  },
];

/** A generated sample as labeled data: z-scored channels, labels 1/2 (0 outside a fundus FOV). */
export function synthLabeledVolume(kind: SynthKind, shape: [number, number, number], seed: number): LabeledVolume {
  const s = synthSample(kind, shape, seed);
  const n = s.shape[0] * s.shape[1] * s.shape[2];
  const image = new Float32Array(n * s.channels);
  for (let c = 0; c < s.channels; c++) image.set(zscore(s.image.subarray(c * n, (c + 1) * n)), c * n);
  const labels = Uint8Array.from(s.label, (l, i) => (s.fov && !s.fov[i] ? 0 : l ? 2 : 1));
  return { shape: [s.shape[0], s.shape[1], s.shape[2]], channels: s.channels, image, labels };
}

export async function pretrain(recipe: PretrainRecipe, factory: SessionFactory, o: { seed?: number; steps?: number; samples?: number; onStep?: (step: number, steps: number, loss: number) => void; onEval?: (step: number, dice: number) => void; deadline?: number } = {}): Promise<ModelFile & { fit: FitResult }> {
  const seed = o.seed ?? 1;
  const samples = o.samples ?? recipe.samples;
  const pool = Array.from({ length: samples }, (_, i) => synthLabeledVolume(recipe.kind, recipe.sampleShape, seed * 1000 + i));
  const split = pool.map((v) => holdOut({ shape: v.shape, channels: v.channels, image: v.image, ...labelsToTargets(v.labels) }, 0.1));
  const steps = o.steps ?? recipe.steps;
  const r = await fit(factory, {
    model: recipe.model, train: split.map((s) => s.train), validation: split.map((s) => s.validation), patch: recipe.patch,
    batch: recipe.batch, steps, lr: 3e-3, seed, augment: { flipZ: recipe.model.dims === 3 }, stopPatience: 8, deadline: o.deadline,
    onStep: (step, loss) => o.onStep?.(step, steps, loss), onEval: o.onEval,
  });
  return {
    config: recipe.model, params: r.params, fit: r,
    provenance: { strategy: 'synthetic-pretrain', recipe: recipe.name, kind: recipe.kind, samples, sampleShape: recipe.sampleShape, steps: r.steps, seed, validationDice: r.bestValidationDice },
  };
}

/** A Deep Weight Prior Lumen ships: a VAE per layer group over the kernels of shipped models. */
export interface PriorRecipe {
  name: string;
  description: string;
  /** names of shipped models whose kernels the prior learns */
  sources: string[];
  /** 9 (3×3 kernels) or 27 (3×3×3) */
  size: 9 | 27;
  steps: number;
}

export const PRIOR_RECIPES: PriorRecipe[] = [
  {
    name: 'vessels-2d-prior', description: 'Deep Weight Prior over the 3×3 kernels of the synthetic 2D vessel models (for the dwp strategy on 2D images)',
    sources: ['vessels-2d-fundus'], size: 9, steps: 3000,
  },
];
