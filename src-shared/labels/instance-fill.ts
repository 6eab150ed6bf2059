// Fill one new object from a click: the voxels connected to the seed whose intensity lies in the
// window, on empty voxels only (a fill stops at the objects already drawn, so touching nuclei
// stay apart), on the plane clicked or in 3D.

import { forEachFloodVoxel, type FloodWalkOptions } from './flood-fill.ts';
import type { ImageLike } from './image-like.ts';
import { InstanceDeltaBuilder } from './instance-delta.ts';
import type { InstanceDelta, InstanceLayer } from './instance-layer.ts';

export function fillInstance(layer: InstanceLayer, image: ImageLike, o: FloodWalkOptions & { id: number }): InstanceDelta {
  const b = new InstanceDeltaBuilder(layer, 'ids');
  const [, Y, X] = layer.shape;
  const ids = layer.ids;
  forEachFloodVoxel(layer.shape, image, o, (z, y, x) => ids[(z * Y + y) * X + x] === 0, (z, y, x) => b.set((z * Y + y) * X + x, o.id));
  return b.finish();
}
