// The Deep Weight Prior (Atanov et al. 2019; Kuzina, Egorov, Burnaev 2019 for segmentation):
// 1. fitWeightPrior: a VAE per layer group, fitted to the kernels of source models;
// 2. weightPriorExtension: the target network trains variationally, w = μ + softplus(ρ)·ε, with
//    loss = data loss + β·KL(q(w) ‖ p(w)), where the implicit prior's log-density is bounded through
//    the VAE: −log p(w) ≤ −log p(w|z) − log p(z) + log r(z|w), z ~ r(z|w), and −H[q] = −Σ log σ + c.
// Everything is standard ONNX ops inside the one training-step graph.
import { Graph, type Value, numel } from '../../nn/graph.ts';
import * as op from '../../nn/ops.ts';
import type { ParamScope, ParamSpec } from '../../nn/params.ts';
import { gaussian, seededRandom } from '../../nn/params.ts';
import { GraphTrainer } from '../../nn/graph-trainer.ts';
import type { SessionFactory } from '../../nn/session.ts';
import type { TrainerExtension } from '../../nn/trainer.ts';
import { encodeTensors, decodeTensors } from '../../nn/checkpoint.ts';
import { LumenError } from '../../errors.ts';
import { collectKernels, kernelGroup } from './kernels.ts';
import { LATENT, kernelNegativeElbo, vaeObjective } from './vae.ts';

export interface WeightPrior {
  /** kernel size the VAEs model: 9 (3×3) or 27 (3×3×3) */
  size: number;
  /** layer group → VAE parameters */
  groups: Map<string, Map<string, Float32Array>>;
}

export interface FitPriorOptions { steps?: number; batch?: number; lr?: number; seed?: number; onStep?: (group: string, step: number, steps: number, loss: number) => void }

export async function fitWeightPrior(sources: { params: Map<string, Float32Array> }[], size: number, factory: SessionFactory,
  o: FitPriorOptions = {}): Promise<WeightPrior & { losses: Map<string, number[]> }> {
  const kernels = collectKernels(sources, size);
  if (kernels.size === 0) throw new LumenError('bad-input', `the source models have no ${size === 9 ? '3×3' : '3×3×3'} kernels to learn a prior from`);
  const batch = o.batch ?? 256, steps = o.steps ?? 400;
  const rand = seededRandom(o.seed ?? 0), normal = gaussian(rand);
  const groups = new Map<string, Map<string, Float32Array>>();
  const losses = new Map<string, number[]>();
  for (const [group, set] of kernels) {
    const trainer = await GraphTrainer.create({ objective: vaeObjective(size, batch), optimizer: { kind: 'adam' }, seed: o.seed ?? 0 }, factory);
    const history: number[] = [];
    try {
      const w = new Float32Array(batch * size), z = new Float32Array(batch * LATENT);
      for (let s = 1; s <= steps; s++) {
        for (let i = 0; i < batch; i++) w.set(set.vectors[Math.floor(rand() * set.vectors.length)]!, i * size);
        for (let i = 0; i < z.length; i++) z[i] = normal();
        const loss = await trainer.step({ kernels: w, z_noise: z }, o.lr ?? 1e-3);
        history.push(loss);
        o.onStep?.(group, s, steps, loss);
      }
      groups.set(group, trainer.parameters());
      losses.set(group, history);
    } finally {
      await trainer.release();
    }
  }
  return { size, groups, losses };
}

export function encodeWeightPrior(prior: WeightPrior): Uint8Array {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [group, params] of prior.groups) for (const [name, data] of params) tensors.set(`${group}/${name}`, { shape: [data.length], data });
  return encodeTensors(tensors, { kind: 'lumen-deep-weight-prior', size: prior.size, latent: LATENT });
}

export function decodeWeightPrior(bytes: Uint8Array): WeightPrior {
  const { tensors, meta } = decodeTensors(bytes);
  if (meta.kind !== 'lumen-deep-weight-prior') throw new LumenError('bad-input', 'this file is not a Lumen weight prior');
  const groups = new Map<string, Map<string, Float32Array>>();
  for (const [key, t] of tensors) {
    const [group, name] = key.split('/') as [string, string];
    if (!groups.has(group)) groups.set(group, new Map());
    groups.get(group)!.set(name, Float32Array.from(t.data));
  }
  return { size: Number(meta.size), groups };
}

export interface PriorExtensionOptions {
  /** weight of the KL term; 1 / (number of labeled voxels) gives the ELBO per voxel */
  beta: number;
  /** initial posterior standard deviation of every kernel weight */
  initialSigma?: number;
  seed?: number;
}

/**
 * The variational extension for a network with parameter specs `specs`: kernels of groups the
 * prior knows become q(w) = N(μ, softplus(ρ)²) under their usual names (μ) plus `NAME.rho`.
 */
export function weightPriorExtension(prior: WeightPrior, specs: ParamSpec[], o: PriorExtensionOptions): TrainerExtension {
  const normal = gaussian(seededRandom(o.seed ?? 0));
  const covered = specs.filter((s) => {
    const group = kernelGroup(s.name);
    return group && prior.groups.has(group) && numel(s.shape.slice(2)) === prior.size;
  });
  const rho0 = Math.log(Math.expm1(o.initialSigma ?? 0.01));
  const sampled = new Map<string, { w: Value; sigma: Value; group: string }>();
  return {
    prepare(g: Graph, ps: ParamScope) {
      for (const s of covered) {
        const mu = ps.param(s.name, s.shape, s.init);
        const sigma = op.softplus(g, ps.param(`${s.name}.rho`, s.shape, { kind: 'constant', value: rho0 }));
        const eps = g.input(`${s.name}.eps`, s.shape);
        const w = op.add(g, mu, op.mul(g, sigma, eps));
        ps.bind(s.name, w);
        sampled.set(s.name, { w, sigma, group: kernelGroup(s.name)! });
      }
    },
    loss(g: Graph) {
      const terms: Value[] = [];
      for (const [name, { w, sigma, group }] of sampled) {
        const vae = prior.groups.get(group)!;
        const param = (n: string, shape: number[]) => g.constant(vae.get(n)!, shape, `dwp_${n}`);
        const count = numel(w.shape) / prior.size;
        const zNoise = g.input(`${name}.z_eps`, [count, LATENT]);
        const negLogPrior = kernelNegativeElbo(g, op.reshape(g, w, [count, prior.size]), zNoise, param);
        terms.push(op.sub(g, negLogPrior, op.sumAll(g, op.log(g, sigma))));
      }
      return terms.length ? op.mul(g, terms.reduce((a, b) => op.add(g, a, b)), g.scalar(o.beta)) : undefined;
    },
    feeds() {
      const out: Record<string, Float32Array> = {};
      for (const s of covered) {
        out[`${s.name}.eps`] = Float32Array.from({ length: numel(s.shape) }, normal);
        out[`${s.name}.z_eps`] = Float32Array.from({ length: (numel(s.shape) / prior.size) * LATENT }, normal);
      }
      return out;
    },
  };
}
