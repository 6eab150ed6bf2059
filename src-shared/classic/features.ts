// ilastik-style filter features as an ONNX graph: per image channel, the raw value and, at each
// scale σ, Gaussian smoothing, gradient magnitude, Laplacian of Gaussian and the sorted
// eigenvalues of the Hessian of Gaussian. Every filter is separable: one 1-D convolution bank per
// axis (smoothing, first and second derivative kernels, kernels.ts), z then y then x, so all ten
// (3D) derivatives of a scale cost three thin convolutions.
//
// Anisotropy: σ is given in units of the finest voxel side; along an axis with coarser spacing the
// kernel is narrower in voxels (σ_axis = σ·min(spacing)/spacing_axis) and derivatives are per
// physical unit. An axis whose σ falls below MIN_SMOOTHING_SIGMA (kernels.ts) is not smoothed.
//
// Borders: each scale repeats the input's border voxels outward (edge padding) before the
// unpadded convolutions. The graph can also be given real context around the wanted output
// region (`FeatureWindow`): that many voxels are consumed instead of padded, so features computed
// on a crop with `featureHalo` voxels of context equal those of the whole volume exactly.
import type { Graph, Value } from '../nn/graph.ts';
import * as op from '../nn/ops.ts';
import { axisKernels, kernelRadius } from './kernels.ts';
import { convAlong, crop, edgePad, gatherChannels, square } from './graph-ops.ts';
import { eigenvalues2, eigenvalues3 } from './eigen.ts';
import { COORDINATE_CHANNELS } from '../infer/coordinates.ts';

export interface FeatureSpec {
  /** 3: [N, C, D, H, W] inputs with 3D filters; 2: [N, C, H, W] with 2D filters */
  dims: 2 | 3;
  channels: number;
  /** σ of each scale, in units of the finest voxel side */
  scales: number[];
  /** physical voxel size z, y, x (only ratios matter; z is unused for dims 2) */
  spacing: [number, number, number];
  /**
   * the input also holds the voxels' relative positions after the image channels
   * (infer/coordinates.ts); they enter the rows as they are, three features after the filters
   */
  coordinates?: boolean;
}

/**
 * ilastik's usual selection, 0.7–3.5. Adding 5.0 changed Dice by under 0.002 on the VesselNN
 * stacks and the 4-class MRI while costing the widest kernels (33 taps) and a halo of 16 instead
 * of 12; 0.3 is close to the raw value, which is a feature already.
 */
export const DEFAULT_SCALES: readonly number[] = [0.7, 1.0, 1.6, 3.5];

/** Real voxels of context before/after the output region, per spatial axis of the input. */
export interface FeatureWindow { before: number[]; after: number[] }

const perScale = (dims: 2 | 3) => 3 + dims;

const coordinateCount = (spec: FeatureSpec) => (spec.coordinates ? COORDINATE_CHANNELS : 0);

export function featureCount(spec: FeatureSpec): number {
  return spec.channels * (1 + spec.scales.length * perScale(spec.dims)) + coordinateCount(spec);
}

/** Channels the feature graph's input holds: the image's, and the positions where the spec wants them. */
export function featureInputChannels(spec: FeatureSpec): number {
  return spec.channels + coordinateCount(spec);
}

/** Readable names in output-channel order (for reports): "c0 σ1.6 hessian 2". */
export function featureNames(spec: FeatureSpec): string[] {
  const out: string[] = [];
  const eig = Array.from({ length: spec.dims }, (_, i) => `hessian ${i + 1}`);
  for (let c = 0; c < spec.channels; c++) {
    out.push(`c${c} raw`);
    for (const s of spec.scales) for (const f of ['gaussian', 'gradient', 'laplacian', ...eig]) out.push(`c${c} σ${s} ${f}`);
  }
  if (spec.coordinates) out.push('z position', 'y position', 'x position');
  return out;
}

/** σ in voxels along each spatial axis of the spec (dims 3: z, y, x; dims 2: y, x). */
export function axisSigmas(spec: FeatureSpec, sigma: number): number[] {
  const sp = spec.dims === 3 ? spec.spacing : spec.spacing.slice(1);
  const finest = Math.min(...sp);
  return sp.map((s) => (sigma * finest) / s);
}

/** Voxels per physical unit (of the finest side) along each spatial axis: the derivative scale. */
function axisUnits(spec: FeatureSpec): number[] {
  const sp = spec.dims === 3 ? spec.spacing : spec.spacing.slice(1);
  const finest = Math.min(...sp);
  return sp.map((s) => finest / s);
}

/** Voxels of context per axis, z, y, x (z = 0 for 2D), for features to be exact away from the border. */
export function featureHalo(spec: FeatureSpec): number[] {
  const halo = new Array(spec.dims).fill(0);
  for (const s of spec.scales) axisSigmas(spec, s).forEach((sa, a) => { halo[a] = Math.max(halo[a], kernelRadius(sa)); });
  return spec.dims === 3 ? halo : [0, ...halo];
}

export function validateFeatureSpec(spec: FeatureSpec): void {
  if (spec.dims !== 2 && spec.dims !== 3) throw new Error(`feature dims must be 2 or 3, not ${spec.dims}`);
  if (!(spec.channels >= 1)) throw new Error('features need at least one channel');
  if (!spec.scales.length || spec.scales.some((s) => !(s > 0 && s < 100))) throw new Error(`bad feature scales ${spec.scales}`);
  if (spec.spacing.some((s) => !(s > 0 && Number.isFinite(s)))) throw new Error(`bad voxel spacing ${spec.spacing}`);
}

/** Derivatives of one scale, each [N, 1, ...out]; keys name the axes differentiated ('' = smoothed). */
type Derivatives = Record<string, Value>;

/** 3D: z stage (3 kernels), y stage on the orders that can still reach ≤ 2, x stage; ten outputs. */
function derivatives3(g: Graph, x: Value, spec: FeatureSpec, sigma: number): Derivatives {
  const [kz, ky, kx] = axisSigmas(spec, sigma).map((s, a) => axisKernels(s, axisUnits(spec)[a]));
  const bank = (k: typeof kz) => [k!.smooth, k!.first, k!.second];
  const N = x.shape[0]!;
  const z = convAlong(g, x, 0, bank(kz));                                   // [N, 3(oz), D, Hp, Wp]
  const zs = op.reshape(g, z, [N * 3, 1, ...z.shape.slice(2)]);
  const y = convAlong(g, zs, 1, bank(ky));                                  // [N·3, 3(oy), D, H, Wp]
  const pairs: [number, number][] = [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0]]; // (oz, oy), oz + oy ≤ 2
  const y9 = op.reshape(g, y, [N, 9, ...y.shape.slice(2)]);
  const y6 = gatherChannels(g, y9, pairs.map(([a, b]) => a * 3 + b));
  const ys = op.reshape(g, y6, [N * 6, 1, ...y6.shape.slice(2)]);
  const xx = convAlong(g, ys, 2, bank(kx));                                 // [N·6, 3(ox), D, H, W]
  const all = op.reshape(g, xx, [N, 18, ...xx.shape.slice(2)]);
  const pick = (oz: number, oy: number, ox: number) => {
    const p = pairs.findIndex(([a, b]) => a === oz && b === oy);
    return op.slice(g, all, [1], [p * 3 + ox], [p * 3 + ox + 1]);
  };
  return {
    '': pick(0, 0, 0), z: pick(1, 0, 0), y: pick(0, 1, 0), x: pick(0, 0, 1),
    zz: pick(2, 0, 0), yy: pick(0, 2, 0), xx: pick(0, 0, 2), yz: pick(1, 1, 0), xz: pick(1, 0, 1), xy: pick(0, 1, 1),
  };
}

function derivatives2(g: Graph, x: Value, spec: FeatureSpec, sigma: number): Derivatives {
  const [ky, kx] = axisSigmas(spec, sigma).map((s, a) => axisKernels(s, axisUnits(spec)[a]));
  const bank = (k: typeof ky) => [k!.smooth, k!.first, k!.second];
  const N = x.shape[0]!;
  const y = convAlong(g, x, 0, bank(ky));                                   // [N, 3(oy), H, Wp]
  const ys = op.reshape(g, y, [N * 3, 1, ...y.shape.slice(2)]);
  const xx = convAlong(g, ys, 1, bank(kx));                                 // [N·3, 3(ox), H, W]
  const all = op.reshape(g, xx, [N, 9, ...xx.shape.slice(2)]);
  const pick = (oy: number, ox: number) => op.slice(g, all, [1], [oy * 3 + ox], [oy * 3 + ox + 1]);
  return { '': pick(0, 0), y: pick(1, 0), x: pick(0, 1), yy: pick(2, 0), xx: pick(0, 2), xy: pick(1, 1) };
}

/** Gaussian, gradient magnitude, Laplacian, Hessian eigenvalues of one scale, each [N, 1, ...out]. */
function scaleFeatures(g: Graph, d: Derivatives, dims: 2 | 3): Value[] {
  if (dims === 3) {
    const gradient = op.sqrt(g, op.add(g, op.add(g, square(g, d.z!), square(g, d.y!)), square(g, d.x!)));
    const laplacian = op.add(g, op.add(g, d.zz!, d.yy!), d.xx!);
    return [d['']!, gradient, laplacian, ...eigenvalues3(g, d.zz!, d.yy!, d.xx!, d.yz!, d.xz!, d.xy!)];
  }
  const gradient = op.sqrt(g, op.add(g, square(g, d.y!), square(g, d.x!)));
  const laplacian = op.add(g, d.yy!, d.xx!);
  return [d['']!, gradient, laplacian, ...eigenvalues2(g, d.yy!, d.xy!, d.xx!)];
}

interface FeatureMaps {
  /** one [N·C, 1, ...out] value per feature of a channel (featureNames order within a channel) */
  maps: Value[];
  /** the position channels [N, 3, ...out] where the spec has them */
  coordinates?: Value;
  N: number;
  C: number;
  out: number[];
}

function featureMaps(g: Graph, input: Value, spec: FeatureSpec, window?: FeatureWindow): FeatureMaps {
  validateFeatureSpec(spec);
  const rank = spec.dims;
  if (input.shape.length !== rank + 2) throw new Error(`${rank}D features need a ${rank + 2}-D input, got [${input.shape}]`);
  if (input.shape[1] !== featureInputChannels(spec)) throw new Error(`features expect ${featureInputChannels(spec)} channel(s), got [${input.shape}]`);
  const before = window?.before ?? new Array(rank).fill(0);
  const after = window?.after ?? new Array(rank).fill(0);
  const N = input.shape[0]!, C = spec.channels;
  const spatial = input.shape.slice(2);
  const out = spatial.map((s, a) => s - before[a]! - after[a]!);
  if (out.some((s) => s < 1)) throw new Error(`feature window leaves no output: input [${input.shape}], context ${before}/${after}`);
  const image = spec.coordinates ? op.slice(g, input, [1], [0], [C]) : input;
  const coordinates = spec.coordinates ? crop(g, op.slice(g, input, [1], [C], [C + COORDINATE_CHANNELS]), before, after) : undefined;
  const flat = op.reshape(g, image, [N * C, 1, ...spatial]);
  const maps: Value[] = [crop(g, flat, before, after)];
  for (const sigma of spec.scales) {
    const r = axisSigmas(spec, sigma).map(kernelRadius);
    // consume real context down to r voxels, pad the rest by repeating the border
    const cropped = crop(g, flat, before.map((b, a) => Math.max(0, b - r[a]!)), after.map((e, a) => Math.max(0, e - r[a]!)));
    const padded = edgePad(g, cropped, before.map((b, a) => Math.max(0, r[a]! - b)), after.map((e, a) => Math.max(0, r[a]! - e)));
    const d = rank === 3 ? derivatives3(g, padded, spec, sigma) : derivatives2(g, padded, spec, sigma);
    maps.push(...scaleFeatures(g, d, spec.dims));
  }
  return { maps, coordinates, N, C, out };
}

/**
 * Appends the feature graph: [N, C, ...s] → [N, featureCount, ...s'] where s' = s minus the
 * window's context (s' = s without one). Channel order: per image channel, raw then the scales in
 * order, each [gaussian, gradient, laplacian, hessian eigenvalues descending] (featureNames).
 */
export function appendFeatures(g: Graph, input: Value, spec: FeatureSpec, window?: FeatureWindow): Value {
  const { maps, coordinates, N, C, out } = featureMaps(g, input, spec, window);
  const perChannel = op.concat(g, maps, 1);                                 // [N·C, F/C, ...out]
  const filtered = op.reshape(g, perChannel, [N, C * maps.length, ...out]);
  return coordinates ? op.concat(g, [filtered, coordinates], 1) : filtered;
}

/** The same features as rows, one per voxel: [N·∏s', featureCount] (N-major, then z, y, x), what tree ensembles take. */
export function appendFeatureRows(g: Graph, input: Value, spec: FeatureSpec, window?: FeatureWindow): Value {
  const { maps, coordinates, N, C, out } = featureMaps(g, input, spec, window);
  const S = out.reduce((a, b) => a * b, 1);
  const F1 = maps.length;
  const perChannel = op.reshape(g, op.concat(g, maps, 1), [N, C, F1, S]);
  const rows = op.reshape(g, op.transpose(g, perChannel, [0, 3, 1, 2]), [N * S, C * F1]); // [N, S, C, F/C] flattened
  if (!coordinates) return rows;
  const positions = op.transpose(g, op.reshape(g, coordinates, [N, COORDINATE_CHANNELS, S]), [0, 2, 1]);
  return op.concat(g, [rows, op.reshape(g, positions, [N * S, COORDINATE_CHANNELS])], 1);
}
