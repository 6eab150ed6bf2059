// One held-out split of the labeled voxels, shared by every candidate `auto` compares, so their
// scores are comparable. Two kinds:
// - Whole planes, when an axis holds several labeled planes: one of them is held out, and the
//   candidates learn from the others. This is the question the rest of the volume asks (how well
//   does what was learned on some planes hold on other planes?); bands inside the planes that were
//   learned from cannot ask it: on MRI labeled on 3 sagittal slices a 2D network scored 0.78 on such
//   bands and 0.12 on the other slices. The candidate chosen then learns again from every plane.
// - Bands a few voxels wide running across each labeled plane (every sixth band, about a sixth of
//   the labels) otherwise (one plane per axis, strokes, 3D labels), so every painted slice and
//   stroke gives some voxels to validation and keeps most for training. Bands run along x, except
//   on planes perpendicular to x, where x is constant and they run along y.
import { AXIS_NAMES, type LabeledPlane, type LabelLayout } from './layout.ts';
import { labelClasses } from './classes.ts';

export interface LabelSplit {
  train: Uint8Array;
  validation: Uint8Array;
  heldOutVoxels: number;
  /** the planes held out whole (empty for bands): the candidate chosen must then learn again from all labels */
  heldOutPlanes: LabeledPlane[];
}

const EVERY = 6;

export interface SplitOptions {
  /** hold out a whole plane of an axis with at least this many labeled planes (default 3; Infinity: bands only) */
  minPlanesToHoldOut?: number;
}

export function splitForValidation(labels: Uint8Array, shape: readonly [number, number, number], layout: LabelLayout, o: SplitOptions = {}): LabelSplit {
  return holdOutPlanes(labels, shape, layout, o.minPlanesToHoldOut ?? 3) ?? holdOutBands(labels, shape, layout);
}

/** "z 12, x 40" for reports. */
export function describeHeldOut(split: LabelSplit): string {
  return split.heldOutPlanes.length ? `whole planes held out: ${split.heldOutPlanes.map((p) => `${AXIS_NAMES[p.axis]} ${p.index}`).join(', ')}` : 'bands across the labeled planes held out';
}

function holdOutPlanes(labels: Uint8Array, shape: readonly [number, number, number], layout: LabelLayout, minPlanes: number): LabelSplit | undefined {
  if (layout.kind !== 'planes') return undefined;
  const classes = labelClasses(labels);
  const held: LabeledPlane[] = [];
  for (const axis of [0, 1, 2] as const) {
    const planes = layout.planes.filter((p) => p.axis === axis).sort((a, b) => a.index - b.index);
    if (planes.length < minPlanes) continue;
    // the outermost planes first: most of the volume lies beyond the labeled planes, not between them
    const order = [planes.at(-1)!, planes[0]!, ...planes.slice(1, -1)];
    for (const p of order) {
      const split = planeSplit(labels, shape, layout, [...held, p]);
      const inTrain = new Set(labelClasses(split.train)), inVal = new Set(labelClasses(split.validation));
      if (classes.every((c) => inTrain.has(c) && inVal.has(c))) { held.push(p); break; }
    }
  }
  return held.length ? planeSplit(labels, shape, layout, held) : undefined;
}

/** Voxels on a held-out plane and on no kept plane are held out; every other labeled voxel trains. */
function planeSplit(labels: Uint8Array, shape: readonly [number, number, number], layout: LabelLayout & { kind: 'planes' }, held: LabeledPlane[]): LabelSplit {
  const [D, H, W] = shape;
  const isHeld = (axis: number, index: number) => held.some((p) => p.axis === axis && p.index === index);
  const kept = [0, 1, 2].map((axis) => new Set(layout.planes.filter((p) => p.axis === axis && !isHeld(axis, p.index)).map((p) => p.index)));
  const heldSets = [0, 1, 2].map((axis) => new Set(held.filter((p) => p.axis === axis).map((p) => p.index)));
  const train = new Uint8Array(labels.length), validation = new Uint8Array(labels.length);
  let heldOutVoxels = 0;
  for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    const l = labels[i]!;
    if (!l) continue;
    const onHeld = heldSets[0]!.has(z) || heldSets[1]!.has(y) || heldSets[2]!.has(x);
    const onKept = kept[0]!.has(z) || kept[1]!.has(y) || kept[2]!.has(x);
    if (onHeld && !onKept) { validation[i] = l; heldOutVoxels++; } else train[i] = l;
  }
  return { train, validation, heldOutVoxels, heldOutPlanes: held };
}

function holdOutBands(labels: Uint8Array, shape: readonly [number, number, number], layout: LabelLayout): LabelSplit {
  const [D, H, W] = shape;
  const inPlane = (axis: number) => new Set(layout.kind === 'planes' ? layout.planes.filter((p) => p.axis === axis).map((p) => p.index) : []);
  const zs = inPlane(0), ys = inPlane(1), xs = inPlane(2);
  const bandOf = new Int32Array(labels.length).fill(-1);
  const width = (extent: number) => Math.max(2, Math.round(extent / 32));
  const wx = width(W), wy = width(H);
  for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    if (!labels[i]) continue;
    const onlyOnXPlane = xs.has(x) && !zs.has(z) && !ys.has(y);
    bandOf[i] = onlyOnXPlane ? Math.floor(y / wy) : Math.floor(x / wx);
  }
  // the offset whose held-out part has the most classes with voxels on both sides
  const classes = labelClasses(labels);
  let best: LabelSplit | undefined, bestScore = -1;
  for (let offset = 0; offset < EVERY; offset++) {
    const train = new Uint8Array(labels.length), validation = new Uint8Array(labels.length);
    let held = 0;
    for (let i = 0; i < labels.length; i++) {
      if (bandOf[i]! < 0) continue;
      if (bandOf[i]! % EVERY === (offset + EVERY / 2) % EVERY) { validation[i] = labels[i]!; held++; } else train[i] = labels[i]!;
    }
    const inTrain = new Set(labelClasses(train)), inVal = new Set(labelClasses(validation));
    const score = classes.filter((c) => inTrain.has(c) && inVal.has(c)).length;
    if (score > bestScore) { best = { train, validation, heldOutVoxels: held, heldOutPlanes: [] }; bestScore = score; }
    if (score === classes.length) break;
  }
  return best!;
}
