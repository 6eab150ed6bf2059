// Quantile binning of features for histogram-based split search (as LightGBM and scikit-learn's
// HistGradientBoosting do): each feature keeps at most `bins` - 1 candidate thresholds, taken at
// quantiles of its training values, and every sample is stored as a one-byte bin code. Split
// search then costs one pass over a node's samples per feature instead of a sort.
//
// Codes are defined so that code(x) ≤ b ⇔ x ≤ edges[b] exactly, in float32: a tree that splits
// on "code ≤ b" is the same tree as "x ≤ edges[b]", which is what the ONNX tree ensemble evaluates.

export interface BinnedFeatures {
  /** samples */
  n: number;
  /** features */
  f: number;
  /** feature-major codes: codes[j·n + i] is sample i's bin of feature j */
  codes: Uint8Array;
  /** per feature, ascending float32 thresholds; bins of feature j = edges[j].length + 1 */
  edges: Float32Array[];
  /** feature-major values: values[j·n + i] is sample i's feature j (for placing thresholds between samples) */
  values: Float32Array;
}

/** First index whose edge is ≥ x (edges.length if none): the bin of x. NaN goes past every edge. */
export function binOf(edges: Float32Array, x: number): number {
  if (Number.isNaN(x)) return edges.length; // "x ≤ t" is false for NaN: it goes right at every split
  let lo = 0, hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Row-major samples X [n × f] → codes and thresholds, at most `bins` (≤ 256) bins per feature. */
export function binFeatures(X: Float32Array, n: number, f: number, bins = 256): BinnedFeatures {
  if (bins < 2 || bins > 256) throw new Error(`bins must be in [2, 256], not ${bins}`);
  const codes = new Uint8Array(n * f);
  const values = new Float32Array(n * f);
  const edges: Float32Array[] = [];
  const column = new Float32Array(n);
  for (let j = 0; j < f; j++) {
    for (let i = 0; i < n; i++) column[i] = X[i * f + j]!;
    const sorted = column.slice().sort();
    const cut: number[] = [];
    for (let b = 1; b < bins; b++) {
      const v = sorted[Math.min(n - 1, Math.floor((b * n) / bins))]!;
      // a threshold at the maximum separates nothing
      if (Number.isFinite(v) && v < sorted[n - 1]! && (cut.length === 0 || v > cut[cut.length - 1]!)) cut.push(v);
    }
    const e = Float32Array.from(cut);
    edges.push(e);
    const base = j * n;
    for (let i = 0; i < n; i++) codes[base + i] = binOf(e, column[i]!);
    values.set(column, base);
  }
  return { n, f, codes, edges, values };
}
