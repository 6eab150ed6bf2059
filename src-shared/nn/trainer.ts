// A Trainer owns one training-step graph and the state that flows through it: parameters and
// optimizer moments live as ORT tensors that each step's outputs replace, with no JS-side copies
// in the loop. One `step` = one session.run = forward, loss, backward, update.
import { Tensor, type InferenceSession } from 'onnxruntime-common';
import { Graph, type Value, numel } from './graph.ts';
import * as op from './ops.ts';
import { differentiate } from './autodiff.ts';
import { buildOptimizer, stepScalars, type OptimizerConfig } from './optim.ts';
import { segmentationLoss, type LossName } from './losses.ts';
import { buildUNet, buildEncoderHeatmap, type UNetConfig } from './unet.ts';
import { ParamScope, initParams, type ParamSpec } from './params.ts';
import { serializeGraph } from './onnx-io.ts';
import type { SessionFactory } from './session.ts';
import { encodeTensors, decodeTensors, type NamedTensor } from './checkpoint.ts';
import { LumenError } from '../errors.ts';

export interface TrainerConfig {
  model: UNetConfig;
  /** [batch, channels, ...spatial] of one training batch */
  batchShape: number[];
  loss: LossName;
  optimizer: OptimizerConfig;
  /** parameter-name patterns kept fixed: exact names or prefixes ending in '*' ('enc.*') */
  frozen?: string[];
  seed?: number;
  /** 'segmentation' (default): the U-Net; 'heatmap': the encoder with a localization head */
  network?: 'segmentation' | 'heatmap';
  /** extra loss terms over the parameters (e.g. a weight prior); returns a scalar added to the loss */
  regularizer?: (g: Graph, params: Map<string, Value>) => Value | undefined;
}

export interface Batch { image: Float32Array; target: Float32Array; weight: Float32Array }

export function isFrozen(name: string, patterns: readonly string[] = []): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/** Build the inference graph of a model for one input shape: image → probability (sigmoid). */
export function buildInferenceGraph(model: UNetConfig, inputShape: number[]): { graph: Graph; specs: ParamSpec[] } {
  const g = new Graph();
  const image = g.input('image', inputShape);
  const net = buildUNet(g, image, model);
  const prob = op.sigmoid(g, net.logits);
  g.output(prob);
  return { graph: g, specs: net.scope.specs };
}

export class Trainer {
  readonly specs: ParamSpec[];
  private params = new Map<string, Tensor>();
  private state = new Map<string, Tensor>();
  private stepCount = 0;

  private constructor(
    readonly config: TrainerConfig,
    private readonly session: InferenceSession,
    private readonly io: { loss: string; newParams: [string, string][]; newState: [string, string][]; scalars: string[] },
    specs: ParamSpec[],
    initial: Map<string, Float32Array>,
  ) {
    this.specs = specs;
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

  /** Build the step graph, create its session, initialise (or load) parameters. */
  static async create(config: TrainerConfig, factory: SessionFactory, initial?: Map<string, Float32Array>): Promise<Trainer> {
    const { graph, specs, io } = Trainer.buildStepGraph(config);
    const start = initParams(specs, config.seed ?? 0);
    if (initial) {
      for (const s of specs) {
        const given = initial.get(s.name);
        if (given && given.length === numel(s.shape)) start.set(s.name, Float32Array.from(given));
      }
    }
    const session = await factory(serializeGraph(graph, { graphName: 'lumen-train-step' }));
    return new Trainer(config, session, io, specs, start);
  }

  static buildStepGraph(config: TrainerConfig) {
    const g = new Graph();
    const [n, , ...spatial] = config.batchShape;
    const image = g.input('image', config.batchShape);
    const labelShape = [n!, config.model.outChannels, ...spatial];
    const target = g.input('target', labelShape);
    const weight = g.input('weight', labelShape);
    const ps = new ParamScope(g);
    const net = (config.network === 'heatmap' ? buildEncoderHeatmap : buildUNet)(g, image, config.model, ps);
    let loss = segmentationLoss(g, config.loss, net.logits, target, weight);
    const paramValues = new Map(ps.specs.map((s) => [s.name, g.value(s.name)] as [string, Value]));
    const extra = config.regularizer?.(g, paramValues);
    if (extra) loss = op.add(g, loss, extra);
    const trainable = ps.specs.filter((s) => !isFrozen(s.name, config.frozen)).map((s) => g.value(s.name));
    if (trainable.length === 0) throw new Error('every parameter is frozen: nothing to train');
    const grads = differentiate(g, loss, trainable);
    const opt = buildOptimizer(g, trainable, grads, config.optimizer);
    g.output(loss);
    const newParams: [string, string][] = [];
    for (const p of trainable) {
      const v = opt.newParams.get(p.name)!;
      g.output(v);
      newParams.push([p.name, v.name]);
    }
    const newState: [string, string][] = [];
    for (const s of opt.state) {
      s.inputs.forEach((inp, i) => { g.output(s.outputs[i]!); newState.push([inp.name, s.outputs[i]!.name]); });
    }
    return { graph: g, specs: ps.specs, io: { loss: loss.name, newParams, newState, scalars: opt.scalars.map((v) => v.name) } };
  }

  get steps(): number { return this.stepCount; }

  async step(batch: Batch, lr: number): Promise<number> {
    const [n, , ...spatial] = this.config.batchShape;
    const labelShape = [n!, this.config.model.outChannels, ...spatial];
    this.stepCount++;
    const scalars = stepScalars(this.config.optimizer, lr, this.stepCount);
    const feeds: Record<string, Tensor> = {
      image: new Tensor('float32', batch.image, this.config.batchShape),
      target: new Tensor('float32', batch.target, labelShape),
      weight: new Tensor('float32', batch.weight, labelShape),
    };
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
    return encodeTensors(all, { step: this.stepCount, model: this.config.model });
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
