// Brush and eraser. A 2D disk paints on the plane the user is looking at (any of the three
// orthogonal views); a 3D ball paints through neighbouring slices at once. The eraser is
// the same brush writing 0 ("unlabeled"), not 1: erasing means "I take back what I said",
// while painting background is a positive statement the model trains on.

import { DeltaBuilder } from './delta-builder.ts';
import type { LabelDelta } from './delta.ts';
import { assertPlaneIndex, planeDims, planeToVolume, type Axis } from './plane.ts';
import type { SparseLabelVolume } from './sparse-label-volume.ts';
import type { Shape3 } from './chunk-grid.ts';

type VoxelVisitor = (z: number, y: number, x: number) => void;

export interface DiskOptions {
  axis: Axis;
  /** plane index along `axis` */
  index: number;
  /** centre in plane coordinates (row u, column v), may be fractional */
  center: readonly [number, number];
  /** in voxels; 0 paints the single nearest voxel */
  radius: number;
  value: number;
}

export interface StrokeOptions extends Omit<DiskOptions, 'center'> {
  /** successive pointer positions in plane coordinates; gaps between them are filled */
  points: readonly (readonly [number, number])[];
}

export interface BallOptions {
  center: readonly [number, number, number];
  radius: number;
  value: number;
}

function checkRadius(r: number): void {
  if (!(r >= 0) || !Number.isFinite(r)) throw new RangeError(`brush radius ${r} must be a finite number ≥ 0`);
}

/** Visit every voxel of a disk on a plane (cut at the volume's edge). */
function stampDisk(shape: Shape3, visit: VoxelVisitor, axis: Axis, index: number, cu: number, cv: number, r: number): void {
  const [h, w] = planeDims(shape, axis);
  const r2 = r * r;
  const u0 = Math.max(0, Math.ceil(cu - r - 0.5)), u1 = Math.min(h - 1, Math.floor(cu + r + 0.5));
  const v0 = Math.max(0, Math.ceil(cv - r - 0.5)), v1 = Math.min(w - 1, Math.floor(cv + r + 0.5));
  const ru = Math.round(cu), rv = Math.round(cv);
  for (let u = u0; u <= u1; u++) {
    for (let v = v0; v <= v1; v++) {
      const du = u - cu, dv = v - cv;
      // radius 0 (or tiny) must still paint the voxel under the pointer
      if (du * du + dv * dv <= r2 || (u === ru && v === rv)) {
        const [z, y, x] = planeToVolume(axis, index, u, v);
        visit(z, y, x);
      }
    }
  }
}

export function paintDisk(labels: SparseLabelVolume, o: DiskOptions): LabelDelta {
  checkRadius(o.radius);
  assertPlaneIndex(labels.shape, o.axis, o.index);
  const b = new DeltaBuilder(labels);
  stampDisk(labels.shape, (z, y, x) => b.set(z, y, x, o.value), o.axis, o.index, o.center[0], o.center[1], o.radius);
  return b.finish();
}

export function eraseDisk(labels: SparseLabelVolume, o: Omit<DiskOptions, 'value'>): LabelDelta {
  return paintDisk(labels, { ...o, value: 0 });
}

/**
 * One drag of the mouse as a single edit (one undo step). Dabs are spaced at most half a
 * radius apart along each segment so a fast pointer leaves no gaps.
 */
export function paintStroke(labels: SparseLabelVolume, o: StrokeOptions): LabelDelta {
  const b = new DeltaBuilder(labels);
  forEachStrokeVoxel(labels.shape, o, (z, y, x) => b.set(z, y, x, o.value));
  return b.finish();
}

/**
 * The voxels one drag covers, in the order the dabs stamp them (a voxel may come more than
 * once). Shared by the class brush above and the instance brush (instance-paint.ts).
 */
export function forEachStrokeVoxel(shape: Shape3, o: Omit<StrokeOptions, 'value'>, visit: VoxelVisitor): void {
  checkRadius(o.radius);
  assertPlaneIndex(shape, o.axis, o.index);
  const pts = o.points;
  if (pts.length === 0) return;
  const step = Math.max(0.5, o.radius / 2);
  stampDisk(shape, visit, o.axis, o.index, pts[0]![0], pts[0]![1], o.radius);
  for (let i = 1; i < pts.length; i++) {
    const [u0, v0] = pts[i - 1]!, [u1, v1] = pts[i]!;
    const n = Math.max(1, Math.ceil(Math.hypot(u1 - u0, v1 - v0) / step));
    for (let k = 1; k <= n; k++) {
      const t = k / n;
      stampDisk(shape, visit, o.axis, o.index, u0 + (u1 - u0) * t, v0 + (v1 - v0) * t, o.radius);
    }
  }
}

export function paintBall(labels: SparseLabelVolume, o: BallOptions): LabelDelta {
  checkRadius(o.radius);
  const [Z, Y, X] = labels.shape;
  const [cz, cy, cx] = o.center;
  const r = o.radius, r2 = r * r;
  const b = new DeltaBuilder(labels);
  const rz = Math.round(cz), ry = Math.round(cy), rx = Math.round(cx);
  for (let z = Math.max(0, Math.ceil(cz - r - 0.5)); z <= Math.min(Z - 1, Math.floor(cz + r + 0.5)); z++) {
    for (let y = Math.max(0, Math.ceil(cy - r - 0.5)); y <= Math.min(Y - 1, Math.floor(cy + r + 0.5)); y++) {
      for (let x = Math.max(0, Math.ceil(cx - r - 0.5)); x <= Math.min(X - 1, Math.floor(cx + r + 0.5)); x++) {
        const dz = z - cz, dy = y - cy, dx = x - cx;
        if (dz * dz + dy * dy + dx * dx <= r2 || (z === rz && y === ry && x === rx)) b.set(z, y, x, o.value);
      }
    }
  }
  return b.finish();
}

export function eraseBall(labels: SparseLabelVolume, o: Omit<BallOptions, 'value'>): LabelDelta {
  return paintBall(labels, { ...o, value: 0 });
}
