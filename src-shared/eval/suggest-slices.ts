// Which slices to paint next: those where the model is least sure of what nobody has labeled yet.
// A slice's score is the mean uncertainty (infer/uncertainty.ts: 0 sure, 1 most unsure) over its
// unlabeled voxels. Slices the user already painted are skipped, and so are slices closer than
// `spread` to one of them or to a better suggestion: neighbouring slices look alike, so three
// suggestions side by side would teach the model little more than one, and the model is already
// learning from the painted slice's neighbours.
//
// "Painted" means painted along this axis: the planes train/layout.ts's greedy cover finds (whole
// slices or strokes on them). A z-stroke crosses every y-plane it passes through, but nobody
// painted those y-planes, so they stay candidates. Labels in 3D (a ball brush, a dense mask) have
// no planes: there any slice holding a labeled voxel counts as painted.
import type { Axis } from '../api.ts';
import { LumenError } from '../errors.ts';
import { detectLayout } from '../train/layout.ts';

export interface SliceSuggestion {
  /** the slice along the axis, from 0 */
  index: number;
  /** mean uncertainty over the slice's unlabeled voxels, 0..1 */
  score: number;
}

export interface SuggestOptions {
  /** suggestions wanted (default 3) */
  count?: number;
  /** a suggestion lies at least this many slices from a painted slice and from a better suggestion (default: 2, or 1/16 of the axis when longer) */
  spread?: number;
}

const AXIS_NUMBER: Record<Axis, 0 | 1 | 2> = { z: 0, y: 1, x: 2 };

/** The slices along `axis` (0 z, 1 y, 2 x) the user painted on. */
function paintedSlices(labels: ArrayLike<number>, shape: readonly [number, number, number], axis: 0 | 1 | 2): Set<number> {
  const layout = detectLayout(labels, shape);
  if (layout.kind === 'planes') return new Set(layout.planes.filter((p) => p.axis === axis && p.voxels > 0).map((p) => p.index));
  const painted = new Set<number>();
  const [, H, W] = shape;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > 0) painted.add(axis === 0 ? Math.floor(i / (H * W)) : axis === 1 ? Math.floor(i / W) % H : i % W);
  return painted;
}

/**
 * The `count` slices along `axis` most worth painting next, best first. `uncertainty` and `labels`
 * (dense, 0 = unlabeled) are z, y, x volumes of `shape`.
 */
export function suggestSlices(uncertainty: ArrayLike<number>, labels: ArrayLike<number>, shape: readonly [number, number, number], axis: Axis,
  opts: SuggestOptions = {}): SliceSuggestion[] {
  const [D, H, W] = shape;
  const V = D * H * W;
  if (uncertainty.length !== V || labels.length !== V) {
    throw new LumenError('shape-mismatch', `the uncertainty (${uncertainty.length} voxels) and the labels (${labels.length}) must both fill ${D}×${H}×${W}`);
  }
  if (!Object.hasOwn(AXIS_NUMBER, axis)) throw new LumenError('bad-input', `there is no axis "${String(axis)}": use z, y or x`);
  const a = AXIS_NUMBER[axis];
  const extent = shape[a];
  const count = opts.count ?? 3;
  const spread = opts.spread ?? Math.max(2, Math.round(extent / 16));
  if (!Number.isInteger(count) || count < 1) throw new LumenError('bad-input', `ask for at least one slice (got ${count})`);
  if (!Number.isInteger(spread) || spread < 1) throw new LumenError('bad-input', `slices must lie at least 1 apart (got ${spread})`);

  // one pass: the sum and count of uncertainty over each slice's unlabeled voxels
  const sum = new Float64Array(extent), n = new Float64Array(extent);
  for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    if (labels[i]! > 0) continue;
    const s = a === 0 ? z : a === 1 ? y : x;
    sum[s] += uncertainty[i]!;
    n[s]++;
  }

  const painted = [...paintedSlices(labels, shape, a)];
  const candidates: SliceSuggestion[] = [];
  for (let s = 0; s < extent; s++) if (n[s]! > 0 && !painted.includes(s)) candidates.push({ index: s, score: sum[s]! / n[s]! });
  candidates.sort((p, q) => q.score - p.score || p.index - q.index);

  const taken: SliceSuggestion[] = [];
  const clear = (s: number) => painted.every((p) => Math.abs(p - s) >= spread) && taken.every((t) => Math.abs(t.index - s) >= spread);
  for (const c of candidates) {
    if (taken.length === count) break;
    if (clear(c.index)) taken.push(c);
  }
  return taken;
}
