// Per-object measurements of an instance label image: how big each object is, where it sits, and
// how bright it is. Physical positions are voxel index × spacing from the image's first voxel (the
// volume's own axes, not a scanner's world frame), so they compare across files of equal spacing.
import type { Geometry } from '../volume.ts';

type Zyx = [number, number, number];

export interface ObjectRow {
  id: number;
  voxels: number;
  /** voxels × the product of the spacing, in cubed `unit` */
  volume: number;
  /** mean voxel index along z, y, x */
  centroid: Zyx;
  /** centroid × spacing, in `unit` */
  centroidPhysical: Zyx;
  /** smallest and largest voxel index along z, y, x (both inclusive) */
  bboxMin: Zyx;
  bboxMax: Zyx;
  /** mean of the intensity image over the object's voxels; only when an image was given */
  meanIntensity?: number;
}

/**
 * One row per non-zero id of `labels` (z, y, x order, one channel), by ascending id, from one pass.
 * `image`, when given, is one channel on the same grid.
 */
export function measureObjects(labels: ArrayLike<number>, shape: readonly [number, number, number], options: { spacing?: Zyx; image?: ArrayLike<number> } = {}): ObjectRow[] {
  const [d, h, w] = shape;
  const spacing = options.spacing ?? [1, 1, 1];
  const image = options.image;
  if (labels.length !== d * h * w || (image && image.length !== labels.length)) {
    throw new Error(`object measurements need ${d * h * w} voxels (labels ${labels.length}${image ? `, image ${image.length}` : ''})`);
  }
  // accumulators by dense slot, so 70 000 objects cost arrays, not 70 000 small objects per voxel
  const slotOf = new Map<number, number>();
  const ids: number[] = [], count: number[] = [], sz: number[] = [], sy: number[] = [], sx: number[] = [], si: number[] = [];
  const lo: Zyx[] = [], hi: Zyx[] = [];
  let lastId = 0, slot = -1;
  for (let z = 0, i = 0; z < d; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++, i++) {
    const id = labels[i]!;
    if (id === 0) continue;
    if (id !== lastId) {
      lastId = id;
      slot = slotOf.get(id) ?? -1;
      if (slot < 0) {
        slot = ids.length;
        slotOf.set(id, slot);
        ids.push(id); count.push(0); sz.push(0); sy.push(0); sx.push(0); si.push(0);
        lo.push([z, y, x]); hi.push([z, y, x]);
      }
    }
    count[slot]!++; sz[slot]! += z; sy[slot]! += y; sx[slot]! += x;
    if (image) si[slot]! += image[i]!;
    const a = lo[slot]!, b = hi[slot]!;
    if (y < a[1]) a[1] = y; if (x < a[2]) a[2] = x; // z only grows: the pass runs in z order
    b[0] = z; if (y > b[1]) b[1] = y; if (x > b[2]) b[2] = x;
  }
  const voxelVolume = spacing[0] * spacing[1] * spacing[2];
  const rows = ids.map((id, k): ObjectRow => {
    const n = count[k]!;
    const centroid: Zyx = [sz[k]! / n, sy[k]! / n, sx[k]! / n];
    const row: ObjectRow = {
      id, voxels: n, volume: n * voxelVolume, centroid,
      centroidPhysical: [centroid[0] * spacing[0], centroid[1] * spacing[1], centroid[2] * spacing[2]],
      bboxMin: lo[k]!, bboxMax: hi[k]!,
    };
    if (image) row.meanIntensity = si[k]! / n;
    return row;
  });
  return rows.sort((a, b) => a.id - b.id);
}

/** The unit's name in a column header: `um`, `mm`, or `units` when the file did not say. */
const unitName = (unit: Geometry['unit']) => (unit === 'unknown' ? 'units' : unit);

/** CSV text (header row, then one row per object, `\n` line ends); mean_intensity is empty without an image. */
export function objectTableCsv(rows: readonly ObjectRow[], unit: Geometry['unit']): string {
  const u = unitName(unit);
  const header = ['id', 'voxels', `volume_${u}3`, 'centroid_z', 'centroid_y', 'centroid_x', `centroid_z_${u}`, `centroid_y_${u}`, `centroid_x_${u}`,
    'bbox_z_min', 'bbox_y_min', 'bbox_x_min', 'bbox_z_max', 'bbox_y_max', 'bbox_x_max', 'mean_intensity'];
  const lines = [header.join(',')];
  for (const r of rows) {
    lines.push([r.id, r.voxels, r.volume, ...r.centroid, ...r.centroidPhysical, ...r.bboxMin, ...r.bboxMax, r.meanIntensity ?? ''].join(','));
  }
  return lines.join('\n') + '\n';
}
