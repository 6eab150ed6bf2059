// Instance mode on a slice: each object in its own stable colour (hashed hue, api.ts
// instanceColor), filled lightly with a solid outline so the image stays readable underneath;
// the objects a model found as outlines only; outside the regions marked as fully annotated the
// image is dimmed. Pure functions over an ImageData the view already holds the windowed image in.
import { instanceColor, type Axis } from '../../src-shared/api.ts';
import { planeLayout, planeOffset } from './planes.ts';

/** The values of one plane of a z, y, x volume, row-major (rows × cols as planeLayout says). */
export function readPlane<T extends Uint32Array | Uint8Array>(data: T, shape: readonly number[], axis: Axis, index: number): T {
  const { rows, cols } = planeLayout(shape, axis);
  const out = new (data.constructor as { new (n: number): T })(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = data[planeOffset(shape, axis, index, r, c)]!;
  return out;
}

const colorCache = new Map<number, [number, number, number]>();
function colorOf(id: number): [number, number, number] {
  let c = colorCache.get(id);
  if (!c) { c = instanceColor(id); if (colorCache.size < 100_000) colorCache.set(id, c); }
  return c;
}

/** True where a pixel's id differs from a 4-neighbour's (or the plane ends): the object's outline. */
function onOutline(ids: Uint32Array, rows: number, cols: number, r: number, c: number): boolean {
  const v = ids[r * cols + c]!;
  return r === 0 || c === 0 || r === rows - 1 || c === cols - 1
    || ids[(r - 1) * cols + c] !== v || ids[(r + 1) * cols + c] !== v || ids[r * cols + c - 1] !== v || ids[r * cols + c + 1] !== v;
}

export interface InstanceStyle {
  /** fill opacity inside objects (0: outlines only) */
  fill: number;
  /** outline opacity */
  outline: number;
  /** this object gets a white outline (the merge tool's first pick) */
  highlight?: number | null;
}

/** Draw the objects of a plane (`ids`, rows × cols) over `out`. */
export function overlayInstances(out: ImageData, ids: Uint32Array, rows: number, cols: number, style: InstanceStyle): void {
  const d = out.data;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    const id = ids[r * cols + c]!;
    if (id === 0) continue;
    const edge = onOutline(ids, rows, cols, r, c);
    const a = edge ? style.outline : style.fill;
    if (a <= 0) continue;
    const [R, G, B] = edge && style.highlight === id ? [255, 255, 255] : colorOf(id);
    const i = (r * cols + c) * 4;
    d[i] = d[i]! * (1 - a) + R * a; d[i + 1] = d[i + 1]! * (1 - a) + G * a; d[i + 2] = d[i + 2]! * (1 - a) + B * a;
  }
}

/** Dim what lies outside the marked regions and outline them in yellow (no-op when none is marked). */
export function dimOutsideRegions(out: ImageData, marked: Uint8Array, rows: number, cols: number, anyMarked: boolean): void {
  if (!anyMarked) return;
  const d = out.data;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    const i = (r * cols + c) * 4, m = marked[r * cols + c]!;
    if (!m) { d[i] = d[i]! * 0.45; d[i + 1] = d[i + 1]! * 0.45; d[i + 2] = d[i + 2]! * 0.45; continue; }
    const edge = r === 0 || c === 0 || r === rows - 1 || c === cols - 1 || !marked[(r - 1) * cols + c] || !marked[(r + 1) * cols + c] || !marked[r * cols + c - 1] || !marked[r * cols + c + 1];
    if (edge) { d[i] = 250; d[i + 1] = 204; d[i + 2] = 21; }
  }
}
