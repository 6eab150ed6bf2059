// The three orthogonal views as planes of a z,y,x volume: which axis a view cuts, what its rows
// and columns are, and how a pointer position on screen maps to voxels. Pure functions.
import type { Axis } from '../../src-shared/api.ts';
import { anatomicalViews, type ViewTransform } from '../../src-shared/orientation/anatomical-views.ts';

/** Plain titles for volumes without an anatomical orientation (microscopy): the array's own planes. */
export const VIEWS: { axis: Axis; title: string }[] = [
  { axis: 'z', title: 'Axial (xy)' },
  { axis: 'y', title: 'Coronal (xz)' },
  { axis: 'x', title: 'Sagittal (yz)' },
];

/** [rows, cols] of the plane, and which volume axes (0 z, 1 y, 2 x) they run along */
export function planeLayout(shape: readonly number[], axis: Axis): { rows: number; cols: number; rowAxis: 0 | 1; colAxis: 1 | 2 } {
  if (axis === 'z') return { rows: shape[1]!, cols: shape[2]!, rowAxis: 1, colAxis: 2 };
  if (axis === 'y') return { rows: shape[0]!, cols: shape[2]!, rowAxis: 0, colAxis: 2 };
  return { rows: shape[0]!, cols: shape[1]!, rowAxis: 0, colAxis: 1 };
}

export function axisNumber(axis: Axis): 0 | 1 | 2 {
  return axis === 'z' ? 0 : axis === 'y' ? 1 : 2;
}

/** voxel offset of (row, col) on plane `index` of `axis` */
export function planeOffset(shape: readonly number[], axis: Axis, index: number, r: number, c: number): number {
  const Y = shape[1]!, X = shape[2]!;
  if (axis === 'z') return (index * Y + r) * X + c;
  if (axis === 'y') return (r * Y + index) * X + c;
  return (r * Y + c) * X + index;
}

/** (row, col) on a plane → z, y, x */
export function planeToVoxel(axis: Axis, index: number, r: number, c: number): [number, number, number] {
  if (axis === 'z') return [index, r, c];
  if (axis === 'y') return [r, index, c];
  return [r, c, index];
}

/** CSS size that shows the plane with its physical aspect ratio inside a box */
export function fitPlane(rows: number, cols: number, rowSpacing: number, colSpacing: number, boxW: number, boxH: number): { width: number; height: number } {
  const pw = cols * colSpacing, ph = rows * rowSpacing;
  const s = Math.min(boxW / pw, boxH / ph);
  return { width: Math.max(1, Math.floor(pw * s)), height: Math.max(1, Math.floor(ph * s)) };
}

export function hexToRgba(hex: string): [number, number, number, number] {
  const h = hex.replace('#', '');
  const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
  return [n(0), n(2), n(4), h.length >= 8 ? n(6) : 255];
}

export interface PlaneImage {
  image: ArrayLike<number>;
  shape: readonly number[];
  low: number;
  high: number;
  labels: Uint8Array | null;
  /** class value → rgba */
  colors: Map<number, [number, number, number, number]>;
  labelOpacity: number;
  prediction: ArrayLike<number> | null;
  predictionOpacity: number;
}

/** Composite one plane: windowed grey image, then prediction (cyan), then labels on top. */
export function renderPlane(out: ImageData, p: PlaneImage, axis: Axis, index: number): void {
  const { rows, cols } = planeLayout(p.shape, axis);
  const d = out.data;
  const scale = 255 / Math.max(1e-9, p.high - p.low);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const o = planeOffset(p.shape, axis, index, r, c);
      let g = (p.image[o]! - p.low) * scale;
      g = g < 0 ? 0 : g > 255 ? 255 : g;
      let R = g, G = g, B = g;
      if (p.prediction && p.prediction[o]) {
        const a = p.predictionOpacity;
        R = R * (1 - a); G = G * (1 - a) + 230 * a; B = B * (1 - a) + 230 * a;
      }
      const l = p.labels ? p.labels[r * cols + c]! : 0;
      if (l) {
        const col = p.colors.get(l);
        if (col) {
          const a = p.labelOpacity;
          R = R * (1 - a) + col[0] * a; G = G * (1 - a) + col[1] * a; B = B * (1 - a) + col[2] * a;
        }
      }
      const i = (r * cols + c) * 4;
      d[i] = R; d[i + 1] = G; d[i + 2] = B; d[i + 3] = 255;
    }
  }
}

/** robust display range: 0.5th–99.5th percentile of a subsample */
export function autoWindow(image: ArrayLike<number>, min: number, max: number): [number, number] {
  const n = image.length;
  const stride = Math.max(1, Math.floor(n / 200_000));
  const s: number[] = [];
  for (let i = 0; i < n; i += stride) s.push(image[i]!);
  s.sort((a, b) => a - b);
  const lo = s[Math.floor(s.length * 0.005)] ?? min, hi = s[Math.floor(s.length * 0.995)] ?? max;
  return hi > lo ? [lo, hi] : [min, max > min ? max : min + 1];
}

/** The three views of a volume: anatomical (radiological) when it has an affine, else the plain z/y/x planes. */
export function sliceViews(affine: readonly number[] | undefined): { transform: ViewTransform; title: string }[] {
  return anatomicalViews(affine).map((t, i) => ({
    transform: t, title: t.view ? `${t.view[0]!.toUpperCase()}${t.view.slice(1)} (array ${t.axis})` : VIEWS[i]!.title,
  }));
}

/** Screen rows and columns of a plane shown with `t`, and which volume axes they run along. */
export function screenLayout(shape: readonly number[], t: ViewTransform): { rows: number; cols: number; rowAxis: 0 | 1 | 2; colAxis: 0 | 1 | 2 } {
  const p = planeLayout(shape, t.axis);
  return t.transpose ? { rows: p.cols, cols: p.rows, rowAxis: p.colAxis, colAxis: p.rowAxis } : p;
}

/**
 * The CSS matrix that shows the array plane (width = its columns, height = its rows, origin top
 * left) as the screen wants it: transposed and mirrored per `t`, inside a box of width × height.
 */
export function planeCssTransform(t: ViewTransform, width: number, height: number): string {
  const e = t.flipCols ? width : 0, f = t.flipRows ? height : 0;
  const sc = t.flipCols ? -1 : 1, sr = t.flipRows ? -1 : 1;
  return t.transpose ? `matrix(0, ${sr}, ${sc}, 0, ${e}, ${f})` : `matrix(${sc}, 0, 0, ${sr}, ${e}, ${f})`;
}

/**
 * The live preview's classes over a composited plane (renderPlane's output): each class but the
 * background in its colour at `opacity`, only inside the preview's window and only where nothing
 * is painted (the painted labels stay as the user made them). Returns the voxels coloured.
 */
export function overlayPreview(out: ImageData, shape: readonly number[], axis: Axis, preview: { start: readonly number[]; extent: readonly number[]; labels: Uint8Array },
  painted: Uint8Array | null, colors: Map<number, [number, number, number, number]>, opacity: number): number {
  const { cols, rowAxis, colAxis } = planeLayout(shape, axis);
  const r0 = preview.start[rowAxis]!, c0 = preview.start[colAxis]!;
  const nr = preview.extent[rowAxis]!, nc = preview.extent[colAxis]!;
  const d = out.data;
  let shown = 0;
  for (let r = 0; r < nr; r++) {
    for (let c = 0; c < nc; c++) {
      const v = preview.labels[r * nc + c]!;
      const at = (r0 + r) * cols + c0 + c;
      if (v <= 1 || (painted && painted[at])) continue;
      const col = colors.get(v);
      if (!col) continue;
      const i = at * 4;
      d[i] = d[i]! * (1 - opacity) + col[0] * opacity;
      d[i + 1] = d[i + 1]! * (1 - opacity) + col[1] * opacity;
      d[i + 2] = d[i + 2]! * (1 - opacity) + col[2] * opacity;
      shown++;
    }
  }
  return shown;
}
