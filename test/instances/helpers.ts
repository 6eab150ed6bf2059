// Synthetic instance images for the StarDist geometry tests.
import { seededRandom } from '../../src-shared/random.ts';

/** IoU of the voxels where a === ia and b === ib */
export function iou(a: ArrayLike<number>, ia: number, b: ArrayLike<number>, ib: number): number {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    const pa = a[i] === ia, pb = b[i] === ib;
    if (pa && pb) inter++;
    if (pa || pb) union++;
  }
  return union ? inter / union : 0;
}

export interface Blob { c: number[]; r: number[] }

/**
 * Ellipses/ellipsoids (semi-axes r, in voxels, per axis) labelled 1..n; a voxel belongs to
 * the blob with the smallest normalised distance below 1, so blobs placed close touch along
 * a boundary instead of overlapping.
 */
export function paintBlobs(shape: number[], blobs: Blob[]): Uint16Array {
  const dim = shape.length;
  const s3 = dim === 2 ? [1, shape[0], shape[1]] : shape;
  const out = new Uint16Array(s3[0] * s3[1] * s3[2]);
  const best = new Float64Array(out.length).fill(1 + 1e-9); // boundary voxels (q = 1) belong
  blobs.forEach((b, bi) => {
    const c = dim === 2 ? [0, b.c[0], b.c[1]] : b.c;
    const r = dim === 2 ? [1, b.r[0], b.r[1]] : b.r;
    const lo = c.map((v, a) => Math.max(0, Math.floor(v - r[a]))), hi = c.map((v, a) => Math.min(s3[a] - 1, Math.ceil(v + r[a])));
    for (let z = lo[0]; z <= hi[0]; z++) for (let y = lo[1]; y <= hi[1]; y++) for (let x = lo[2]; x <= hi[2]; x++) {
      const q = (dim === 2 ? 0 : ((z - c[0]) / r[0]) ** 2) + ((y - c[1]) / r[1]) ** 2 + ((x - c[2]) / r[2]) ** 2;
      const i = (z * s3[1] + y) * s3[2] + x;
      if (q <= 1 && q < best[i]) { best[i] = q; out[i] = bi + 1; }
    }
  });
  return out;
}

/** a random smooth star-convex polygon r(θ) = R(1 + Σ a_k cos(kθ + φ_k)) painted as label 1 */
export function starBlob(h: number, w: number, cy: number, cx: number, R: number, seed: number): Uint16Array {
  const rand = seededRandom(seed);
  const terms = [2, 3, 5].map((k) => ({ k, a: 0.06 + 0.08 * rand(), p: 2 * Math.PI * rand() }));
  const out = new Uint16Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const t = Math.atan2(y - cy, x - cx);
    const r = R * (1 + terms.reduce((s, q) => s + q.a * Math.cos(q.k * t + q.p), 0));
    if (Math.hypot(y - cy, x - cx) <= r) out[y * w + x] = 1;
  }
  return out;
}

/** blobs on a jittered grid filling the image, radii so neighbours touch */
export function blobGrid(shape: number[], counts: number[], fill: number, seed: number): Blob[] {
  const rand = seededRandom(seed);
  const blobs: Blob[] = [];
  const step = shape.map((s, a) => s / counts[a]);
  const rec = (a: number, c: number[]): void => {
    if (a === shape.length) {
      blobs.push({
        c: c.map((v, i) => v + (rand() - 0.5) * 0.2 * step[i]),
        r: step.map((st) => (st / 2) * fill * (0.85 + 0.3 * rand())),
      });
      return;
    }
    for (let i = 0; i < counts[a]; i++) rec(a + 1, [...c, (i + 0.5) * step[a]]);
  };
  rec(0, []);
  return blobs;
}

/** for every truth id 1..nTruth, the IoU with its best-overlapping predicted id */
export function matchIoUs(truth: ArrayLike<number>, pred: ArrayLike<number>, nTruth: number): number[] {
  const sizeT = new Map<number, number>(), sizeP = new Map<number, number>(), pair = new Map<number, number>();
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i], p = pred[i];
    if (t) sizeT.set(t, (sizeT.get(t) ?? 0) + 1);
    if (p) sizeP.set(p, (sizeP.get(p) ?? 0) + 1);
    if (t && p) pair.set(t * 4294967296 + p, (pair.get(t * 4294967296 + p) ?? 0) + 1);
  }
  const best = new Array<number>(nTruth).fill(0);
  for (const [key, inter] of pair) {
    const t = Math.floor(key / 4294967296), p = key - t * 4294967296;
    const q = inter / ((sizeT.get(t) ?? 0) + (sizeP.get(p) ?? 0) - inter);
    if (q > best[t - 1]) best[t - 1] = q;
  }
  return best;
}

export function distinctIds(a: ArrayLike<number>): number {
  const s = new Set<number>();
  for (let i = 0; i < a.length; i++) if (a[i]) s.add(a[i]);
  return s.size;
}
