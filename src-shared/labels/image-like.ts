// Ops that look at the image (flood fill) or take a mask (import) accept anything with
// voxels in z, y, x(, c) order: a shared Volume, or a bare typed array plus its shape.
// Not importing Volume itself keeps the label code usable on plain arrays in workers.

import { LumenError } from '../errors.ts';
import type { Shape3 } from './chunk-grid.ts';

export interface ImageLike {
  data: ArrayLike<number>;
  /** [z, y, x] or [z, y, x, c] */
  shape: readonly number[];
}

export interface ImageView {
  data: ArrayLike<number>;
  channels: number;
}

/** Check `img` covers exactly the label shape and return how to index it. */
export function viewImage(img: ImageLike, labelShape: Shape3, what: string): ImageView {
  const s = img.shape;
  const channels = s.length === 4 ? s[3]! : 1;
  if ((s.length !== 3 && s.length !== 4) || s[0] !== labelShape[0] || s[1] !== labelShape[1] || s[2] !== labelShape[2]) {
    throw new LumenError('shape-mismatch', `the ${what} is ${s.join('×')} but the labels are ${labelShape.join('×')}`);
  }
  if (img.data.length !== labelShape[0] * labelShape[1] * labelShape[2] * channels) {
    throw new LumenError('shape-mismatch', `the ${what} holds ${img.data.length} values, its shape ${s.join('×')} needs ${labelShape[0] * labelShape[1] * labelShape[2] * channels}`);
  }
  return { data: img.data, channels };
}
