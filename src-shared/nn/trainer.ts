// The segmentation Trainer: a U-Net (or its encoder as a localization network) with a
// segmentation loss, on batches of image / target / per-voxel weight. Everything about steps,
// state and checkpoints is the GraphTrainer's.
import { Graph, type Value } from './graph.ts';
import * as op from './ops.ts';
import type { OptimizerConfig } from './optim.ts';
import { segmentationLoss, starDistLoss, type LossName } from './losses.ts';
import { buildUNet, buildEncoderHeatmap, networkOutput, type UNetConfig } from './unet.ts';
import type { ParamScope, ParamSpec } from './params.ts';
import type { SessionFactory } from './session.ts';
import { GraphTrainer } from './graph-trainer.ts';

export { isFrozen } from './graph-trainer.ts';

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
  /** variational weights, weight priors and the like: see TrainerExtension */
  extension?: TrainerExtension;
}

/** Hooks for training schemes beyond plain weights (e.g. the Deep Weight Prior). */
export interface TrainerExtension {
  /** before the network is built: bind parameter names to computed values, declare extra inputs */
  prepare?(g: Graph, ps: ParamScope): void;
  /** after: a scalar added to the loss */
  loss?(g: Graph, ps: ParamScope): Value | undefined;
  /** values for the extra inputs, drawn afresh every step (e.g. noise) */
  feeds?(): Record<string, Float32Array>;
}

/**
 * One training batch. target and weight have ONE channel for any number of outputs: binary
 * networks read target as 0/1, multi-class ones as the class index (the loss one-hots it).
 * StarDist networks (model.starRays) are the exception: target has 1 + R channels (object
 * probability, then the distances), weight still one.
 */
export interface Batch { image: Float32Array; target: Float32Array; weight: Float32Array }

/** Build the inference graph of a model for one input shape: image → probability (sigmoid, or softmax over K > 1 channels). */
export function buildInferenceGraph(model: UNetConfig, inputShape: number[]): { graph: Graph; specs: ParamSpec[] } {
  const g = new Graph();
  const image = g.input('image', inputShape);
  const net = buildUNet(g, image, model);
  const prob = networkOutput(g, net.logits, model);
  g.output(prob);
  return { graph: g, specs: net.scope.specs };
}

export class Trainer {
  private constructor(readonly config: TrainerConfig, private readonly inner: GraphTrainer) {}

  get specs(): ParamSpec[] { return this.inner.specs; }
  get steps(): number { return this.inner.steps; }

  static async create(config: TrainerConfig, factory: SessionFactory, initial?: Map<string, Float32Array>): Promise<Trainer> {
    const [n, , ...spatial] = config.batchShape;
    const labelShape = [n!, 1, ...spatial];
    // StarDist networks: the target holds the object probability and the R distances
    const targetShape = [n!, config.model.starRays ? 1 + config.model.starRays : 1, ...spatial];
    const inner = await GraphTrainer.create({
      optimizer: config.optimizer, frozen: config.frozen, seed: config.seed, meta: { model: config.model },
      objective: (g, ps) => {
        const image = g.input('image', config.batchShape);
        const target = g.input('target', targetShape);
        const weight = g.input('weight', labelShape);
        config.extension?.prepare?.(g, ps);
        const net = (config.network === 'heatmap' ? buildEncoderHeatmap : buildUNet)(g, image, config.model, ps);
        const loss = config.model.starRays ? starDistLoss(g, net.logits, target, weight) : segmentationLoss(g, config.loss, net.logits, target, weight);
        const extra = config.extension?.loss?.(g, ps);
        return extra ? op.add(g, loss, extra) : loss;
      },
    }, factory, initial);
    return new Trainer(config, inner);
  }

  step(batch: Batch, lr: number): Promise<number> {
    return this.inner.step({ ...this.config.extension?.feeds?.(), image: batch.image, target: batch.target, weight: batch.weight }, lr);
  }

  parameters(): Map<string, Float32Array> { return this.inner.parameters(); }
  saveCheckpoint(): Uint8Array { return this.inner.saveCheckpoint(); }
  loadCheckpoint(bytes: Uint8Array): void { this.inner.loadCheckpoint(bytes); }
  release(): Promise<void> { return this.inner.release(); }
}
