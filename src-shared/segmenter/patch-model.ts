// A segmenter as a PatchModel for the sliding window, with the patch size and border trim that
// suit it. One 3D U-Net, or one 2D U-Net on z-slices, keeps the fast single-network graph
// (infer/fast-graph.ts); anything else runs as the composite graph on 3D patches.
import type { SessionFactory } from '../nn/session.ts';
import { serializeGraph } from '../nn/onnx-io.ts';
import { sessionRunner, unetPatchModel, type PatchModel } from '../infer/patch-model.ts';
import type { SlidingWindowOptions } from '../infer/sliding-window.ts';
import { buildSegmenterGraph, segmenterChannels, segmenterHalo, segmenterSizeMultiple, segmenterWantsCoordinates } from './graph.ts';
import type { Segmenter } from './segmenter.ts';

export function segmenterPatchModel(factory: SessionFactory, s: Segmenter): PatchModel {
  if (s.kind === 'unet' && (s.model.config.dims === 3 || (s.axis ?? 0) === 0)) return unetPatchModel(factory, s.model);
  const { inChannels, outChannels } = segmenterChannels(s);
  return {
    dims: 3, inChannels, outChannels, sizeMultiple: segmenterSizeMultiple(s), coordinates: segmenterWantsCoordinates(s),
    open: (shape) => {
      const { graph, bake } = buildSegmenterGraph(s, shape);
      return sessionRunner(factory, serializeGraph(graph, { bake, graphName: 'lumen-segmenter' }), shape);
    },
  };
}

/** Patch and trim for a volume of `shape` (z, y, x): whole planes where 2D networks need them, halos where filters reach out. */
export function segmenterWindow(s: Segmenter, [D, H, W]: readonly number[]): Pick<SlidingWindowOptions, 'patch' | 'trim'> {
  if (s.kind === 'unet' && s.model.config.dims === 2 && (s.axis ?? 0) === 0) return { patch: [1, 256, 256] };
  if (s.kind === 'unet' && s.model.config.dims === 3) {
    const thin = s.model.config.downFactors?.[0]?.[0] === 1;
    return { patch: thin ? [Math.min(D!, 16), 128, 128] : [64, 64, 64] };
  }
  const halo = segmenterHalo(s);
  // patches at least 4 halos wide, so trimmed borders waste at most half of each
  const side = (extent: number, h: number) => Math.min(extent, Math.max(96, 4 * h));
  return { patch: [side(D!, halo[0]!), side(H!, halo[1]!), side(W!, halo[2]!)], trim: halo };
}
