// A volume seen along another axis: the axis moved to the front, so "slice i" of the result is
// plane i along that axis. 2D networks train on and predict slices, so a network for labels painted
// in the coronal or sagittal view is the same code as one for axial slices, on the moved volume.
//   axis 0 (z): [D, H, W] as it is;  axis 1 (y): [H, D, W];  axis 2 (x): [W, D, H]
// Data is planar per channel ([c][a][b][c']), as LabeledVolume images and network outputs are.
import type { Axis } from './layout.ts';
import type { LabeledVolume } from './dataset.ts';

type Shape3 = readonly [number, number, number];
type Planar = Float32Array | Uint8Array;

export function shapeAlong([D, H, W]: Shape3, axis: Axis): [number, number, number] {
  return axis === 0 ? [D, H, W] : axis === 1 ? [H, D, W] : [W, D, H];
}

/** Moves `axis` to the front (forward) or back to where it was (inverse), channel by channel. */
function move<T extends Planar>(data: T, [D, H, W]: Shape3, channels: number, axis: Axis, inverse: boolean): T {
  if (axis === 0) return data;
  const n = D * H * W;
  const out = new (data.constructor as new (length: number) => T)(data.length);
  for (let c = 0; c < channels; c++) {
    const base = c * n;
    for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
      const j = axis === 1 ? (y * D + z) * W + x : (x * D + z) * H + y;
      if (inverse) out[base + i] = data[base + j]!; else out[base + j] = data[base + i]!;
    }
  }
  return out;
}

/** `data` (of `shape`) with `axis` moved to the front. */
export const toAxisFront = <T extends Planar>(data: T, shape: Shape3, channels: number, axis: Axis): T => move(data, shape, channels, axis, false);

/** The inverse of toAxisFront: `data` is laid out as shapeAlong(shape, axis); the result as `shape`. */
export const fromAxisFront = <T extends Planar>(data: T, shape: Shape3, channels: number, axis: Axis): T => move(data, shape, channels, axis, true);

export function labeledVolumeAlong(v: LabeledVolume, axis: Axis): LabeledVolume {
  if (axis === 0) return v;
  return {
    ...v, shape: shapeAlong(v.shape, axis), image: toAxisFront(v.image, v.shape, v.channels, axis), labels: toAxisFront(v.labels, v.shape, 1, axis),
    ...(v.spacing ? { spacing: shapeAlong(v.spacing, axis) } : {}),
  };
}
