// How many pyramid levels, and the shape and voxel size of each. Every level halves y and x; z is
// halved too once it is no coarser than twice the in-plane voxel, so thin stacks (few slices far
// apart, as in two-photon or clinical MRI) keep their slices until y/x have caught up.
import type { Shape4 } from '../../volume.ts';
import type { Vec3 } from './zarr-reader.ts';

/** Levels stop once the larger of y and x is at most this. */
export const PYRAMID_TARGET_SIDE = 256;

export interface PlannedLevel {
  shape: Shape4;
  spacing: Vec3;
  /** the factor (1 or 2) along z, y, x from the level before (1, 1, 1 for level 0) */
  factor: Vec3;
}

export function planLevels(shape: Shape4, spacing: Vec3, count?: number): PlannedLevel[] {
  const levels: PlannedLevel[] = [{ shape, spacing, factor: [1, 1, 1] }];
  const more = () => (count === undefined ? Math.max(last().shape[1], last().shape[2]) > PYRAMID_TARGET_SIDE : levels.length < count);
  const last = () => levels[levels.length - 1]!;
  while (more()) {
    const { shape: [d, h, w, c], spacing: [sz, sy, sx] } = last();
    if (d === 1 && h === 1 && w === 1) break;
    const factor: Vec3 = [d > 1 && sz < 2 * Math.min(sy, sx) ? 2 : 1, h > 1 ? 2 : 1, w > 1 ? 2 : 1];
    levels.push({
      shape: [Math.ceil(d / factor[0]), Math.ceil(h / factor[1]), Math.ceil(w / factor[2]), c],
      spacing: [sz * factor[0], sy * factor[1], sx * factor[2]],
      factor,
    });
  }
  return levels;
}
