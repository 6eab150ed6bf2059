// Where the user painted: in a few planes (whole slices or strokes on them) along z, y or x, or a
// mix of orthogonal planes, or in 3D (ball-brush scribbles, dense masks). People paint in whichever
// view shows the structure best (ITK-SNAP, Slicer and napari habits), so the layout decides which
// 2D networks can learn from the labels: a 2D network trains on, and predicts along, the axis its
// planes are perpendicular to.
//
// Detection is a greedy cover: take the plane (any axis) holding the most labeled voxels not yet
// covered, until every labeled voxel is covered. Labels count as planar when few planes cover them
// all; a 3D brush or a dense mask needs many planes and is 'volume'.

export type Axis = 0 | 1 | 2;
export const AXIS_NAMES = ['z', 'y', 'x'] as const;

export interface LabeledPlane { axis: Axis; index: number; voxels: number }

export type LabelLayout =
  | { kind: 'planes'; planes: LabeledPlane[]; axes: Axis[] }
  | { kind: 'volume'; labeledFraction: number };

/** At most this share of an axis's planes may be labeled for the labels to count as "a few slices". */
const MAX_PLANE_SHARE = 1 / 3;
const MAX_PLANES = 32;
/** Planes an axis of `extent` may hold for "a few slices": a third, but 2 of a 4-slice stack too. */
const maxPlanes = (extent: number) => Math.min(extent - 1, Math.max(2, Math.floor(extent * MAX_PLANE_SHARE)));

export function detectLayout(labels: ArrayLike<number>, shape: readonly [number, number, number]): LabelLayout {
  const [D, H, W] = shape;
  // a 2D image: its one plane is the only layout there is
  if (D === 1) return { kind: 'planes', planes: [{ axis: 0, index: 0, voxels: countLabeled(labels) }], axes: [0] };
  const n = countLabeled(labels);
  // half the voxels labeled is a dense mask, whatever planes it lies in
  if (n === 0 || n > (D * H * W) / 2) return { kind: 'volume', labeledFraction: n / (D * H * W) };
  const coords = new Int32Array(3 * n);
  for (let z = 0, i = 0, k = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    if (labels[i]! > 0) { coords[k++] = z; coords[k++] = y; coords[k++] = x; }
  }
  const dims = [D, H, W];
  const covered = new Uint8Array(n);
  const planes: LabeledPlane[] = [];
  const perAxis = [0, 0, 0];
  let remaining = n;
  while (remaining > 0) {
    const counts = dims.map((d) => new Int32Array(d));
    for (let k = 0; k < n; k++) {
      if (covered[k]) continue;
      counts[0]![coords[3 * k]!]!++; counts[1]![coords[3 * k + 1]!]!++; counts[2]![coords[3 * k + 2]!]!++;
    }
    let best: LabeledPlane = { axis: 0, index: 0, voxels: -1 };
    for (const axis of [0, 1, 2] as Axis[]) {
      const c = counts[axis]!;
      for (let i = 0; i < c.length; i++) if (c[i]! > best.voxels) best = { axis, index: i, voxels: c[i]! };
    }
    planes.push(best);
    perAxis[best.axis]!++;
    if (planes.length > MAX_PLANES || perAxis[best.axis]! > maxPlanes(dims[best.axis]!)) {
      return { kind: 'volume', labeledFraction: n / (D * H * W) };
    }
    for (let k = 0; k < n; k++) {
      if (!covered[k] && coords[3 * k + best.axis] === best.index) { covered[k] = 1; remaining--; }
    }
  }
  const axes = ([0, 1, 2] as Axis[]).filter((a) => perAxis[a]! > 0);
  return { kind: 'planes', planes, axes };
}

function countLabeled(labels: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) n++;
  return n;
}

/** One line for reports and the UI: "2 z-slices", "1 z-, 1 y- and 1 x-plane", "3D labels". */
export function describeLayout(layout: LabelLayout): string {
  if (layout.kind === 'volume') return `labels in 3D (${(100 * layout.labeledFraction).toFixed(1)}% of the voxels)`;
  const counts = layout.axes.map((a) => `${layout.planes.filter((p) => p.axis === a).length} ${AXIS_NAMES[a]}`);
  return `${counts.join(', ')} plane${layout.planes.length > 1 ? 's' : ''}`;
}
