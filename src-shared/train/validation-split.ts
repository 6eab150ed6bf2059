// One held-out split of the labeled voxels, shared by every candidate `auto` compares, so their
// scores are comparable. Held-out voxels are bands a few voxels wide running across each labeled
// plane (every sixth band, about a sixth of the labels), so every painted slice and stroke gives
// some voxels to validation and keeps most for training. Bands run along x, except on planes
// perpendicular to x, where x is constant and they run along y.
import type { LabelLayout } from './layout.ts';
import { labelClasses } from './classes.ts';

export interface LabelSplit { train: Uint8Array; validation: Uint8Array; heldOutVoxels: number }

const EVERY = 6;

export function splitForValidation(labels: Uint8Array, shape: readonly [number, number, number], layout: LabelLayout): LabelSplit {
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
    if (score > bestScore) { best = { train, validation, heldOutVoxels: held }; bestScore = score; }
    if (score === classes.length) break;
  }
  return best!;
}
