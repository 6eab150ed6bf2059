// How to show a volume the way radiologists' viewers do (ITK-SNAP, 3D Slicer, FSLeyes in
// radiological mode): axial with anterior up and the patient's right on the screen's left, coronal
// with superior up and right on the left, sagittal with superior up and anterior on the left.
// From the voxel → world (RAS+) affine of a NIfTI (sform, else qform) each view is found as: the
// array axis it cuts (the one closest to the view's normal), which of the other two runs across
// the screen, and whether either runs backwards. The display only transposes and mirrors the
// array's own plane, so painting keeps working in array (row, column) coordinates and lands in
// the voxels under the pointer. Volumes without an affine (microscopy) keep the plain z/y/x views.
import type { Axis } from '../api.ts';

/** World directions in RAS+: +x = patient's Right, +y = Anterior, +z = Superior. */
type Vec3 = [number, number, number];

export type AnatomicalView = 'axial' | 'coronal' | 'sagittal';

export interface ViewTransform {
  /** the anatomical name, or null for plain array views */
  view: AnatomicalView | null;
  /** the array axis the view cuts */
  axis: Axis;
  /** the array plane's rows (its first in-plane axis in z, y, x order) run across the screen, columns down */
  transpose: boolean;
  /** after the transpose: screen rows / columns run opposite to the array index */
  flipRows: boolean;
  flipCols: boolean;
  /** letters at the screen edges (the patient's side there), empty without orientation */
  letters: { left: string; right: string; top: string; bottom: string };
}

const AXES: Axis[] = ['z', 'y', 'x'];
const LETTERS: [string, string][] = [['R', 'L'], ['A', 'P'], ['S', 'I']]; // + then − along world x, y, z

/** Screen right and screen down as world directions, per view (radiological convention). */
const SCREEN: Record<AnatomicalView, { normal: number; right: Vec3; down: Vec3 }> = {
  axial: { normal: 2, right: [-1, 0, 0], down: [0, -1, 0] },
  coronal: { normal: 1, right: [-1, 0, 0], down: [0, 0, -1] },
  sagittal: { normal: 0, right: [0, -1, 0], down: [0, 0, -1] },
};

export const PLAIN_VIEWS: ViewTransform[] = AXES.map((axis) => ({
  view: null, axis, transpose: false, flipRows: false, flipCols: false, letters: { left: '', right: '', top: '', bottom: '' },
}));

/**
 * Direction in world of a step along array axis a (0 z, 1 y, 2 x); the affine is row-major 4×4
 * for voxel (i = x, j = y, k = z), so array axis z is the affine's third column.
 */
function arrayAxisDirection(affine: readonly number[], a: number): Vec3 {
  const col = 2 - a;
  return [affine[col]!, affine[4 + col]!, affine[8 + col]!];
}

const dot = (u: Vec3, v: Vec3) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];

/** The letter of the world direction closest to d (its largest component, with its sign). */
function letterOf(d: Vec3): string {
  let k = 0;
  for (let i = 1; i < 3; i++) if (Math.abs(d[i]!) > Math.abs(d[k]!)) k = i;
  return d[k]! >= 0 ? LETTERS[k]![0] : LETTERS[k]![1];
}

/** Each array axis assigned to the world axis it is closest to, every world axis used once. */
function axisAssignment(dirs: Vec3[]): number[] {
  let best: number[] = [0, 1, 2], bestScore = -1;
  for (const p of [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]) {
    const score = p.reduce((s, w, a) => s + Math.abs(dirs[a]![w]!) / Math.hypot(...dirs[a]!), 0);
    if (score > bestScore) { bestScore = score; best = p; }
  }
  return best;
}

/** The three views, axial / coronal / sagittal, of a volume with this affine; plain views without one. */
export function anatomicalViews(affine: readonly number[] | undefined): ViewTransform[] {
  if (!affine || affine.length !== 16 || !affine.every(Number.isFinite)) return PLAIN_VIEWS;
  const dirs = [0, 1, 2].map((a) => arrayAxisDirection(affine, a));
  if (dirs.some((d) => Math.hypot(...d) === 0)) return PLAIN_VIEWS;
  const worldOf = axisAssignment(dirs);
  return (['axial', 'coronal', 'sagittal'] as AnatomicalView[]).map((view) => {
    const { normal, right, down } = SCREEN[view];
    const cut = worldOf.indexOf(normal);
    const [first, second] = [0, 1, 2].filter((a) => a !== cut) as [number, number];
    // the array plane's rows step along `first`, its columns along `second`
    const firstAcross = Math.abs(dot(dirs[first]!, right)) >= Math.abs(dot(dirs[second]!, right));
    const acrossAxis = firstAcross ? first : second, downAxis = firstAcross ? second : first;
    const flipCols = dot(dirs[acrossAxis]!, right) < 0;
    const flipRows = dot(dirs[downAxis]!, down) < 0;
    const toRight = dirs[acrossAxis]!.map((v) => (flipCols ? -v : v)) as Vec3;
    const toBottom = dirs[downAxis]!.map((v) => (flipRows ? -v : v)) as Vec3;
    const neg = (d: Vec3) => d.map((v) => -v) as Vec3;
    return {
      view, axis: AXES[cut]!, transpose: firstAcross, flipRows, flipCols,
      letters: { left: letterOf(neg(toRight)), right: letterOf(toRight), top: letterOf(neg(toBottom)), bottom: letterOf(toBottom) },
    };
  });
}

/** Screen (row, col) of the displayed plane ← array-plane (r, c); `rows`, `cols` are the array plane's. */
export function arrayToScreen(t: ViewTransform, rows: number, cols: number, r: number, c: number): [number, number] {
  let [sr, sc] = t.transpose ? [c, r] : [r, c];
  const [sRows, sCols] = t.transpose ? [cols, rows] : [rows, cols];
  if (t.flipRows) sr = sRows - 1 - sr;
  if (t.flipCols) sc = sCols - 1 - sc;
  return [sr, sc];
}

/** Array-plane (r, c) ← screen (row, col) of the displayed plane (fractional positions allowed). */
export function screenToArray(t: ViewTransform, rows: number, cols: number, sr: number, sc: number): [number, number] {
  const [sRows, sCols] = t.transpose ? [cols, rows] : [rows, cols];
  const r0 = t.flipRows ? sRows - 1 - sr : sr, c0 = t.flipCols ? sCols - 1 - sc : sc;
  return t.transpose ? [c0, r0] : [r0, c0];
}
