// Anatomical views from the NIfTI affine: every reordering and mirroring of a volume's array axes
// (with its affine adjusted to describe the same anatomy) must show each voxel at the same place
// on screen, and the letters must name the patient's sides.
import { describe, it, expect } from 'vitest';
import { anatomicalViews, arrayToScreen, screenToArray, PLAIN_VIEWS, type ViewTransform } from '../../src-shared/orientation/anatomical-views.ts';
import { planeLayout, planeToVoxel } from '../../src-renderer/lib/planes.ts';
import { reorder } from './reorder.ts';

type Zyx = [number, number, number];

/** An RAS affine (row-major, voxel i = x, j = y, k = z) with these spacings, axis-aligned. */
const ras = (sp: Zyx): number[] => [sp[2], 0, 0, 0, 0, sp[1], 0, 0, 0, 0, sp[0], 0, 0, 0, 0, 1];

/** Where voxel v shows on the screen of view t (on the slice through v): screen (row, col) and the plane's screen size. */
function onScreen(t: ViewTransform, shape: Zyx, v: Zyx): { at: [number, number]; size: [number, number] } {
  const { rows, cols, rowAxis, colAxis } = planeLayout(shape, t.axis);
  const at = arrayToScreen(t, rows, cols, v[rowAxis]!, v[colAxis]!);
  return { at, size: t.transpose ? [cols, rows] : [rows, cols] };
}

describe('anatomical views', () => {
  const shape: Zyx = [9, 11, 13];
  const affine = ras([2, 1, 1.5]);
  const base = anatomicalViews(affine);

  it('an RAS volume: axial cuts z, anterior up, the patient’s right on the left', () => {
    expect(base.map((t) => [t.view, t.axis])).toEqual([['axial', 'z'], ['coronal', 'y'], ['sagittal', 'x']]);
    expect(base[0]!.letters).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(base[1]!.letters).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    expect(base[2]!.letters).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
    // array y grows towards anterior: rows must run upwards
    expect(base[0]!.flipRows).toBe(true);
  });

  it('every permutation and mirroring of the axes shows each voxel at the same place with the same letters', () => {
    const perms: Zyx[] = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    const probes: Zyx[] = [[0, 0, 0], [8, 10, 12], [3, 7, 2], [5, 1, 11]];
    for (const perm of perms) for (let f = 0; f < 8; f++) {
      const flip: [boolean, boolean, boolean] = [!!(f & 1), !!(f & 2), !!(f & 4)];
      const r = reorder(shape, affine, perm, flip);
      const views = anatomicalViews(r.affine);
      views.forEach((t, i) => {
        expect(t.view).toBe(base[i]!.view);
        expect(t.letters).toEqual(base[i]!.letters);
        for (const v of probes) expect(onScreen(t, r.shape, r.map(v)), `perm ${perm} flip ${flip} ${t.view}`).toEqual(onScreen(base[i]!, shape, v));
      });
    }
  });

  it('screen → array inverts array → screen, and lands on the voxel the radiologist points at', () => {
    const r = reorder(shape, affine, [2, 0, 1], [true, false, true]);
    for (const t of anatomicalViews(r.affine)) {
      const { rows, cols } = planeLayout(r.shape, t.axis);
      for (const [a, b] of [[0, 0], [rows - 1, cols - 1], [2, 3]] as [number, number][]) {
        const s = arrayToScreen(t, rows, cols, a, b);
        expect(screenToArray(t, rows, cols, s[0], s[1])).toEqual([a, b]);
      }
    }
    // coronal view of the reordered volume: the screen's top-left pixel is the patient's right, superior
    const coronal = anatomicalViews(r.affine)[1]!;
    const { rows, cols } = planeLayout(r.shape, coronal.axis);
    const [ar, ac] = screenToArray(coronal, rows, cols, 0, 0);
    const stored = planeToVoxel(coronal.axis, 0, ar, ac);
    // back to the original voxel: right-most x (array x grows towards R) and top-most z
    const original = [0, 1, 2].map((o) => { const a = [2, 0, 1].indexOf(o); const s = stored[a]!; return [true, false, true][a] ? r.shape[a]! - 1 - s : s; });
    expect(original[0]).toBe(shape[0] - 1); // superior
    expect(original[2]).toBe(shape[2] - 1); // patient's right
  });

  it('without an affine (microscopy), the plain z / y / x views', () => {
    expect(anatomicalViews(undefined)).toBe(PLAIN_VIEWS);
    expect(anatomicalViews(new Array(16).fill(0))).toBe(PLAIN_VIEWS);
  });
});
