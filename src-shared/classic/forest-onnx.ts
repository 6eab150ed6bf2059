// The forest as a standard ONNX-ML node: ai.onnx.ml TreeEnsembleRegressor (opset 3), which
// onnxruntime's CPU provider runs natively. A regressor rather than the classifier op because it
// outputs exactly the channels the class contract wants and nothing else: one target (P of the
// class) for binary models, K targets (the class distribution) otherwise, averaged over the trees
// (aggregate_function AVERAGE, post_transform NONE). The classifier op would add a label output
// and a special binary case. Leaves' class distributions are the targets' weights, so the trees
// can be read back from the nodes' attributes alone (forestFromTreeEnsembles).
//
// The trees are split over small nodes whose outputs are summed. onnxruntime (1.30,
// tree_ensemble_common.h) parallelises a node with many trees over its trees, meeting at a
// barrier every 128 rows (and, with several outputs, allocating score vectors per row), and a
// node with fewer trees than threads over rows, streaming all rows through a tree that stays in
// cache. The switch is "trees > threads" for one output but "trees ≥ threads" for several, so
// nodes hold 2 trees for binary models and 1 for multi-class ones: with 2 threads, one node of
// 100 trees took 1.5× the CPU and twice the wall time (burgess stack), and 4-class nodes of 2
// trees were 30× slower than nodes of 1 (MRI).
import type { Graph, Value, Attr } from '../nn/graph.ts';
import { int, ints, floats, str, strs } from '../nn/graph.ts';
import * as op from '../nn/ops.ts';
import { LumenError } from '../errors.ts';
import type { Forest, Tree } from './forest.ts';

export const TREE_ENSEMBLE_OP = 'TreeEnsembleRegressor';
/** Trees per TreeEnsembleRegressor node, by number of outputs (see above). */
export const treesPerNode = (outputs: number): number => (outputs === 1 ? 2 : 1);
export const ML_DOMAIN = 'ai.onnx.ml';

/** Outputs per class count: binary → 1 (P(classes[1])), K ≥ 3 → K. */
export const forestOutputs = (nClasses: number): number => (nClasses <= 2 ? 1 : nClasses);

/** The node's attributes for `forest`. */
export function treeEnsembleAttributes(forest: Forest): Record<string, Attr> {
  const K = forest.nClasses, outs = forestOutputs(K);
  const treeIds: number[] = [], nodeIds: number[] = [], featureIds: number[] = [], values: number[] = [], modes: string[] = [];
  const trueIds: number[] = [], falseIds: number[] = [];
  const tTree: number[] = [], tNode: number[] = [], tId: number[] = [], tWeight: number[] = [];
  forest.trees.forEach((tree, t) => {
    for (let node = 0; node < tree.feature.length; node++) {
      const leaf = tree.feature[node]! < 0;
      treeIds.push(t); nodeIds.push(node);
      featureIds.push(leaf ? 0 : tree.feature[node]!);
      values.push(leaf ? 0 : tree.threshold[node]!);
      modes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      trueIds.push(leaf ? 0 : tree.left[node]!);
      falseIds.push(leaf ? 0 : tree.right[node]!);
      if (!leaf) continue;
      if (outs === 1) { tTree.push(t); tNode.push(node); tId.push(0); tWeight.push(tree.value[node * K + 1]!); continue; }
      for (let k = 0; k < K; k++) { tTree.push(t); tNode.push(node); tId.push(k); tWeight.push(tree.value[node * K + k]!); }
    }
  });
  return {
    n_targets: int(outs), aggregate_function: str('AVERAGE'), post_transform: str('NONE'), base_values: floats(new Array(outs).fill(0)),
    nodes_treeids: ints(treeIds), nodes_nodeids: ints(nodeIds), nodes_featureids: ints(featureIds), nodes_values: floats(values),
    nodes_modes: strs(modes), nodes_truenodeids: ints(trueIds), nodes_falsenodeids: ints(falseIds),
    target_treeids: ints(tTree), target_nodeids: ints(tNode), target_ids: ints(tId), target_weights: floats(tWeight),
  };
}

/** rows [N, F] → [N, forestOutputs(K)] mean leaf values over the trees. */
export function appendForest(g: Graph, rows: Value, forest: Forest): Value {
  if (rows.shape.length !== 2 || rows.shape[1] !== forest.nFeatures) {
    throw new Error(`the forest takes [N, ${forest.nFeatures}] rows, got [${rows.shape}]`);
  }
  const T = forest.trees.length;
  const outShape = [rows.shape[0]!, forestOutputs(forest.nClasses)];
  // each node averages its own trees; nodes holding the same number of trees are summed first and
  // weighted once (a Mul per node took a third of the nodes' own time)
  const bySize = new Map<number, Value[]>();
  const per = treesPerNode(outShape[1]!);
  for (let t = 0; t < T; t += per) {
    const part: Forest = { ...forest, trees: forest.trees.slice(t, t + per) };
    const mean = g.node(TREE_ENSEMBLE_OP, [rows], [{ shape: outShape }], treeEnsembleAttributes(part), 'pixel_forest', ML_DOMAIN)[0]!;
    bySize.set(part.trees.length, [...(bySize.get(part.trees.length) ?? []), mean]);
  }
  // the forest's mean = Σ over groups of (trees per node / T) · Σ of the group's node means; summed
  // as a chain of Adds, so each node's output is freed once added (one Sum of 100 inputs kept all
  // of them alive: 0.9 GB for 4 classes on a block of half a million voxels)
  const chain = (xs: Value[]) => xs.reduce((acc, x) => op.add(g, acc, x));
  const terms = [...bySize].map(([size, means]) => {
    const total = chain(means);
    return size === T ? total : op.mul(g, total, g.scalar(size / T));
  });
  return chain(terms);
}

/** A decoded ONNX attribute, as onnx-proto gives it (only the fields read here). */
export interface AttributeLike {
  name?: string | null;
  i?: number | { toNumber(): number } | null;
  s?: Uint8Array | null;
  ints?: (number | { toNumber(): number })[] | null;
  floats?: number[] | null;
  strings?: Uint8Array[] | null;
}

export interface NodeLike { opType?: string | null; domain?: string | null; attribute?: AttributeLike[] | null }

const num = (v: number | { toNumber(): number }) => (typeof v === 'number' ? v : v.toNumber());

/**
 * The forest held by the TreeEnsembleRegressor nodes appendForest wrote (in graph order), given the
 * class count (binary nodes store only P(class 1), so 2 cannot be told from the nodes alone).
 */
export function forestFromTreeEnsembles(nodes: readonly NodeLike[], nFeatures: number, nClasses: number): Forest {
  return { nFeatures, nClasses, trees: nodes.flatMap((n) => treesOf(n, nClasses)) };
}

/** Trees in one node. */
export function treeCount(node: NodeLike): number {
  const ids = (node.attribute ?? []).find((a) => a.name === 'nodes_treeids')?.ints ?? [];
  return ids.reduce<number>((m, t) => Math.max(m, num(t) + 1), 0);
}

function treesOf(node: NodeLike, nClasses: number): Tree[] {
  if (node.opType !== TREE_ENSEMBLE_OP || (node.domain ?? '') !== ML_DOMAIN) {
    throw new LumenError('damaged', `expected an ${ML_DOMAIN} ${TREE_ENSEMBLE_OP} node, found ${node.domain || 'ai.onnx'} ${node.opType}`);
  }
  const attrs = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
  const intsOf = (name: string) => (attrs.get(name)?.ints ?? []).map(num);
  const floatsOf = (name: string) => attrs.get(name)?.floats ?? [];
  const modes = (attrs.get('nodes_modes')?.strings ?? []).map((b) => new TextDecoder().decode(b));
  const treeIds = intsOf('nodes_treeids'), nodeIds = intsOf('nodes_nodeids'), featureIds = intsOf('nodes_featureids');
  const values = floatsOf('nodes_values'), trueIds = intsOf('nodes_truenodeids'), falseIds = intsOf('nodes_falsenodeids');
  const tTree = intsOf('target_treeids'), tNode = intsOf('target_nodeids'), tId = intsOf('target_ids'), tWeight = floatsOf('target_weights');
  const outs = forestOutputs(nClasses);
  const nTargets = attrs.get('n_targets')?.i;
  if (nTargets === undefined || nTargets === null || num(nTargets) !== outs) throw new LumenError('damaged', `the tree ensemble has ${nTargets} outputs, ${outs} expected for ${nClasses} classes`);
  const sizes: number[] = [];
  treeIds.forEach((t, i) => { sizes[t] = Math.max(sizes[t] ?? 0, nodeIds[i]! + 1); });
  const trees: Tree[] = sizes.map((n) => ({
    feature: new Int32Array(n).fill(-1), threshold: new Float32Array(n), left: new Int32Array(n).fill(-1), right: new Int32Array(n).fill(-1),
    value: new Float32Array(n * nClasses),
  }));
  treeIds.forEach((t, i) => {
    const tree = trees[t]!, node = nodeIds[i]!;
    if (modes[i] === 'LEAF') return;
    if (modes[i] !== 'BRANCH_LEQ') throw new LumenError('unsupported', `tree node mode ${modes[i]} is not one Lumen writes`);
    tree.feature[node] = featureIds[i]!; tree.threshold[node] = values[i]!;
    tree.left[node] = trueIds[i]!; tree.right[node] = falseIds[i]!;
  });
  tTree.forEach((t, i) => {
    const tree = trees[t]!, node = tNode[i]!;
    if (outs === 1) { tree.value[node * 2 + 1] = tWeight[i]!; tree.value[node * 2] = 1 - tWeight[i]!; }
    else tree.value[node * nClasses + tId[i]!] = tWeight[i]!;
  });
  return trees;
}
