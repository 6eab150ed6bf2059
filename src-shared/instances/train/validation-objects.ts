// Which drawn objects train and which choose the thresholds. With enough objects, those whose
// centroid lies in the last fifth of the annotated region (along its longest axis) are held out,
// with that part of the region: the network never sees them, and the thresholds are tuned on
// them as on new data. With few objects all of them train, and thresholds are tuned on them too.
import { measureObjects } from '../../eval/object-table.ts';
import type { LabelArray } from '../shape.ts';

type Zyx = [number, number, number];

/** Fewer drawn objects than this: no hold-out (a handful cannot spare any). */
export const MIN_OBJECTS_FOR_HOLDOUT = 12;

export interface ObjectSplit {
  /** per-voxel loss weight for training / for validation (1 = known) */
  trainWeight: Float32Array;
  validationWeight?: Float32Array;
  /** the objects scored when tuning thresholds (others 0), and where predicted centroids count */
  scoreTruth: Uint32Array;
  scoreRegion: Uint8Array;
  trainObjects: number;
  validationObjects: number;
}

export function splitObjects(instances: LabelArray, shape: Zyx, annotated: Uint8Array | undefined): ObjectSplit {
  const [D, H, W] = shape, N = D * H * W;
  const inRegion = (i: number) => !annotated || annotated[i] !== 0 || instances[i] !== 0;
  const rows = measureObjects(instances, shape);
  const all = () => {
    const region = Uint8Array.from({ length: N }, (_, i) => (inRegion(i) ? 1 : 0));
    return { trainWeight: Float32Array.from(region), scoreTruth: Uint32Array.from(instances), scoreRegion: region, trainObjects: rows.length, validationObjects: 0 };
  };
  if (rows.length < MIN_OBJECTS_FOR_HOLDOUT) return all();
  // the region's bounding box and its longest axis (z only in stacks thicker than the objects)
  const lo = [Infinity, Infinity, Infinity], hi = [-1, -1, -1];
  for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    if (!inRegion(i)) continue;
    const p = [z, y, x];
    for (let a = 0; a < 3; a++) { lo[a] = Math.min(lo[a]!, p[a]!); hi[a] = Math.max(hi[a]!, p[a]!); }
  }
  const axis = [1, 2, 0].reduce((best, a) => (hi[a]! - lo[a]! > hi[best]! - lo[best]! ? a : best), 1);
  const sorted = rows.map((r) => r.centroid[axis]!).sort((a, b) => a - b);
  const cut = sorted[Math.floor(0.8 * sorted.length)]!;
  const held = new Set(rows.filter((r) => r.centroid[axis]! >= cut).map((r) => r.id));
  if (held.size < 3 || held.size === rows.length) return all();
  const trainWeight = new Float32Array(N), validationWeight = new Float32Array(N);
  const scoreTruth = new Uint32Array(N), scoreRegion = new Uint8Array(N);
  for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    if (!inRegion(i)) continue;
    const id = instances[i]!;
    const beyond = [z, y, x][axis]! >= cut;
    const validation = id ? held.has(id) : beyond;
    if (validation) { validationWeight[i] = 1; scoreRegion[i] = 1; if (id) scoreTruth[i] = id; }
    else trainWeight[i] = 1;
  }
  return { trainWeight, validationWeight, scoreTruth, scoreRegion, trainObjects: rows.length - held.size, validationObjects: held.size };
}
