// An existing instance label image (one value per object, from Fiji, QuPath, Cellpose...) as the
// layer's objects, in one undoable edit. Values must be whole numbers in 0..2³²-1; the regions
// marked as annotated are kept.

import { LumenError } from '../errors.ts';
import { InstanceDeltaBuilder } from './instance-delta.ts';
import { MAX_INSTANCE_ID, type InstanceDelta, type InstanceLayer } from './instance-layer.ts';

export function replaceInstanceIds(layer: InstanceLayer, ids: ArrayLike<number>, name = 'the instance label image'): InstanceDelta {
  if (ids.length !== layer.ids.length) throw new LumenError('shape-mismatch', `${name} holds ${ids.length} voxels, the layer ${layer.ids.length}`);
  const [, Y, X] = layer.shape;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (Number.isInteger(v) && v >= 0 && v <= MAX_INSTANCE_ID) continue;
    const at = `z ${Math.floor(i / (Y * X))}, y ${Math.floor(i / X) % Y}, x ${i % X}`;
    throw new LumenError('bad-input', `${name} holds ${v} at (${at}); object ids must be whole numbers from 0 to ${MAX_INSTANCE_ID} (0 = no object)`);
  }
  const b = new InstanceDeltaBuilder(layer, 'ids');
  for (let i = 0; i < ids.length; i++) b.set(i, ids[i]!);
  return b.finish();
}
