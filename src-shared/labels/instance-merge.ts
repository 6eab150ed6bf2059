// Merge objects drawn as two (or more) into one: every voxel of `from` takes the id `into`.

import { InstanceDeltaBuilder } from './instance-delta.ts';
import type { InstanceDelta, InstanceLayer } from './instance-layer.ts';

export function mergeInstances(layer: InstanceLayer, into: number, from: readonly number[]): InstanceDelta {
  if (into === 0) throw new RangeError('objects merge into an object (id ≥ 1), not into the background');
  const merged = new Set(from.filter((id) => id !== 0 && id !== into));
  const b = new InstanceDeltaBuilder(layer, 'ids');
  if (merged.size === 0) return b.finish();
  const ids = layer.ids;
  for (let i = 0; i < ids.length; i++) if (merged.has(ids[i]!)) b.set(i, into);
  return b.finish();
}
