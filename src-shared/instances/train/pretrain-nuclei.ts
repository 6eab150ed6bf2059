// The bundled nuclei models (resources/models/nuclei-2d.onnx, nuclei-3d.onnx): StarDist networks
// trained on synthetic fluorescence nuclei only (synth/nuclei-image.ts), with the imaging drawn
// afresh for every image over wide ranges (size, crowding, elongation, contrast-to-noise, blur,
// brightness spread, texture) so the network learns what a nucleus is, not one microscope.
// Thresholds are tuned on one more synthetic image; users' objects then fine-tune it
// (train-instances.ts), or a network from scratch wins on their held-out objects.
import type { SessionFactory } from '../../nn/session.ts';
import type { ModelFile } from '../../nn/model-file.ts';
import { fit } from '../../train/fit.ts';
import { seededRandom } from '../../random.ts';
import { Rng } from '../../synth/rng.ts';
import { nucleiImage, type NucleiImage } from '../../synth/nuclei-image.ts';
import { starPatchSource } from './star-source.ts';
import { defaultDecoding, decodingRays } from './decoding.ts';
import { instanceModelConfig } from './train-instances.ts';
import { normaliseChannels, starOutputs } from './predict-instances.ts';
import { optimiseThresholds } from './thresholds.ts';

export interface NucleiRecipe { name: string; dims: 2 | 3; shape: [number, number, number]; spacing: [number, number, number]; samples: number; steps: number }

export const NUCLEI_RECIPES: NucleiRecipe[] = [
  { name: 'nuclei-2d', dims: 2, shape: [1, 192, 192], spacing: [1, 1, 1], samples: 12, steps: 1500 },
  // confocal-like stacks: z steps twice the pixel size
  { name: 'nuclei-3d', dims: 3, shape: [24, 96, 96], spacing: [2, 1, 1], samples: 6, steps: 800 },
];

/** One synthetic image with its imaging drawn from the randomisation ranges. */
export function randomNucleiImage(r: NucleiRecipe, seed: number): NucleiImage {
  const rand = seededRandom(seed);
  const rng = new Rng(rand);
  const radius = rng.uniform(3, r.dims === 2 ? 12 : 8);
  const [Z, Y, X] = r.shape;
  const volume = (Z - 1) * r.spacing[0] * Y * X;
  const each = r.dims === 2 ? Math.PI * radius * radius : (4 / 3) * Math.PI * radius ** 3;
  return nucleiImage(r.dims, r.shape, {
    spacing: r.spacing, radius: [radius * 0.75, radius * 1.25], count: Math.ceil((r.dims === 2 ? Y * X : volume) / each * rng.uniform(0.3, 0.8)),
    minSeparation: rng.uniform(0.7, 1), elongation: rng.uniform(1, 2), roughness: rng.uniform(0.03, 0.15), cnr: rng.logUniform(2, 12),
    psf: [rng.uniform(0.8, 2), rng.uniform(0.4, 1.5), rng.uniform(0.4, 1.5)], brightnessSpread: rng.uniform(0.1, 0.45),
    backgroundVariation: rng.uniform(0, 0.4), texture: rng.uniform(0, 0.35),
  }, rand);
}

export async function pretrainNuclei(factory: SessionFactory, r: NucleiRecipe, opts: { steps?: number; samples?: number; seed?: number;
  onStep?: (step: number, steps: number, loss: number) => void } = {}): Promise<{ model: ModelFile; validationF1: number; steps: number }> {
  const seed = opts.seed ?? 1;
  const decoding = defaultDecoding(r.dims, r.spacing);
  const rays = decodingRays(decoding);
  const config = instanceModelConfig(r.dims, 1, decoding);
  const source = (img: NucleiImage) => starPatchSource({ image: normaliseChannels(img.image, 1), channels: 1, shape: r.shape, instances: img.instances }, rays);
  const train = Array.from({ length: opts.samples ?? r.samples }, (_, i) => source(randomNucleiImage(r, seed * 1000 + i)));
  const held = randomNucleiImage(r, seed * 1000 + 999);
  const steps = opts.steps ?? r.steps;
  const result = await fit(factory, {
    model: config, train, validation: [source(held)], patch: r.dims === 2 ? [1, 128, 128] : [16, 64, 64], batch: r.dims === 2 ? 4 : 2,
    steps, lr: 3e-3, seed, stopPatience: 8,
    augment: r.dims === 2 ? { flipZ: false } : { flips: false, rotations: false },
    onStep: (step, loss) => opts.onStep?.(step, steps, loss),
  });
  const model: ModelFile = { config, params: result.params, provenance: { strategy: 'pretrain-synthetic-nuclei', recipe: r.name, steps: result.steps, samples: train.length, seed }, instances: decoding };
  const out = await starOutputs(factory, model, normaliseChannels(held.image, 1), 1, r.shape);
  const choice = optimiseThresholds(out, r.shape, decoding, held.instances, new Uint8Array(held.instances.length).fill(1));
  model.instances = { ...decoding, probThreshold: choice.probThreshold, nmsThreshold: choice.nmsThreshold };
  model.provenance = { ...model.provenance, syntheticValidationF1: +choice.f1.toFixed(3) };
  return { model, validationF1: choice.f1, steps: result.steps };
}
