// The instance brush and eraser. Painting an object writes its id on empty voxels and on its own
// voxels only, so a stroke that slips over a neighbour never eats into it; the eraser clears
// whatever object lies under it (or only `only`, when given).

import { forEachStrokeVoxel, type StrokeOptions } from './brush.ts';
import { InstanceDeltaBuilder } from './instance-delta.ts';
import type { InstanceDelta, InstanceLayer } from './instance-layer.ts';

export type InstanceStrokeOptions = Omit<StrokeOptions, 'value'> & { id: number };

export function paintInstanceStroke(layer: InstanceLayer, o: InstanceStrokeOptions): InstanceDelta {
  const b = new InstanceDeltaBuilder(layer, 'ids');
  const [, Y, X] = layer.shape;
  const ids = layer.ids;
  forEachStrokeVoxel(layer.shape, o, (z, y, x) => {
    const i = (z * Y + y) * X + x;
    if (ids[i] === 0 || ids[i] === o.id) b.set(i, o.id);
  });
  return b.finish();
}

export function eraseInstanceStroke(layer: InstanceLayer, o: Omit<StrokeOptions, 'value'> & { only?: number }): InstanceDelta {
  const b = new InstanceDeltaBuilder(layer, 'ids');
  const [, Y, X] = layer.shape;
  forEachStrokeVoxel(layer.shape, o, (z, y, x) => {
    const i = (z * Y + y) * X + x;
    if (o.only === undefined || layer.ids[i] === o.only) b.set(i, 0);
  });
  return b.finish();
}
