// Delete one object: all its voxels back to 0 (nothing drawn).

import { InstanceDeltaBuilder } from './instance-delta.ts';
import type { InstanceDelta, InstanceLayer } from './instance-layer.ts';

export function deleteInstance(layer: InstanceLayer, id: number): InstanceDelta {
  const b = new InstanceDeltaBuilder(layer, 'ids');
  if (id === 0) return b.finish();
  const ids = layer.ids;
  for (let i = 0; i < ids.length; i++) if (ids[i] === id) b.set(i, 0);
  return b.finish();
}
