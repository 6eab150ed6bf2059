// Optimizers as graph nodes, so one session.run is one whole training step. The learning rate is
// a graph input fed every step: schedules (reduce-on-plateau, warm-up) need no rebuild.
import type { Graph, Value } from './graph.ts';
import * as op from './ops.ts';

export interface OptimizerConfig {
  kind: 'sgd' | 'adam' | 'adamw';
  beta1?: number;     // adam/adamw, default 0.9
  beta2?: number;     // adam/adamw, default 0.999
  eps?: number;       // default 1e-8
  momentum?: number;  // sgd, default 0.9
  weightDecay?: number; // adamw: decoupled; sgd: L2; default 0 (adamw 0.01)
  /**
   * L2-SP (Li, Grandvalet & Davoine, ICML 2018): the loss gains anchorWeight/2·‖w − w₀‖² for
   * every parameter with a starting point w₀ here, so fine-tuning on a few labels stays near the
   * pretrained weights instead of near zero (what plain weight decay pulls toward)
   */
  anchor?: { weights: ReadonlyMap<string, Float32Array>; weight: number };
}

/** The anchor's gradient term for `p` (anchorWeight·(p − w₀)), or undefined where `p` has no anchor. */
function anchorGradient(g: Graph, p: Value, cfg: OptimizerConfig): Value | undefined {
  const w0 = cfg.anchor?.weights.get(p.name);
  if (!w0 || !cfg.anchor!.weight || w0.length !== p.shape.reduce((a, b) => a * b, 1)) return undefined;
  return op.mul(g, op.sub(g, p, g.constant(w0, p.shape, `${p.name}.anchor`)), g.scalar(cfg.anchor!.weight));
}

export interface OptimizerGraph {
  /** scalar inputs fed per step by `stepScalars` */
  scalars: Value[];
  /** per parameter: the state inputs (m, v / velocity) and their updated outputs */
  state: { param: string; inputs: Value[]; outputs: Value[] }[];
  newParams: Map<string, Value>;
}

/** The scalar feeds for step t (1-based): Adam's bias correction is folded into the step size. */
export function stepScalars(cfg: OptimizerConfig, lr: number, t: number): Float32Array {
  if (cfg.kind === 'sgd') return Float32Array.of(lr);
  const b1 = cfg.beta1 ?? 0.9, b2 = cfg.beta2 ?? 0.999;
  return Float32Array.of(lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t), lr);
}

export function buildOptimizer(g: Graph, params: Value[], grads: Map<string, Value>, cfg: OptimizerConfig): OptimizerGraph {
  const newParams = new Map<string, Value>();
  const state: OptimizerGraph['state'] = [];
  const c = (x: number) => g.scalar(x);
  if (cfg.kind === 'sgd') {
    const lr = g.input('optim.lr', []);
    const mu = cfg.momentum ?? 0.9, wd = cfg.weightDecay ?? 0;
    for (const p of params) {
      let grad = grads.get(p.name)!;
      if (wd) grad = op.add(g, grad, op.mul(g, p, c(wd)));
      const toAnchor = anchorGradient(g, p, cfg);
      if (toAnchor) grad = op.add(g, grad, toAnchor);
      const vel = g.input(`${p.name}.velocity`, p.shape);
      const newVel = op.add(g, op.mul(g, vel, c(mu)), grad);
      newParams.set(p.name, op.sub(g, p, op.mul(g, newVel, lr)));
      state.push({ param: p.name, inputs: [vel], outputs: [newVel] });
    }
    return { scalars: [lr], state, newParams };
  }
  const stepSize = g.input('optim.step_size', []); // lr·√(1−β₂ᵗ)/(1−β₁ᵗ)
  const lr = g.input('optim.lr', []);
  const b1 = cfg.beta1 ?? 0.9, b2 = cfg.beta2 ?? 0.999, eps = cfg.eps ?? 1e-8;
  const wd = cfg.weightDecay ?? (cfg.kind === 'adamw' ? 0.01 : 0);
  for (const p of params) {
    let grad = grads.get(p.name)!;
    if (cfg.kind === 'adam' && wd) grad = op.add(g, grad, op.mul(g, p, c(wd)));
    const toAnchor = anchorGradient(g, p, cfg);
    if (toAnchor) grad = op.add(g, grad, toAnchor);
    const m = g.input(`${p.name}.adam_m`, p.shape);
    const v = g.input(`${p.name}.adam_v`, p.shape);
    const newM = op.add(g, op.mul(g, m, c(b1)), op.mul(g, grad, c(1 - b1)));
    const newV = op.add(g, op.mul(g, v, c(b2)), op.mul(g, op.mul(g, grad, grad), c(1 - b2)));
    const update = op.div(g, op.mul(g, newM, stepSize), op.add(g, op.sqrt(g, newV), c(eps)));
    let base = p;
    if (cfg.kind === 'adamw' && wd) base = op.sub(g, p, op.mul(g, p, op.mul(g, lr, c(wd))));
    newParams.set(p.name, op.sub(g, base, update));
    state.push({ param: p.name, inputs: [m, v], outputs: [newM, newV] });
  }
  return { scalars: [stepSize, lr], state, newParams };
}
