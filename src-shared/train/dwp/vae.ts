// A small VAE over kernel vectors (latent 6, as in Kuzina et al.): r(z|w) and p(w|z) are MLPs
// with diagonal Gaussian outputs. Built from Gemm/LeakyRelu/Exp/Slice so it trains with the
// project's own engine and its decoder can later serve as an implicit prior inside a training graph.
import type { Graph, Value } from '../../nn/graph.ts';
import * as op from '../../nn/ops.ts';
import type { ParamScope } from '../../nn/params.ts';

export const LATENT = 6;
export const HIDDEN = 32;
const LOG_2PI = Math.log(2 * Math.PI);

export interface VaeParams { size: number; params: Map<string, Float32Array> }

type Param = (name: string, shape: number[]) => Value;

function mlp(g: Graph, x: Value, param: Param, prefix: string, outDim: number): Value {
  const inDim = x.shape[1]!;
  const h = op.leakyRelu(g, op.gemm(g, x, param(`${prefix}.fc1.weight`, [inDim, HIDDEN]), param(`${prefix}.fc1.bias`, [HIDDEN])), 0.1);
  return op.gemm(g, h, param(`${prefix}.fc2.weight`, [HIDDEN, outDim]), param(`${prefix}.fc2.bias`, [outDim]));
}

/** Split [n, 2d] into mean and log-variance [n, d] each (log-variance clipped by a tanh for stability). */
function gaussianHead(g: Graph, out: Value, d: number): { mean: Value; logVar: Value } {
  const mean = op.slice(g, out, [1], [0], [d]);
  const raw = op.slice(g, out, [1], [d], [2 * d]);
  const logVar = op.mul(g, op.tanh(g, raw), g.scalar(8));
  return { mean, logVar };
}

/** Σ over rows and columns of log N(x; mean, exp(logVar)). */
export function gaussianLogDensity(g: Graph, x: Value, mean: Value, logVar: Value): Value {
  const d = op.sub(g, x, mean);
  const quad = op.div(g, op.mul(g, d, d), op.exp(g, logVar));
  const perElement = op.add(g, op.add(g, quad, logVar), g.scalar(LOG_2PI));
  return op.mul(g, op.sumAll(g, perElement), g.scalar(-0.5));
}

/**
 * Per kernel: −log p(w|z) − log p(z) + log r(z|w) at a reparameterised z ~ r(z|w). Averaged over
 * kernels this is the negative ELBO when training the VAE, and its sum is the bound on −log p(w)
 * that the Deep Weight Prior uses inside the target network's loss.
 */
export function kernelNegativeElbo(g: Graph, w: Value, zNoise: Value, param: Param): Value {
  const enc = gaussianHead(g, mlp(g, w, param, 'encoder', 2 * LATENT), LATENT);
  const z = op.add(g, enc.mean, op.mul(g, op.exp(g, op.mul(g, enc.logVar, g.scalar(0.5))), zNoise));
  const dec = gaussianHead(g, mlp(g, z, param, 'decoder', 2 * w.shape[1]!), w.shape[1]!);
  const zeros = g.constant(new Float32Array(z.shape[0]! * LATENT), z.shape);
  const logPw = gaussianLogDensity(g, w, dec.mean, dec.logVar);
  const logPz = gaussianLogDensity(g, z, zeros, zeros);
  const logRz = gaussianLogDensity(g, z, enc.mean, enc.logVar);
  return op.sub(g, logRz, op.add(g, logPw, logPz));
}

/** The VAE's training objective on a batch of `batch` kernel vectors of `size` values. */
export function vaeObjective(size: number, batch: number) {
  return (g: Graph, ps: ParamScope): Value => {
    const w = g.input('kernels', [batch, size]);
    const noise = g.input('z_noise', [batch, LATENT]);
    const param: Param = (name, shape) => ps.param(name, shape, name.endsWith('bias') ? { kind: 'zeros' } : { kind: 'he', fanIn: shape[0]! });
    return op.mul(g, kernelNegativeElbo(g, w, noise, param), g.scalar(1 / batch));
  };
}
