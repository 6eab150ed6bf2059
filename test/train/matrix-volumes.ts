// Easy synthetic volumes with known truth for the segment matrix, and the sparse labels a user
// would paint on them in a given layout. "Easy" means every class differs from its neighbours in
// brightness by 4 noise standard deviations (contrast-to-noise 4) and objects are several voxels
// across, so any working path should reach Dice ≥ 0.9; a failure means a path is broken, not
// that the task is hard.
import { Rng } from '../../src-shared/synth/rng.ts';
import { makeVolume, type DType, type Geometry, type Volume } from '../../src-shared/volume.ts';

export type Layout = 'z-slices' | 'y-slices' | 'x-slices' | 'three-planes' | 'strokes' | 'scribbles-3d';
type Shape3 = [number, number, number];

export interface Synthetic {
  image: Volume;
  /** class value per voxel: 1 background, 2… objects */
  truth: Uint8Array;
}

/** Mean brightness per class value, in noise standard deviations (index = class value). */
const LEVELS: Record<2 | 4, number[]> = { 2: [0, 0, 5], 4: [0, 0, 4, 8, 12] };

/** Noise units → stored values: a dark offset and a scale per dtype (int16 and float32 go negative). */
const ENCODING: Record<'uint8' | 'uint16' | 'int16' | 'float32', { offset: number; scale: number }> = {
  uint8: { offset: 30, scale: 13 },
  uint16: { offset: 1000, scale: 300 },
  int16: { offset: -3000, scale: 200 },
  float32: { offset: -1, scale: 0.05 },
};

/** Per-channel brightness of an RGB image: objects are orange-ish, each channel still clear of noise. */
const CHANNEL_GAIN = [1, 0.85, 0.7];

export interface SynthSpec {
  shape: Shape3;
  channels: 1 | 3;
  dtype: keyof typeof ENCODING;
  classes: 2 | 4;
  /** voxel size z, y, x */
  spacing: Shape3;
  unit: Geometry['unit'];
  seed: number;
}

/**
 * Blobs (ellipsoids, round in physical units, so flat in voxels along a coarse z), tubes (capsules
 * between two random points) and, for 4 classes, small bright balls: 2 classes → blobs and tubes
 * are both class 2; 4 classes → blobs 2 (dim, large), tubes 3 (brighter, thin), balls 4 (brightest,
 * medium).
 */
export function synthesize(s: SynthSpec): Synthetic {
  const rng = Rng.fromSeed(s.seed);
  const [D, H, W] = s.shape;
  const [sz, sy, sx] = s.spacing;
  const truth = new Uint8Array(D * H * W).fill(1);
  const inPlane = Math.min(H * sy, W * sx);
  const centre = (): [number, number, number] => [rng.uniform(0, D - 1), rng.uniform(0.15, 0.85) * (H - 1), rng.uniform(0.15, 0.85) * (W - 1)];
  // physical distance² between voxel (z, y, x) and point p
  const dist2 = (z: number, y: number, x: number, p: readonly number[]) => ((z - p[0]!) * sz) ** 2 + ((y - p[1]!) * sy) ** 2 + ((x - p[2]!) * sx) ** 2;
  const paint = (value: number, inside: (z: number, y: number, x: number) => boolean) => {
    for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) if (inside(z, y, x)) truth[i] = value;
  };
  const placed: { c: number[]; r: number }[] = [];
  const farFromOthers = (c: number[], r: number) => placed.every((p) => Math.sqrt(dist2(c[0]!, c[1]!, c[2]!, p.c)) > p.r + r + 2 * sy);
  const ball = (value: number, r: number) => {
    let c = centre();
    for (let t = 0; t < 50 && !farFromOthers(c, r); t++) c = centre();
    placed.push({ c, r });
    paint(value, (z, y, x) => dist2(z, y, x, c) <= r * r);
  };
  const tube = (value: number, r: number) => {
    const a = centre(), b = centre();
    // long enough to be a tube, not a ball
    while (Math.hypot((a[1]! - b[1]!) * sy, (a[2]! - b[2]!) * sx) < inPlane * 0.5) { b[1] = rng.uniform(0.1, 0.9) * (H - 1); b[2] = rng.uniform(0.1, 0.9) * (W - 1); }
    paint(value, (z, y, x) => segmentDist2([z * sz, y * sy, x * sx], [a[0]! * sz, a[1]! * sy, a[2]! * sx], [b[0]! * sz, b[1]! * sy, b[2]! * sx]) <= r * r);
  };
  const four = s.classes === 4;
  // stacks deeper (physically) than wide get more objects, so every depth has some
  const per = Math.max(1, Math.round((D * sz) / inPlane));
  for (let k = 0; k < 3 * per; k++) ball(2, inPlane * rng.uniform(0.12, 0.16));
  if (four) for (let k = 0; k < 3 * per; k++) ball(4, inPlane * rng.uniform(0.1, 0.12));
  for (let k = 0; k < 2 * per; k++) tube(four ? 3 : 2, Math.max(2.6 * sy, inPlane * 0.055));

  const levels = LEVELS[s.classes];
  const { offset, scale } = ENCODING[s.dtype];
  const n = D * H * W, C = s.channels;
  const data = makeVolume([D, H, W, C], s.dtype, undefined, { spacing: s.spacing, unit: s.unit }).data;
  const integer = s.dtype !== 'float32';
  const lo = s.dtype === 'uint8' ? 0 : s.dtype === 'uint16' ? 0 : -32768, hi = s.dtype === 'uint8' ? 255 : s.dtype === 'uint16' ? 65535 : 32767;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      const v = offset + scale * (levels[truth[i]!]! * (C === 3 ? CHANNEL_GAIN[c]! : 1) + rng.normal());
      data[i * C + c] = integer ? Math.min(hi, Math.max(lo, Math.round(v))) : v;
    }
  }
  return { image: makeVolume([D, H, W, C], s.dtype as DType, data, { spacing: s.spacing, unit: s.unit }), truth };
}

function segmentDist2(p: number[], a: number[], b: number[]): number {
  const ab = [b[0]! - a[0]!, b[1]! - a[1]!, b[2]! - a[2]!], ap = [p[0]! - a[0]!, p[1]! - a[1]!, p[2]! - a[2]!];
  const len2 = ab[0]! ** 2 + ab[1]! ** 2 + ab[2]! ** 2;
  const t = len2 > 0 ? Math.max(0, Math.min(1, (ap[0]! * ab[0]! + ap[1]! * ab[1]! + ap[2]! * ab[2]!) / len2)) : 0;
  return (ap[0]! - t * ab[0]!) ** 2 + (ap[1]! - t * ab[1]!) ** 2 + (ap[2]! - t * ab[2]!) ** 2;
}

/**
 * Sparse labels in `layout`, copied from the truth: whole planes (two per axis, or one per axis
 * for three-planes), or strokes a user would paint (short lines inside each object and across the
 * background, kept a voxel away from every outline as people do).
 */
export function sparseLabels(truth: Uint8Array, shape: Shape3, layout: Layout, classes: number, seed: number): Uint8Array {
  const labels = new Uint8Array(truth.length);
  const rng = Rng.fromSeed(seed);
  const D = shape[0];
  const copyPlane = (axis: 0 | 1 | 2, at: number) => forPlane(shape, axis, at, (i) => { labels[i] = truth[i]!; });
  switch (layout) {
    case 'z-slices': case 'y-slices': case 'x-slices': {
      const axis = layout === 'z-slices' ? 0 : layout === 'y-slices' ? 1 : 2;
      for (const at of planesShowingAllClasses(truth, shape, axis, 2, classes)) copyPlane(axis, at);
      break;
    }
    case 'three-planes':
      for (const axis of [0, 1, 2] as const) copyPlane(axis, planesShowingAllClasses(truth, shape, axis, 1, classes)[0]!);
      break;
    case 'strokes': {
      // 2D strokes in a few planes: two z-planes and one x-plane of a stack, the image itself in 2D
      const planes: [0 | 1 | 2, number][] = D === 1 ? [[0, 0]]
        : [...planesShowingAllClasses(truth, shape, 0, 2, classes).map((at) => [0, at] as [0, number]), [2, planesShowingAllClasses(truth, shape, 2, 1, classes)[0]!]];
      for (const [axis, at] of planes) {
        const inPlane: [number, number, number][] = axis === 0 ? [[0, 1, 0], [0, 0, 1]] : [[1, 0, 0], [0, 1, 0]];
        strokes(truth, shape, labels, rng, classes, (z, y, x) => (axis === 0 ? z === at : x === at), inPlane);
      }
      break;
    }
    case 'scribbles-3d': {
      // lines in any 3D direction, leaning in-plane as much as the stack is thinner than wide
      const zWeight = Math.min(1, D / Math.max(shape[1], shape[2]));
      for (let pass = 0; pass < 2; pass++) strokes(truth, shape, labels, rng, classes, () => true, [[zWeight, 0, 0], [0, 1, 0], [0, 0, 1]]);
      break;
    }
  }
  return labels;
}

function forPlane([D, H, W]: Shape3, axis: 0 | 1 | 2, at: number, f: (i: number) => void): void {
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    if ((axis === 0 ? z : axis === 1 ? y : x) === at) f((z * H + y) * W + x);
  }
}

/**
 * `count` planes along `axis`, near evenly spaced positions (1/3 and 2/3, or the middle), each
 * moved to the nearest plane that shows every class, so every class is painted.
 */
export function planesShowingAllClasses(truth: Uint8Array, shape: Shape3, axis: 0 | 1 | 2, count: number, classes: number): number[] {
  const extent = shape[axis];
  const rarest = (at: number) => {
    const seen = new Array<number>(classes + 1).fill(0);
    forPlane(shape, axis, at, (i) => { seen[truth[i]!]!++; });
    return Math.min(...seen.slice(1));
  };
  const out: number[] = [];
  for (let k = 1; k <= count; k++) {
    const want = Math.round((k * (extent - 1)) / (count + 1));
    const order = Array.from({ length: extent }, (_, i) => i).filter((i) => !out.includes(i)).sort((a, b) => Math.abs(a - want) - Math.abs(b - want));
    out.push(order.find((at) => rarest(at) >= 4) ?? order.reduce((best, at) => (rarest(at) > rarest(best) ? at : best)));
  }
  return out.sort((a, b) => a - b);
}

/**
 * Paints strokes where `where` holds: for each class, a few straight lines from random interior
 * voxels along random directions spanned by `dirs`, up to 14 voxels long, stopping at the class's
 * eroded outline. Background gets longer strokes, as people sweep across it.
 */
function strokes(truth: Uint8Array, [D, H, W]: Shape3, labels: Uint8Array, rng: Rng, classes: number,
  where: (z: number, y: number, x: number) => boolean, dirs: [number, number, number][]): void {
  const at = (z: number, y: number, x: number) => (z * H + y) * W + x;
  const interior = (z: number, y: number, x: number, v: number) => {
    if (z < 0 || z >= D || y < 0 || y >= H || x < 0 || x >= W || truth[at(z, y, x)] !== v) return false;
    // one voxel in from the outline in y and x (z too when the stack is deep enough)
    for (const [dz, dy, dx] of [[0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1], ...(D >= 8 ? [[1, 0, 0], [-1, 0, 0]] : [])]) {
      const zz = z + dz!, yy = y + dy!, xx = x + dx!;
      if (zz >= 0 && zz < D && yy >= 0 && yy < H && xx >= 0 && xx < W && truth[at(zz, yy, xx)] !== v) return false;
    }
    return true;
  };
  for (let v = 1; v <= classes; v++) {
    const starts: [number, number, number][] = [];
    for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (where(z, y, x) && interior(z, y, x, v)) starts.push([z, y, x]);
    const count = v === 1 ? 4 : 5, length = v === 1 ? 24 : 14;
    for (let s = 0; s < count && starts.length; s++) {
      const [z0, y0, x0] = starts[Math.floor(rng.rand() * starts.length)]!;
      const w = dirs.map(() => rng.normal());
      const dir = [0, 1, 2].map((k) => dirs.reduce((a, d, j) => a + d[k]! * w[j]!, 0));
      const norm = Math.hypot(...dir) || 1;
      for (const sign of [1, -1]) {
        for (let t = 0; t < length / 2; t++) {
          const z = Math.round(z0 + (sign * t * dir[0]!) / norm), y = Math.round(y0 + (sign * t * dir[1]!) / norm), x = Math.round(x0 + (sign * t * dir[2]!) / norm);
          if (!where(z, y, x) || !interior(z, y, x, v)) break;
          labels[at(z, y, x)] = v;
        }
      }
    }
  }
}
