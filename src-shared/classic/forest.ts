// A random forest classifier (Breiman 2001, as in scikit-learn and ilastik): each tree grows on
// a bootstrap sample, choosing at every node the best Gini split among √F randomly drawn
// features, until nodes are pure, too small, or too deep. Split search runs on quantile bins
// (binning.ts), so a node costs one pass over its samples per candidate feature.
// Leaves keep the class distribution of their bootstrap samples; the forest's probability is the
// mean over trees. Deterministic for a given seed.
import { seededRandom } from '../random.ts';
import { binFeatures, type BinnedFeatures } from './binning.ts';

export interface Tree {
  /** per node: the feature tested, -1 for a leaf */
  feature: Int32Array;
  /** per node: go left when x[feature] ≤ threshold */
  threshold: Float32Array;
  left: Int32Array;
  right: Int32Array;
  /** per node × class: the class distribution (leaves; zeros for inner nodes) */
  value: Float32Array;
}

export interface Forest {
  nFeatures: number;
  nClasses: number;
  trees: Tree[];
}

export interface ForestOptions {
  /** number of trees (default 100) */
  trees?: number;
  /**
   * depth limit (default 32, in practice unlimited: trees grow until leaves are pure, as in
   * scikit-learn and ilastik). A limit of 10–12 predicts 1.3× faster and scored the same on the
   * two-class VesselNN stacks, but it cost rare classes a lot (MRI, 4 classes: mean Dice
   * 0.42 at 12 against 0.49 unlimited).
   */
  maxDepth?: number;
  /** fewest bootstrap samples in a leaf (default 1) */
  minLeaf?: number;
  /** candidate features per split (default ⌈√F⌉) */
  featuresPerSplit?: number;
  /**
   * quantile bins per feature (default 256, the most one-byte codes hold). 64 bins restricted
   * the splits of few samples too much: on a 256² vessel image with 758 painted pixels Dice was
   * 0.51 at 64 bins and 0.59 at 256 (scikit-learn's exact splits: 0.61); 60 000 noisy samples
   * grow trees 15% slower at 256. Exact splits in nodes under 128 samples changed nothing there
   * and doubled the time.
   */
  bins?: number;
  seed?: number;
  /** after each tree; return true to stop early (the forest keeps the trees grown so far) */
  onTree?: (done: number, total: number) => boolean | void;
}

export interface ForestTraining {
  forest: Forest;
  /** accuracy of out-of-bag votes (samples a tree did not see), a free held-out estimate */
  oobAccuracy: number;
  nodes: number;
  meanLeafDepth: number;
}

interface Growth {
  binned: BinnedFeatures;
  y: Uint8Array;
  K: number;
  maxDepth: number;
  minLeaf: number;
  mtry: number;
  rand: () => number;
}

/** Grows one tree on the samples `idx` with bootstrap multiplicities `w`. */
function growTree(s: Growth, idx: Int32Array, w: Uint16Array): Tree & { leafDepthSum: number; leaves: number } {
  const { binned, y, K, maxDepth, minLeaf, mtry, rand } = s;
  const { n, f, codes } = binned;
  const feature: number[] = [], threshold: number[] = [], left: number[] = [], right: number[] = [];
  const value: number[] = [];
  const hist = new Float64Array(256 * K);
  const order = Int32Array.from({ length: f }, (_, j) => j);
  const cls = new Float64Array(K), leftCls = new Float64Array(K);
  let leafDepthSum = 0, leaves = 0;

  const newNode = () => {
    feature.push(-1); threshold.push(0); left.push(-1); right.push(-1);
    for (let k = 0; k < K; k++) value.push(0);
    return feature.length - 1;
  };
  const makeLeaf = (node: number, counts: Float64Array, total: number, depth: number) => {
    for (let k = 0; k < K; k++) value[node * K + k] = counts[k]! / total;
    leafDepthSum += depth; leaves++;
  };

  // depth-first, explicit stack: [node, start, end, depth]
  const stack: [number, number, number, number][] = [[newNode(), 0, idx.length, 0]];
  while (stack.length) {
    const [node, start, end, depth] = stack.pop()!;
    cls.fill(0);
    let total = 0;
    for (let p = start; p < end; p++) { const i = idx[p]!; cls[y[i]!]! += w[i]!; total += w[i]!; }
    let pure = 0;
    for (let k = 0; k < K; k++) if (cls[k]! > 0) pure++;
    if (pure <= 1 || depth >= maxDepth || total < 2 * minLeaf) { makeLeaf(node, cls, total, depth); continue; }

    // best split: maximise Σ L_k²/W_L + Σ R_k²/W_R (the weighted Gini decrease up to a constant)
    let bestScore = -1, bestFeature = -1, bestBin = -1;
    let parentScore = 0;
    for (let k = 0; k < K; k++) parentScore += (cls[k]! * cls[k]!) / total;
    let tried = 0;
    for (let t = 0; t < f && (tried < mtry || bestFeature < 0); t++) {
      // partial Fisher–Yates: order[t] becomes a fresh random feature
      const swap = t + Math.floor(rand() * (f - t));
      const j = order[swap]!; order[swap] = order[t]!; order[t] = j;
      const base = j * n;
      // only the bins the node's samples occupy: a deep node spans few of the 256
      let lo = 255, hi = 0;
      for (let p = start; p < end; p++) { const c = codes[base + idx[p]!]!; if (c < lo) lo = c; if (c > hi) hi = c; }
      if (lo === hi) continue;
      hist.fill(0, lo * K, (hi + 1) * K);
      for (let p = start; p < end; p++) { const i = idx[p]!; hist[codes[base + i]! * K + y[i]!]! += w[i]!; }
      leftCls.fill(0);
      let wl = 0, valid = false;
      for (let b = lo; b < hi; b++) {
        for (let k = 0; k < K; k++) { const h = hist[b * K + k]!; leftCls[k]! += h; wl += h; }
        const wr = total - wl;
        if (wl < minLeaf || wl === 0) continue;
        if (wr < minLeaf || wr === 0) break;
        let sl = 0, sr = 0;
        for (let k = 0; k < K; k++) { const l = leftCls[k]!, r = cls[k]! - l; sl += l * l; sr += r * r; }
        const score = sl / wl + sr / wr;
        valid = true;
        if (score > bestScore * (1 + 1e-12)) { bestScore = score; bestFeature = j; bestBin = b; }
      }
      if (valid) tried++;
    }
    if (bestFeature < 0 || bestScore <= parentScore * (1 + 1e-12)) { makeLeaf(node, cls, total, depth); continue; }

    // partition idx[start, end) so that codes ≤ bestBin come first
    const base = bestFeature * n;
    let a = start, z = end - 1;
    while (a <= z) {
      if (codes[base + idx[a]!]! <= bestBin) a++;
      else { const tmp = idx[a]!; idx[a] = idx[z]!; idx[z] = tmp; z--; }
    }
    feature[node] = bestFeature;
    threshold[node] = thresholdBetween(binned, bestFeature, idx, start, a, end);
    const l = newNode(), r = newNode();
    left[node] = l; right[node] = r;
    stack.push([r, a, end, depth + 1], [l, start, a, depth + 1]);
  }
  return {
    feature: Int32Array.from(feature), threshold: Float32Array.from(threshold),
    left: Int32Array.from(left), right: Int32Array.from(right), value: Float32Array.from(value),
    leafDepthSum, leaves,
  };
}

/**
 * Where a split goes, once idx[start, mid) went left and idx[mid, end) right: halfway between the
 * largest value sent left and the smallest sent right, as scikit-learn places it. The bin edge
 * itself is a training value, so splitting there gives every unlabeled voxel in the gap to the
 * class above it; with strokes, whose values leave wide gaps, that over-predicted the brighter
 * class (a 256² vessel image with 758 painted pixels: Dice 0.48 at the edge, 0.51 halfway).
 * Any threshold in [largest left, smallest right) partitions the training samples alike.
 */
function thresholdBetween(binned: BinnedFeatures, j: number, idx: Int32Array, start: number, mid: number, end: number): number {
  const base = j * binned.n;
  let lo = -Infinity, hi = Infinity;
  for (let p = start; p < mid; p++) { const v = binned.values[base + idx[p]!]!; if (v > lo) lo = v; }
  for (let p = mid; p < end; p++) { const v = binned.values[base + idx[p]!]!; if (v < hi) hi = v; }
  const t = Math.fround(lo + (hi - lo) / 2);
  return t >= lo && t < hi ? t : lo;
}

/** The leaf `tree` sends a sample to, given a feature getter. */
export function leafOf(tree: Tree, x: (j: number) => number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) node = x(tree.feature[node]!) <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  return node;
}

/**
 * Trains on row-major samples X [n × f] with class indices y (0…K-1).
 */
export function trainForest(X: Float32Array, n: number, f: number, y: Uint8Array, K: number, opts: ForestOptions = {}): ForestTraining {
  if (n < 2) throw new Error('a forest needs at least two samples');
  for (let i = 0; i < n; i++) if (y[i]! >= K) throw new Error(`sample ${i} has class ${y[i]}, beyond the ${K} classes`);
  const trees = opts.trees ?? 100;
  const rand = seededRandom(opts.seed ?? 1);
  const binned = binFeatures(X, n, f, opts.bins ?? 256);
  const growth: Growth = {
    binned, y, K, rand,
    maxDepth: opts.maxDepth ?? 32, minLeaf: opts.minLeaf ?? 1,
    mtry: Math.max(1, Math.min(f, opts.featuresPerSplit ?? Math.ceil(Math.sqrt(f)))),
  };
  const out: Tree[] = [];
  const oobVotes = new Float32Array(n * K);
  const w = new Uint16Array(n);
  let nodes = 0, leafDepthSum = 0, leaves = 0;
  for (let t = 0; t < trees; t++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[Math.floor(rand() * n)]!++;
    let m = 0;
    for (let i = 0; i < n; i++) if (w[i]) m++;
    const idx = new Int32Array(m);
    for (let i = 0, p = 0; i < n; i++) if (w[i]) idx[p++] = i;
    const tree = growTree(growth, idx, w);
    out.push(tree);
    nodes += tree.feature.length; leafDepthSum += tree.leafDepthSum; leaves += tree.leaves;
    // out-of-bag votes, evaluated on the bin codes (code ≤ b ⇔ x ≤ threshold)
    for (let i = 0; i < n; i++) {
      if (w[i]) continue;
      let node = 0;
      while (tree.feature[node]! >= 0) {
        const j = tree.feature[node]!;
        node = X[i * f + j]! <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
      }
      for (let k = 0; k < K; k++) oobVotes[i * K + k]! += tree.value[node * K + k]!;
    }
    if (opts.onTree?.(t + 1, trees) === true) break;
  }
  let voted = 0, right = 0;
  for (let i = 0; i < n; i++) {
    let best = -1, arg = -1;
    for (let k = 0; k < K; k++) if (oobVotes[i * K + k]! > best) { best = oobVotes[i * K + k]!; arg = k; }
    if (best > 0) { voted++; if (arg === y[i]) right++; }
  }
  return {
    forest: { nFeatures: f, nClasses: K, trees: out.map(({ feature, threshold, left, right, value }) => ({ feature, threshold, left, right, value })) },
    oobAccuracy: voted ? right / voted : NaN,
    nodes, meanLeafDepth: leaves ? leafDepthSum / leaves : 0,
  };
}

/** Class probabilities [n × K] of row-major samples (the reference the ONNX graph must match). */
export function predictForest(forest: Forest, X: Float32Array, n: number): Float32Array {
  const { nFeatures: f, nClasses: K, trees } = forest;
  const out = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    for (const tree of trees) {
      const leaf = leafOf(tree, (j) => X[i * f + j]!);
      for (let k = 0; k < K; k++) out[i * K + k]! += tree.value[leaf * K + k]!;
    }
    for (let k = 0; k < K; k++) out[i * K + k]! /= trees.length;
  }
  return out;
}

/**
 * The most probable class index of each row-major sample (what a preview draws): the same votes as
 * predictForest, summed tree by tree so each tree's arrays stay in cache while it walks every sample.
 */
export function forestClasses(forest: Forest, X: Float32Array, n: number): Uint8Array {
  const { nFeatures: f, nClasses: K } = forest;
  const votes = new Float32Array(n * K);
  for (const { feature, threshold, left, right, value } of forest.trees) {
    for (let i = 0, row = 0; i < n; i++, row += f) {
      let node = 0;
      for (let j = feature[0]!; j >= 0; j = feature[node]!) node = X[row + j]! <= threshold[node]! ? left[node]! : right[node]!;
      const v = node * K, o = i * K;
      for (let k = 0; k < K; k++) votes[o + k]! += value[v + k]!;
    }
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (votes[i * K + k]! > votes[i * K + best]!) best = k;
    out[i] = best;
  }
  return out;
}
