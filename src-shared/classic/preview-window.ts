// Which part of a view the live preview covers: the whole plane through the cursor, or, where the
// plane is larger than the preview may afford, a window of it centred on the cursor (the place the
// user is looking at and painting). Pure geometry, z/y/x order.

/** The view's plane: `axis` (0 z, 1 y, 2 x) at `index`, and the window of it the preview covers. */
export interface PreviewWindow {
  axis: 0 | 1 | 2;
  index: number;
  /** the window's first voxel (z, y, x; along `axis` it is `index`) and its extents (1 along `axis`) */
  start: [number, number, number];
  extent: [number, number, number];
}

/** Longest side of a previewed window: 1024 keeps one view's feature rows near 100 MB at 25 features. */
export const MAX_PREVIEW_SIDE = 1024;

export function previewWindow(shape: readonly number[], axis: 0 | 1 | 2, cursor: readonly number[], maxSide = MAX_PREVIEW_SIDE): PreviewWindow {
  const start: [number, number, number] = [0, 0, 0];
  const extent: [number, number, number] = [1, 1, 1];
  for (let a = 0; a < 3; a++) {
    const n = shape[a]!;
    const c = Math.min(n - 1, Math.max(0, Math.round(cursor[a]!)));
    if (a === axis) { start[a] = c; continue; }
    const e = Math.min(n, maxSide);
    start[a] = Math.min(n - e, Math.max(0, c - Math.floor(e / 2)));
    extent[a] = e;
  }
  return { axis, index: start[axis], start, extent };
}

export const windowKey = (w: PreviewWindow): string => `${w.start.join(',')}+${w.extent.join(',')}`;
