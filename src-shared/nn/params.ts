// Parameters: declared by models under stable dotted names (`enc.0.conv1.weight`), initialised
// from a seed, so checkpoints, freezing and weight priors can address them by name.
import type { Graph, Value } from './graph.ts';
import { numel } from './graph.ts';
import { gaussian, seededRandom } from '../random.ts';

export { gaussian, seededRandom } from '../random.ts';

export type Init = { kind: 'he'; fanIn: number } | { kind: 'zeros' } | { kind: 'ones' } | { kind: 'constant'; value: number };

export interface ParamSpec { name: string; shape: number[]; init: Init }

/**
 * Collects the parameters a model declares while building its graph. A parameter is normally a
 * graph input; `bindings` can supply a value instead (a weight computed from variational
 * parameters, or a tensor under a gradient check), under the same stable name.
 */
export class ParamScope {
  constructor(
    readonly g: Graph,
    private readonly prefix = '',
    private readonly shared: { specs: ParamSpec[]; bindings: Map<string, Value> } = { specs: [], bindings: new Map() },
  ) {}

  static withBindings(g: Graph, bindings: ReadonlyMap<string, Value>): ParamScope {
    return new ParamScope(g, '', { specs: [], bindings: new Map(bindings) });
  }

  /** From now on, the parameter `name` (full name) is `value` wherever a model asks for it. */
  bind(name: string, value: Value): void {
    this.shared.bindings.set(name, value);
  }

  get specs(): ParamSpec[] { return this.shared.specs; }

  param(name: string, shape: number[], init: Init): Value {
    const full = this.prefix + name;
    const bound = this.shared.bindings.get(full);
    if (!this.shared.specs.some((s) => s.name === full)) this.shared.specs.push({ name: full, shape, init });
    if (bound) {
      if (bound.shape.join() !== shape.join()) throw new Error(`${full} is bound to [${bound.shape}], the model needs [${shape}]`);
      return bound;
    }
    if (this.g.has(full)) return this.g.value(full); // the same parameter used twice (weight sharing)
    return this.g.input(full, shape);
  }

  scope(prefix: string): ParamScope {
    return new ParamScope(this.g, this.prefix + prefix, this.shared);
  }
}

/** He (Kaiming) normal initialisation for leaky-ReLU networks, std = √(2 / fan_in). */
export function initParams(specs: readonly ParamSpec[], seed: number): Map<string, Float32Array> {
  const normal = gaussian(seededRandom(seed));
  const out = new Map<string, Float32Array>();
  for (const s of specs) {
    const data = new Float32Array(numel(s.shape));
    if (s.init.kind === 'ones') data.fill(1);
    else if (s.init.kind === 'constant') data.fill(s.init.value);
    else if (s.init.kind === 'he') {
      const std = Math.sqrt(2 / s.init.fanIn);
      for (let i = 0; i < data.length; i++) data[i] = normal() * std;
    }
    out.set(s.name, data);
  }
  return out;
}

export function countParams(specs: readonly ParamSpec[]): number {
  return specs.reduce((n, s) => n + numel(s.shape), 0);
}
