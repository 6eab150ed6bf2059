// The NGFF multiscales block Lumen writes: axes (c,) z, y, x with units, and per level a scale
// plus, for downsampled levels, the translation that keeps a coarse voxel's centre over the centre
// of the fine voxels it averages (half of the voxel size gained), so viewers overlay the levels.
import type { Geometry } from '../../volume.ts';
import { NGFF_UNIT } from './ngff-axes.ts';
import type { Vec3 } from './zarr-reader.ts';

export function multiscalesBlock(geometry: Geometry, channels: number, spacings: Vec3[], version: '0.4' | '0.5', name: string): Record<string, unknown> {
  const unit = NGFF_UNIT[geometry.unit];
  const space = ['z', 'y', 'x'].map((n) => ({ name: n, type: 'space', ...(unit ? { unit } : {}) }));
  const axes = channels > 1 ? [{ name: 'c', type: 'channel' }, ...space] : space;
  const withC = (v: number[], c: number) => (channels > 1 ? [c, ...v] : v);
  const s0 = spacings[0]!;
  const datasets = spacings.map((s, i) => {
    const transforms: Array<Record<string, unknown>> = [{ type: 'scale', scale: withC(s, 1) }];
    if (i > 0) transforms.push({ type: 'translation', translation: withC(s.map((v, k) => (v - s0[k]!) / 2), 0) });
    return { path: String(i), coordinateTransformations: transforms };
  });
  return { ...(version === '0.4' ? { version } : {}), name, axes, datasets };
}
