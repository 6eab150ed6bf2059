// What the sliding window needs from a network: channel counts, the size multiple patches must
// respect, and a way to open a session for one fixed input shape [B, C, ...patch]. Graphs have
// static shapes, so a run opens one session per batch size it uses (normally one) and reuses it
// for every patch.
import { Tensor, type InferenceSession } from 'onnxruntime-common';
import type { SessionFactory } from '../nn/session.ts';
import { exportOnnxModel, type ModelFile } from '../nn/model-file.ts';
import { sizeMultiple } from '../nn/unet.ts';
import { fastInferenceBytes } from './fast-graph.ts';

export interface PatchRunner {
  /** input [B, C, ...patch] float32 → output [B, outC, ...patch] float32 */
  run(input: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

export interface PatchModel {
  /** 3: patches are [d, h, w]; 2: a 2D network applied slice by slice (patch depth 1) */
  dims: 2 | 3;
  inChannels: number;
  outChannels: number;
  /** spatial extents must be multiples of these (z, y, x; for dims 2: y, x) */
  sizeMultiple: number[];
  /** the input holds, after the inChannels image channels, the voxels' relative positions (infer/coordinates.ts) */
  coordinates?: boolean;
  open(inputShape: number[]): Promise<PatchRunner>;
}

/** A runner around one ORT session whose single input and output are the image and the result. */
export async function sessionRunner(factory: SessionFactory, bytes: Uint8Array, inputShape: number[]): Promise<PatchRunner> {
  const session: InferenceSession = await factory(bytes);
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  return {
    async run(input) {
      const out = await session.run({ [inputName]: new Tensor('float32', input, inputShape) });
      return out[outputName]!.data as Float32Array;
    },
    release: () => session.release(),
  };
}

/**
 * A Lumen U-Net (config + weights, e.g. from importOnnxModel) as a patch model. By default the
 * session runs fast-graph.ts's equivalent graph (up-sampling as pointwise Conv + depth-to-space);
 * `{ fast: false }` runs exactly what exportOnnxModel writes.
 */
export function unetPatchModel(factory: SessionFactory, model: Pick<ModelFile, 'config' | 'params'>, opts: { fast?: boolean } = {}): PatchModel {
  const { config } = model;
  const bytes = (shape: number[]) => (opts.fast ?? true)
    ? fastInferenceBytes(config, model.params, shape)
    : exportOnnxModel({ config, params: model.params, provenance: {} }, shape);
  return {
    dims: config.dims,
    inChannels: config.inChannels,
    outChannels: config.outChannels,
    sizeMultiple: sizeMultiple(config),
    open: (shape) => sessionRunner(factory, bytes(shape), shape),
  };
}

/** Any network given as a function from input shape to ONNX bytes (tests, foreign models). */
export function graphPatchModel(factory: SessionFactory, spec: Omit<PatchModel, 'open'> & { build: (inputShape: number[]) => Uint8Array }): PatchModel {
  const { build, ...rest } = spec;
  return { ...rest, open: (shape) => sessionRunner(factory, build(shape), shape) };
}
