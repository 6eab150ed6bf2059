// Training data for a StarDist network from an instance label image: the network input (already
// normalised) with targets [1 + R][voxels] = object probability and distances along each ray,
// computed once on the whole image, so objects cut by a patch border keep their whole-object
// distances (what the network must predict there at inference, where patches overlap).
//
// Sparse annotation: `annotated` marks where every object is drawn. There unlabeled voxels are
// background (weight 1); outside it nothing is known (weight 0), except the drawn objects'
// own voxels, which always teach.
import type { PatchSource } from '../../train/patches.ts';
import type { Rays } from '../rays.ts';
import { starDistances } from '../star-distances.ts';
import { objectProbability } from '../object-probability.ts';
import type { LabelArray } from '../shape.ts';
import { rayChannelOrder } from './ray-order.ts';

export interface StarSourceInput {
  /** normalised image, planar channels [C][D·H·W] */
  image: Float32Array;
  channels: number;
  shape: [number, number, number];
  instances: LabelArray;
  /** non-zero where every object is drawn; absent: everywhere */
  annotated?: Uint8Array;
  /** voxel size z, y, x (the object probability's distances are physical) */
  spacing?: readonly [number, number, number];
}

/** The per-voxel weight: 1 inside the annotated region and on every drawn object, 0 elsewhere. */
export function annotationWeight(instances: LabelArray, annotated: Uint8Array | undefined): Float32Array {
  const w = new Float32Array(instances.length);
  for (let i = 0; i < w.length; i++) w[i] = !annotated || annotated[i] || instances[i] ? 1 : 0;
  return w;
}

export function starPatchSource(input: StarSourceInput, rays: Rays): PatchSource {
  const [D, H, W] = input.shape;
  const shape = rays.dim === 2 ? [H, W] as const : [D, H, W] as const;
  if (rays.dim === 2 && D !== 1) throw new RangeError('2D rays need a 2D image (depth 1)');
  const N = D * H * W, R = rays.n;
  const anisotropy = rays.dim === 3 ? rays.anisotropy : undefined;
  const prob = objectProbability(input.instances, shape, anisotropy ? { anisotropy } : {});
  const dists = starDistances(input.instances, shape, rays);
  // channel-last distances → planar target channels after the probability
  const target = new Float32Array((1 + R) * N);
  target.set(prob, 0);
  for (let i = 0; i < N; i++) {
    if (prob[i] === 0 && input.instances[i] === 0) continue;
    for (let k = 0; k < R; k++) target[(1 + k) * N + i] = dists[i * R + k]!;
  }
  return {
    shape: input.shape, channels: input.channels, image: input.image, target, targetChannels: 1 + R,
    weight: annotationWeight(input.instances, input.annotated), targetChannelOrder: rayChannelOrder(rays),
  };
}
