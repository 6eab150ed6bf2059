// Training any differentiable objective: the objective builds its loss on a ParamScope (which
// declares the parameters) from named data inputs; the GraphTrainer differentiates it, appends the
// optimizer, and keeps parameters and optimizer moments as ORT tensors that each step's outputs
// replace, with no JS-side copies in the loop. One `step` = one session.run.
import { Tensor, type InferenceSession } from 'onnxruntime-common';
import { Graph, type Value, numel } from './graph.ts';
import { differentiate } from './autodiff.ts';
import { buildOptimizer, stepScalars, type OptimizerConfig } from './optim.ts';
import { ParamScope, initParams, type ParamSpec } from './params.ts';
import { serializeGraph } from './onnx-io.ts';
import type { SessionFactory } from './session.ts';
import { encodeTensors, decodeTensors, type NamedTensor } from './checkpoint.ts';
import { LumenError } from '../errors.ts';

/** Builds the scalar loss; data inputs are declared with g.input and fed by name each step. */
export type Objective = (g: Graph, ps: ParamScope) => Value;

export interface GraphTrainerConfig {
  objective: Objective;
  optimizer: OptimizerConfig;
  /** parameter-name patterns kept fixed: exact names or prefixes ending in '*' ('enc.*') */
  frozen?: string[];
  seed?: number;
  /** checkpoint metadata (e.g. the model config) */
  meta?: Record<string, unknown>;
}

export function isFrozen(name: string, patterns: readonly string[] = []): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

interface StepIO { loss: string; newParams: [string, string][]; newState: [string, string][]; scalars: string[]; data: Value[] }

export class GraphTrainer {
  private params = new Map<string, Tensor>();
  private state = new Map<string, Tensor>();
  private stepCount = 0;

  private constructor(
    private readonly config: GraphTrainerConfig,
    private readonly session: InferenceSession,
    private readonly io: StepIO,
    readonly specs: ParamSpec[],
    initial: Map<string, Float32Array>,
  ) {
    for (const s of specs) this.params.set(s.name, new Tensor('float32', initial.get(s.name)!, s.shape));
    for (const [input] of io.newState) {
      const shape = this.shapeOfState(input);
      this.state.set(input, new Tensor('float32', new Float32Array(numel(shape)), shape));
    }
  }

  private shapeOfState(stateName: string): number[] {
    const param = stateName.replace(/\.(adam_m|adam_v|velocity)$/, '');
    return this.specs.find((s) => s.name === param)!.shape;
  }

  /** Build the step graph, create its session, initialise parameters (`initial` overrides by name). */
  static async create(config: GraphTrainerConfig, factory: SessionFactory, initial?: Map<string, Float32Array>): Promise<GraphTrainer> {
    const { graph, specs, io } = GraphTrainer.buildStepGraph(config);
    const start = initParams(specs, config.seed ?? 0);
    for (const s of specs) {
      const given = initial?.get(s.name);
      if (given && given.length === numel(s.shape)) start.set(s.name, Float32Array.from(given));
    }
    const session = await factory(serializeGraph(graph, { graphName: 'lumen-train-step' }));
    return new GraphTrainer(config, session, io, specs, start);
  }

  static buildStepGraph(config: GraphTrainerConfig): { graph: Graph; specs: ParamSpec[]; io: StepIO } {
    const g = new Graph();
    const ps = new ParamScope(g);
    const loss = config.objective(g, ps);
    if (loss.shape.length !== 0) throw new Error(`the objective must be a scalar, got [${loss.shape}]`);
    const paramNames = new Set(ps.specs.map((s) => s.name));
    const data = g.inputs.filter((v) => !paramNames.has(v.name));
    const trainable = ps.specs.filter((s) => !isFrozen(s.name, config.frozen) && g.has(s.name)).map((s) => g.value(s.name));
    if (trainable.length === 0) throw new Error('every parameter is frozen: nothing to train');
    const grads = differentiate(g, loss, trainable);
    const opt = buildOptimizer(g, trainable, grads, config.optimizer);
    g.output(loss);
    const newParams: [string, string][] = trainable.map((p) => {
      const v = opt.newParams.get(p.name)!;
      g.output(v);
      return [p.name, v.name];
    });
    const newState: [string, string][] = [];
    for (const s of opt.state) s.inputs.forEach((inp, i) => { g.output(s.outputs[i]!); newState.push([inp.name, s.outputs[i]!.name]); });
    return { graph: g, specs: ps.specs, io: { loss: loss.name, newParams, newState, scalars: opt.scalars.map((v) => v.name), data } };
  }

  get steps(): number { return this.stepCount; }

  /** The data inputs the objective declared, with their shapes. */
  get dataInputs(): readonly Value[] { return this.io.data; }

  async step(data: Record<string, Float32Array>, lr: number): Promise<number> {
    this.stepCount++;
    const scalars = stepScalars(this.config.optimizer, lr, this.stepCount);
    const feeds: Record<string, Tensor> = {};
    for (const v of this.io.data) {
      const values = data[v.name];
      if (!values || values.length !== numel(v.shape)) throw new Error(`step needs '${v.name}' with ${numel(v.shape)} values`);
      feeds[v.name] = new Tensor('float32', values, [...v.shape]);
    }
    this.io.scalars.forEach((name, i) => { feeds[name] = new Tensor('float32', Float32Array.of(scalars[i]!), []); });
    for (const [name, t] of this.params) feeds[name] = t;
    for (const [name, t] of this.state) feeds[name] = t;
    const out = await this.session.run(feeds);
    for (const [param, output] of this.io.newParams) this.params.set(param, out[output] as Tensor);
    for (const [input, output] of this.io.newState) this.state.set(input, out[output] as Tensor);
    const loss = (out[this.io.loss]!.data as Float32Array)[0]!;
    if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${this.stepCount} (loss ${loss})`);
    return loss;
  }

  /** A copy of the current parameters. */
  parameters(): Map<string, Float32Array> {
    return new Map([...this.params].map(([k, t]) => [k, Float32Array.from(t.data as Float32Array)]));
  }

  /** Parameters, optimizer state and step count: enough to resume training exactly. */
  saveCheckpoint(): Uint8Array {
    const all = new Map<string, NamedTensor>();
    for (const [k, t] of [...this.params, ...this.state]) all.set(k, { shape: [...t.dims], data: t.data as Float32Array });
    return encodeTensors(all, { step: this.stepCount, ...this.config.meta });
  }

  loadCheckpoint(bytes: Uint8Array): void {
    const { tensors, meta } = decodeTensors(bytes);
    for (const target of [this.params, this.state]) {
      for (const [name, current] of target) {
        const saved = tensors.get(name);
        if (!saved || saved.data.length !== (current.data as Float32Array).length) {
          throw new LumenError('shape-mismatch', `the checkpoint does not fit this network (${name})`);
        }
        target.set(name, new Tensor('float32', Float32Array.from(saved.data), [...current.dims]));
      }
    }
    this.stepCount = Number(meta.step ?? 0);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

