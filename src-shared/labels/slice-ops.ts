// Whole-plane edits: fill a slice with one class (e.g. "this slice is all background") and
// copy a slice's labels to a neighbour, the usual way to start labeling slice n+1 from the
// work already done on slice n.

import { DeltaBuilder } from './delta-builder.ts';
import type { LabelDelta } from './delta.ts';
import { assertPlaneIndex, planeDims, planeToVolume, type Axis } from './plane.ts';
import type { SparseLabelVolume } from './sparse-label-volume.ts';

export interface FillSliceOptions {
  axis: Axis;
  index: number;
  value: number;
  /** keep voxels that already carry a label */
  onlyUnlabeled?: boolean;
}

export function fillSlice(labels: SparseLabelVolume, o: FillSliceOptions): LabelDelta {
  assertPlaneIndex(labels.shape, o.axis, o.index);
  const [h, w] = planeDims(labels.shape, o.axis);
  const current = o.onlyUnlabeled ? labels.readPlane(o.axis, o.index) : undefined;
  const b = new DeltaBuilder(labels);
  for (let u = 0; u < h; u++) {
    for (let v = 0; v < w; v++) {
      if (current && current[u * w + v] !== 0) continue;
      const [z, y, x] = planeToVolume(o.axis, o.index, u, v);
      b.set(z, y, x, o.value);
    }
  }
  return b.finish();
}

export interface CopySliceOptions {
  axis: Axis;
  from: number;
  to: number;
  /** 'replace' (default) makes the target identical to the source, unlabeled voxels included;
   *  'merge' copies only the source's labeled voxels over the target */
  mode?: 'replace' | 'merge';
}

export function copySlice(labels: SparseLabelVolume, o: CopySliceOptions): LabelDelta {
  assertPlaneIndex(labels.shape, o.axis, o.from);
  assertPlaneIndex(labels.shape, o.axis, o.to);
  const [h, w] = planeDims(labels.shape, o.axis);
  const src = labels.readPlane(o.axis, o.from);
  const merge = o.mode === 'merge';
  const b = new DeltaBuilder(labels);
  for (let u = 0; u < h; u++) {
    for (let v = 0; v < w; v++) {
      const value = src[u * w + v]!;
      if (merge && value === 0) continue;
      const [z, y, x] = planeToVolume(o.axis, o.to, u, v);
      b.set(z, y, x, value);
    }
  }
  return b.finish();
}

/** Copy slice `index` to its neighbour: `step` +1 for the next slice, -1 for the previous. */
export function copySliceToNeighbour(labels: SparseLabelVolume, axis: Axis, index: number, step: 1 | -1, mode?: 'replace' | 'merge'): LabelDelta {
  return copySlice(labels, { axis, from: index, to: index + step, ...(mode ? { mode } : {}) });
}
