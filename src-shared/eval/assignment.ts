// Optimal one-to-one assignment (Hungarian algorithm, Kuhn–Munkres with potentials, O(n²m)).
// Instance matching calls it only on small groups of objects that compete for the same partners,
// so a dense matrix per call is fine.

/**
 * The assignment of rows to distinct columns that maximises the summed `weight[r][c]`, for
 * rows ≤ columns; a weight of 0 is as good as leaving the row unassigned. Returns the column of
 * each row.
 */
export function maxWeightAssignment(weight: readonly (readonly number[])[]): number[] {
  const n = weight.length, m = n ? weight[0]!.length : 0;
  if (n > m) throw new Error(`assignment needs rows ≤ columns (got ${n}×${m})`);
  // min-cost form on 1-based arrays: cost = -weight; u, v are the row and column potentials
  const u = new Float64Array(n + 1), v = new Float64Array(m + 1);
  const rowOfCol = new Int32Array(m + 1), way = new Int32Array(m + 1);
  for (let r = 1; r <= n; r++) {
    rowOfCol[0] = r;
    let c0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[c0] = 1;
      const r0 = rowOfCol[c0]!;
      let delta = Infinity, c1 = 0;
      for (let c = 1; c <= m; c++) {
        if (used[c]) continue;
        const cur = -weight[r0 - 1]![c - 1]! - u[r0]! - v[c]!;
        if (cur < minv[c]!) { minv[c] = cur; way[c] = c0; }
        if (minv[c]! < delta) { delta = minv[c]!; c1 = c; }
      }
      for (let c = 0; c <= m; c++) {
        if (used[c]) { u[rowOfCol[c]!]! += delta; v[c]! -= delta; } else minv[c]! -= delta;
      }
      c0 = c1;
    } while (rowOfCol[c0] !== 0);
    do { const c1 = way[c0]!; rowOfCol[c0] = rowOfCol[c1]!; c0 = c1; } while (c0);
  }
  const colOfRow = new Array<number>(n).fill(-1);
  for (let c = 1; c <= m; c++) if (rowOfCol[c]) colOfRow[rowOfCol[c]! - 1] = c - 1;
  return colOfRow;
}
