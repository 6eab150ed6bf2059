// Small synthetic volumes for the pixel-classifier tests: spheres of two kinds on a noisy
// background (class 2 bright, class 3 dark), with labels on chosen planes or everywhere.
import { seededRandom, gaussian } from '../../src-shared/random.ts';
import type { LabeledVolume } from '../../src-shared/train/dataset.ts';

export interface Synthetic { volume: LabeledVolume; truth: Uint8Array }

/** Truth: 1 background, 2 bright blobs, 3 dark blobs (if `classes` is 3), contrast-to-noise 3. */
export function blobs(shape: [number, number, number], classes: 2 | 3, seed = 1): Synthetic {
  const [D, H, W] = shape;
  const rand = seededRandom(seed), noise = gaussian(seededRandom(seed + 100));
  const truth = new Uint8Array(D * H * W).fill(1);
  const image = new Float32Array(D * H * W);
  const count = Math.max(4, Math.round((D * H * W) / 1500));
  for (let b = 0; b < count; b++) {
    const cz = rand() * D, cy = rand() * H, cx = rand() * W, r = 2.5 + rand() * 3;
    const cls = classes === 3 && b % 2 ? 3 : 2;
    for (let z = Math.max(0, Math.floor(cz - r)); z < Math.min(D, cz + r + 1); z++)
      for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(H, cy + r + 1); y++)
        for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(W, cx + r + 1); x++) {
          if (D > 1 ? (z - cz) ** 2 + (y - cy) ** 2 + (x - cx) ** 2 <= r * r : (y - cy) ** 2 + (x - cx) ** 2 <= r * r) truth[(z * H + y) * W + x] = cls;
        }
  }
  for (let i = 0; i < image.length; i++) image[i] = (truth[i] === 2 ? 1 : truth[i] === 3 ? -1 : 0) + noise() / 3;
  return { volume: { shape, channels: 1, image, labels: new Uint8Array(truth.length) }, truth };
}

/** Copy truth into the labels on the given planes of `axis` (0 z, 1 y, 2 x). */
export function labelPlanes(s: Synthetic, axis: 0 | 1 | 2, planes: number[]): Synthetic {
  const [D, H, W] = s.volume.shape;
  const labels = new Uint8Array(s.truth.length);
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const c = [z, y, x][axis]!;
    if (planes.includes(c)) { const i = (z * H + y) * W + x; labels[i] = s.truth[i]!; }
  }
  return { volume: { ...s.volume, labels }, truth: s.truth };
}

/** Dice of class `c` between argmax-decoded probabilities and the truth, on voxels where `mask` is 1 (all if absent). */
export function diceOf(pred: Uint8Array, truth: Uint8Array, c: number, mask?: Uint8Array): number {
  let inter = 0, a = 0, b = 0;
  for (let i = 0; i < truth.length; i++) {
    if (mask && !mask[i]) continue;
    const p = pred[i] === c, t = truth[i] === c;
    if (p && t) inter++;
    if (p) a++;
    if (t) b++;
  }
  return a + b ? (2 * inter) / (a + b) : 1;
}

/** Class values from planar probabilities [Kout][V] under the class contract (binary: P ≥ 0.5). */
export function decode(probs: Float32Array, classes: number[], V: number): Uint8Array {
  const out = new Uint8Array(V);
  const K = probs.length / V;
  for (let i = 0; i < V; i++) {
    if (K === 1) { out[i] = probs[i]! >= 0.5 ? classes[1]! : classes[0]!; continue; }
    let best = -1, arg = 0;
    for (let k = 0; k < K; k++) if (probs[k * V + i]! > best) { best = probs[k * V + i]!; arg = k; }
    out[i] = classes[arg]!;
  }
  return out;
}
