// Image shapes and the grid on which predictions live. 2D images are handled as 3D with
// depth 1 and a zero z ray component, so every kernel below is written once.

export type Shape = readonly [number, number] | readonly [number, number, number];
export type Shape3 = readonly [number, number, number];
export type LabelArray = Uint16Array | Uint32Array | Uint8Array | Int32Array;

export function as3(shape: Shape): Shape3 {
  for (const s of shape) if (!Number.isInteger(s) || s <= 0) throw new RangeError(`shape ${shape.join('×')} must be positive integers`);
  return shape.length === 2 ? [1, shape[0], shape[1]] : [shape[0], shape[1], shape[2]];
}

/** grid (prediction stride) as [gz, gy, gx]; 2D grids are [gy, gx] */
export function grid3(grid: readonly number[] | undefined, dim: 2 | 3): Shape3 {
  if (!grid) return [1, 1, 1];
  if (grid.length !== dim) throw new RangeError(`grid ${grid.join(',')} must have ${dim} entries`);
  for (const g of grid) if (!Number.isInteger(g) || g < 1) throw new RangeError(`grid ${grid.join(',')} must be positive integers`);
  return dim === 2 ? [1, grid[0], grid[1]] : [grid[0], grid[1], grid[2]];
}

/** shape of the subsampled grid: ceil(shape/grid) per axis */
export function gridShape(s: Shape3, g: Shape3): Shape3 {
  return [Math.ceil(s[0] / g[0]), Math.ceil(s[1] / g[1]), Math.ceil(s[2] / g[2])];
}
