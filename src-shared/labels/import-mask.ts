// Turn an existing binary or label mask (from Fiji, ITK-SNAP, a threshold...) into labels.
// mask > 0 becomes one class; mask = 0 either stays as it was, becomes explicit background
// (when the mask is known to be complete), or becomes unlabeled (replace the labels).

import { DeltaBuilder } from './delta-builder.ts';
import type { LabelDelta } from './delta.ts';
import { viewImage, type ImageLike } from './image-like.ts';
import { BACKGROUND, UNLABELED } from './classes.ts';
import type { SparseLabelVolume } from './sparse-label-volume.ts';

export interface ImportMaskOptions {
  /** label written where mask > 0 */
  classValue: number;
  /** what mask = 0 means: 'keep' (default) leaves labels, 'background' writes 1, 'unlabeled' writes 0 */
  zeroAs?: 'keep' | 'background' | 'unlabeled';
  /** channel of a multi-channel mask (default 0) */
  channel?: number;
}

export function importMask(labels: SparseLabelVolume, mask: ImageLike, o: ImportMaskOptions): LabelDelta {
  const [Z, Y, X] = labels.shape;
  const { data, channels } = viewImage(mask, labels.shape, 'mask');
  const ch = o.channel ?? 0;
  const zero = o.zeroAs === 'background' ? BACKGROUND : o.zeroAs === 'unlabeled' ? UNLABELED : -1;
  const b = new DeltaBuilder(labels);
  for (let z = 0, i = ch; z < Z; z++) {
    for (let y = 0; y < Y; y++) {
      for (let x = 0; x < X; x++, i += channels) {
        if (data[i]! > 0) b.set(z, y, x, o.classValue);
        else if (zero >= 0) b.set(z, y, x, zero);
      }
    }
  }
  return b.finish();
}
