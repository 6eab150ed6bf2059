// U-Nets in 2D and 3D as functions of a config. Parameter names are stable:
//   enc.{level}.conv{1,2}.{weight,bias}, enc.{level}.norm{1,2}.{weight,bias},
//   dec.{level}.up.{weight,bias}, dec.{level}.conv{1,2}…, dec.{level}.norm{1,2}…, head.{weight,bias}
// so fine-tuning can freeze "enc.*", and weight priors can find every 3×3(×3) kernel by name.
import type { Graph, Value } from './graph.ts';
import * as op from './ops.ts';
import { ParamScope } from './params.ts';

export interface UNetConfig {
  dims: 2 | 3;
  inChannels: number;
  outChannels: number;
  /** feature channels per level, e.g. [16, 32, 64, 128] */
  channels: number[];
  norm: 'instance' | 'group' | 'none';
  /** groups for norm = 'group' */
  groups?: number;
  /** LeakyReLU slope */
  negativeSlope?: number;
  /** how each level below the first halves the resolution */
  down?: 'strided-conv' | 'maxpool';
  /** per-axis down-sampling factors per level (anisotropic stacks): default 2 on every axis */
  downFactors?: number[][];
  /** a StarDist network (instances/): outChannels = 1 + starRays; channel 0 is the object
   * probability's logit, channels 1…starRays the distances to the object's boundary along each ray */
  starRays?: number;
}

export const REFERENCE_UNET3D: UNetConfig = { dims: 3, inChannels: 1, outChannels: 1, channels: [16, 32, 64, 128], norm: 'instance' };

export interface UNet { logits: Value; encoderFeatures: Value[]; scope: ParamScope }

const cube = (dims: number, k: number) => new Array(dims).fill(k);

function convBlock(ps: ParamScope, x: Value, cfg: UNetConfig, name: string, outC: number, stride: number[]): Value {
  const g = ps.g;
  const k = cube(cfg.dims, 3);
  const inC = x.shape[1]!;
  const fanIn = inC * 27 ** (cfg.dims / 3);
  const w = ps.param(`conv${name}.weight`, [outC, inC, ...k], { kind: 'he', fanIn });
  const b = ps.param(`conv${name}.bias`, [outC], { kind: 'zeros' });
  let y = op.conv(g, x, w, b, { strides: stride, pads: cube(2 * cfg.dims, 1) });
  y = normalize(ps, y, cfg, `norm${name}`);
  return op.leakyRelu(g, y, cfg.negativeSlope ?? 0.01);
}

function normalize(ps: ParamScope, x: Value, cfg: UNetConfig, name: string): Value {
  const g = ps.g;
  const c = x.shape[1]!;
  if (cfg.norm === 'none') return x;
  const gamma = ps.param(`${name}.weight`, [c], { kind: 'ones' });
  const beta = ps.param(`${name}.bias`, [c], { kind: 'zeros' });
  if (cfg.norm === 'instance') return op.instanceNorm(g, x, gamma, beta);
  // GroupNorm as InstanceNorm over [N, G, C/G·spatial] (opset 17 has no GroupNormalization), then
  // the per-channel affine
  const groups = cfg.groups ?? Math.min(8, c);
  const [n, , ...spatial] = x.shape;
  const grouped = op.reshape(g, x, [n!, groups, (c / groups) * spatial.reduce((a, b) => a * b, 1)]);
  const normed = op.instanceNorm(g, grouped, g.constant(new Float32Array(groups).fill(1), [groups]), g.constant(new Float32Array(groups), [groups]));
  const perChannel = [c, ...spatial.map(() => 1)];
  return op.add(g, op.mul(g, op.reshape(g, normed, x.shape), op.reshape(g, gamma, perChannel)), op.reshape(g, beta, perChannel));
}

/** The encoder arm alone: the feature map of every level, finest first. */
export function buildEncoder(g: Graph, input: Value, cfg: UNetConfig, ps: ParamScope): Value[] {
  const skips: Value[] = [];
  let x = input;
  for (let l = 0; l < cfg.channels.length; l++) {
    const enc = ps.scope(`enc.${l}.`);
    let stride = cube(cfg.dims, 1);
    if (l > 0 && (cfg.down ?? 'strided-conv') === 'maxpool') x = op.maxPool(g, x, levelFactors(cfg, l));
    else if (l > 0) stride = levelFactors(cfg, l);
    x = convBlock(enc, x, cfg, '1', cfg.channels[l]!, stride);
    x = convBlock(enc, x, cfg, '2', cfg.channels[l]!, cube(cfg.dims, 1));
    skips.push(x);
  }
  return skips;
}

const levelFactors = (cfg: UNetConfig, l: number) => cfg.downFactors?.[l - 1] ?? cube(cfg.dims, 2);

export function buildUNet(g: Graph, input: Value, cfg: UNetConfig, ps: ParamScope = new ParamScope(g)): UNet {
  const skips = buildEncoder(g, input, cfg, ps);
  let x = skips.at(-1)!;
  for (let l = cfg.channels.length - 2; l >= 0; l--) {
    const dec = ps.scope(`dec.${l}.`);
    const f = levelFactors(cfg, l + 1);
    const inC = x.shape[1]!, outC = cfg.channels[l]!;
    const w = dec.param('up.weight', [inC, outC, ...f], { kind: 'he', fanIn: outC * f.reduce((a, b) => a * b, 1) });
    const b = dec.param('up.bias', [outC], { kind: 'zeros' });
    x = op.convTranspose(g, x, w, b, { strides: f });
    x = op.concat(g, [x, skips[l]!], 1);
    x = convBlock(dec, x, cfg, '1', outC, cube(cfg.dims, 1));
    x = convBlock(dec, x, cfg, '2', outC, cube(cfg.dims, 1));
  }
  const hw = ps.param('head.weight', [cfg.outChannels, x.shape[1]!, ...cube(cfg.dims, 1)], { kind: 'he', fanIn: x.shape[1]! });
  const hb = ps.param('head.bias', [cfg.outChannels], { kind: 'zeros' });
  return { logits: op.conv(g, x, hw, hb), encoderFeatures: skips, scope: ps };
}

/**
 * The encoder as a localization network (Hu et al.): a 1×1 head on the coarsest features predicts
 * a heatmap of object centres, upsampled (nearest) to the input size so it trains on the same
 * patches and targets as segmentation. Parameters under `enc.*` are the U-Net's own, so the
 * trained encoder drops straight into a segmentation network.
 */
export function buildEncoderHeatmap(g: Graph, input: Value, cfg: UNetConfig, ps: ParamScope = new ParamScope(g)): UNet {
  const skips = buildEncoder(g, input, cfg, ps);
  const deepest = skips.at(-1)!;
  const hw = ps.param('loc.head.weight', [cfg.outChannels, deepest.shape[1]!, ...cube(cfg.dims, 1)], { kind: 'he', fanIn: deepest.shape[1]! });
  const hb = ps.param('loc.head.bias', [cfg.outChannels], { kind: 'zeros' });
  const coarse = op.conv(g, deepest, hw, hb);
  const factors = sizeMultiple(cfg);
  return { logits: factors.every((f) => f === 1) ? coarse : op.resize(g, coarse, factors, 'nearest'), encoderFeatures: skips, scope: ps };
}

/**
 * What a network hands out, from its logits: probabilities (sigmoid for one channel, softmax over
 * K > 1), or for a StarDist network the object probability (sigmoid) followed by the distances as
 * they are (linear, in voxels). The one place every inference graph takes its last step from.
 */
export function networkOutput(g: Graph, logits: Value, cfg: Pick<UNetConfig, 'starRays'>): Value {
  if (cfg.starRays) {
    const c = logits.shape[1]!;
    return op.concat(g, [op.sigmoid(g, op.slice(g, logits, [1], [0], [1])), op.slice(g, logits, [1], [1], [c])], 1);
  }
  return logits.shape[1]! > 1 ? op.softmax(g, logits, 1) : op.sigmoid(g, logits);
}

/** The smallest input extent along each axis that the network maps back to the same size. */
export function sizeMultiple(cfg: UNetConfig): number[] {
  const m = cube(cfg.dims, 1);
  for (let l = 1; l < cfg.channels.length; l++) {
    const f = cfg.downFactors?.[l - 1] ?? cube(cfg.dims, 2);
    f.forEach((v, i) => { m[i] *= v; });
  }
  return m;
}
