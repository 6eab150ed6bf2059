// Instance segmentation scores as StarDist (Schmidt et al. 2018, `stardist.matching.matching`) and
// Cellpose (Stringer et al. 2021, `cellpose.metrics.average_precision`) define them: a predicted
// object is a true positive when it is matched one-to-one to a true object with IoU ≥ τ; the
// matching maximises the number of such pairs, then their summed IoU. For τ > 0.5 an object can
// overlap at most one partner that much, so every pair stands alone; at τ = 0.5 exactly (ties) and
// below, groups of objects competing for partners are solved with the Hungarian algorithm.
import { maxWeightAssignment } from './assignment.ts';
import { measureObjects } from './object-table.ts';

export interface OverlapPair { truthId: number; predId: number; intersection: number; iou: number }

/** Which objects overlap and by how much: sizes of every object and only the pairs that touch. */
export interface OverlapTable {
  /** id → voxel count, for every non-zero id of the truth / prediction */
  truthSizes: Map<number, number>;
  predSizes: Map<number, number>;
  /** pairs of non-zero ids sharing at least one voxel, by truth id then prediction id */
  pairs: OverlapPair[];
}

/** The sparse overlap table of two label images of equal length, in one pass over the voxels. */
export function overlapTable(truth: ArrayLike<number>, pred: ArrayLike<number>): OverlapTable {
  if (truth.length !== pred.length) throw new Error(`overlap needs equal sizes (truth ${truth.length}, prediction ${pred.length})`);
  // counts by truth id, then prediction id (0 included, so the sizes come out of the same table);
  // a run of equal pairs is counted before touching the maps, since objects are contiguous in rows
  const table = new Map<number, Map<number, number>>();
  let runT = 0, runP = 0, run = 0;
  const flush = () => {
    if (run === 0 || (runT === 0 && runP === 0)) return;
    let row = table.get(runT);
    if (!row) table.set(runT, (row = new Map()));
    row.set(runP, (row.get(runP) ?? 0) + run);
  };
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!, p = pred[i]!;
    if (t === runT && p === runP) { run++; continue; }
    flush();
    runT = t; runP = p; run = 1;
  }
  flush();
  const truthSizes = new Map<number, number>(), predSizes = new Map<number, number>();
  for (const [t, row] of table) for (const [p, n] of row) {
    if (t) truthSizes.set(t, (truthSizes.get(t) ?? 0) + n);
    if (p) predSizes.set(p, (predSizes.get(p) ?? 0) + n);
  }
  const pairs: OverlapPair[] = [];
  for (const [t, row] of table) for (const [p, n] of row) {
    if (t && p) pairs.push({ truthId: t, predId: p, intersection: n, iou: n / (truthSizes.get(t)! + predSizes.get(p)! - n) });
  }
  pairs.sort((a, b) => a.truthId - b.truthId || a.predId - b.predId);
  return { truthSizes, predSizes, pairs };
}

/** The table without the objects `keep` refuses: they are not scored, and neither are their overlaps. */
export function restrictTable(table: OverlapTable, keepTruth: (id: number) => boolean, keepPred: (id: number) => boolean): OverlapTable {
  const keep = (sizes: Map<number, number>, ok: (id: number) => boolean) => new Map([...sizes].filter(([id]) => ok(id)));
  return {
    truthSizes: keep(table.truthSizes, keepTruth), predSizes: keep(table.predSizes, keepPred),
    pairs: table.pairs.filter((p) => keepTruth(p.truthId) && keepPred(p.predId)),
  };
}

export interface ThresholdScores {
  tau: number;
  tp: number; fp: number; fn: number;
  /** tp / (tp + fp) */
  precision: number;
  /** tp / (tp + fn) */
  recall: number;
  /** 2tp / (2tp + fp + fn) */
  f1: number;
  /** tp / (tp + fp + fn): "average precision" at τ in StarDist's and Cellpose's papers ("accuracy" in StarDist's code) */
  ap: number;
  /** mean IoU of the matched pairs; 0 without matches (as StarDist) */
  meanMatchedIoU: number;
  /** summed matched IoU / (tp + fp/2 + fn/2) (Kirillov et al. 2019) */
  panopticQuality: number;
}

export interface Match { truthId: number; predId: number; iou: number }

// 0/0 (nothing to find and nothing found) is perfect agreement, as in metrics.ts; StarDist says 0
const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

/** The one-to-one matching at IoU ≥ `tau` (0 < τ ≤ 1) and its scores. */
export function matchAtThreshold(table: OverlapTable, tau: number): { scores: ThresholdScores; matches: Match[] } {
  if (!(tau > 0 && tau <= 1)) throw new Error(`an IoU threshold must be above 0 and at most 1, got ${tau}`);
  const candidates = table.pairs.filter((p) => p.iou >= tau);
  const matches: Match[] = [];
  for (const group of competingGroups(candidates)) {
    if (group.length === 1) { matches.push({ truthId: group[0]!.truthId, predId: group[0]!.predId, iou: group[0]!.iou }); continue; }
    matches.push(...bestAssignment(group));
  }
  matches.sort((a, b) => a.truthId - b.truthId);
  const tp = matches.length, fp = table.predSizes.size - tp, fn = table.truthSizes.size - tp;
  // summed in order of value, not of id, so relabelling the objects cannot change the last digit
  const sumIoU = matches.map((m) => m.iou).sort((a, b) => a - b).reduce((s, x) => s + x, 0);
  return {
    matches,
    scores: {
      tau, tp, fp, fn,
      precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(2 * tp, 2 * tp + fp + fn), ap: ratio(tp, tp + fp + fn),
      meanMatchedIoU: tp ? sumIoU / tp : 0, panopticQuality: ratio(sumIoU, tp + fp / 2 + fn / 2),
    },
  };
}

/** Candidate pairs split into connected groups (objects linked through shared partners), by union-find. */
function competingGroups(pairs: readonly OverlapPair[]): OverlapPair[][] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r)!;
    for (let x = k; x !== r;) { const next = parent.get(x)!; parent.set(x, r); x = next; }
    return r;
  };
  for (const p of pairs) {
    const a = `t${p.truthId}`, b = `p${p.predId}`;
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    parent.set(find(a), find(b));
  }
  const groups = new Map<string, OverlapPair[]>();
  for (const p of pairs) {
    const root = find(`t${p.truthId}`);
    const group = groups.get(root);
    if (group) group.push(p); else groups.set(root, [p]);
  }
  return [...groups.values()];
}

/** Most matches first, then the largest summed IoU: each match weighs 1 + IoU/(2k), k matches at most, so IoU only breaks ties. */
function bestAssignment(group: readonly OverlapPair[]): Match[] {
  const truthIds = [...new Set(group.map((p) => p.truthId))], predIds = [...new Set(group.map((p) => p.predId))];
  const truthRows = truthIds.length <= predIds.length;
  const rows = truthRows ? truthIds : predIds, cols = truthRows ? predIds : truthIds;
  const k = rows.length;
  const weight = rows.map(() => new Array<number>(cols.length).fill(0));
  const byKey = new Map<string, OverlapPair>();
  for (const p of group) {
    const r = rows.indexOf(truthRows ? p.truthId : p.predId), c = cols.indexOf(truthRows ? p.predId : p.truthId);
    weight[r]![c] = 1 + p.iou / (2 * k);
    byKey.set(`${r},${c}`, p);
  }
  const matches: Match[] = [];
  maxWeightAssignment(weight).forEach((c, r) => {
    const p = byKey.get(`${r},${c}`);
    if (p) matches.push({ truthId: p.truthId, predId: p.predId, iou: p.iou });
  });
  return matches;
}

/** τ = 0.5, 0.55, …, 0.9, the range StarDist's and Cellpose's papers plot. */
export const DEFAULT_THRESHOLDS: readonly number[] = Array.from({ length: 9 }, (_, i) => (50 + 5 * i) / 100);

/** The ids whose centroid, rounded to the nearest voxel, lies where `mask` is non-zero. */
export function idsWithCentroidInMask(labels: ArrayLike<number>, shape: readonly [number, number, number], mask: ArrayLike<number>): Set<number> {
  const [, h, w] = shape;
  const inside = new Set<number>();
  for (const row of measureObjects(labels, shape)) {
    const [z, y, x] = row.centroid.map(Math.round) as [number, number, number];
    if (mask[(z * h + y) * w + x]) inside.add(row.id);
  }
  return inside;
}

export interface InstanceEvaluation {
  /** objects scored (after the mask) */
  truthObjects: number;
  predObjects: number;
  /** objects left out because their centroid lies outside the mask */
  ignoredTruthObjects: number;
  ignoredPredObjects: number;
  perThreshold: ThresholdScores[];
}

/**
 * Scores a predicted instance image against the true one (z, y, x order, one channel, equal
 * shapes) at each IoU threshold. With `mask`, only objects whose centroid lies in the mask count,
 * on both sides; the others are left out with their overlaps.
 */
export function evaluateInstances(truth: ArrayLike<number>, pred: ArrayLike<number>, shape: readonly [number, number, number],
  options: { thresholds?: readonly number[]; mask?: ArrayLike<number> } = {}): InstanceEvaluation {
  if (options.mask && options.mask.length !== truth.length) throw new Error(`the mask has ${options.mask.length} voxels, the labels ${truth.length}`);
  const all = overlapTable(truth, pred);
  let table = all;
  if (options.mask) {
    const t = idsWithCentroidInMask(truth, shape, options.mask), p = idsWithCentroidInMask(pred, shape, options.mask);
    table = restrictTable(all, (id) => t.has(id), (id) => p.has(id));
  }
  return {
    truthObjects: table.truthSizes.size, predObjects: table.predSizes.size,
    ignoredTruthObjects: all.truthSizes.size - table.truthSizes.size, ignoredPredObjects: all.predSizes.size - table.predSizes.size,
    perThreshold: (options.thresholds ?? DEFAULT_THRESHOLDS).map((tau) => matchAtThreshold(table, tau).scores),
  };
}
