// Random training patches with augmentation. A patch is cut from a (z, y, x) volume with C image
// channels (planar: channel c occupies [c·D·H·W, (c+1)·D·H·W)), its target and per-voxel weight;
// flips on every axis and 90° turns in the y-x plane (when the patch is square in-plane) multiply
// the data a few labeled voxels give. Draws prefer patches holding labeled voxels, since
// unlabeled voxels carry no loss.
//
// A U-Net only maps inputs whose extents are multiples of its size multiple back to the same size,
// so every patch is one (trainingPatch). A volume thinner than that along an axis (4 slices for a
// net that halves z three times, 57 pixels for a 2D net whose multiple is 8) still trains: the
// patch hangs over the volume's ends, and the voxels outside get image 0 (the mean of z-scored
// images, the same padding sliding-window inference uses) and weight 0, so they carry no loss.
import { sizeMultiple, type UNetConfig } from '../nn/unet.ts';
import { fitPatch } from '../infer/tiles.ts';

export interface PatchSource {
  shape: [number, number, number];
  /** image channels (default 1) */
  channels?: number;
  image: Float32Array;
  /** one channel, or `targetChannels` planar ones (StarDist: probability, then R distances) */
  target: Float32Array;
  weight: Float32Array;
  /** target channels (default 1) */
  targetChannels?: number;
  /**
   * For targets whose channels are directions (StarDist's rays): which source channel each patch
   * channel reads after these flips (z, y, x) and quarter turns, or undefined where the turn cannot
   * be expressed that way (the draw then keeps the patch unturned and unflipped).
   */
  targetChannelOrder?: (flip: readonly [boolean, boolean, boolean], turns: number) => Int32Array | undefined;
}

export interface PatchOptions {
  size: [number, number, number];
  flips?: boolean;
  /** flip z as well (off for strongly anisotropic stacks where z differs from y/x) */
  flipZ?: boolean;
  rotations?: boolean;
  /** fraction of draws that must contain at least one labeled voxel (retries a few times) */
  labeledFraction?: number;
}

export interface Patch { image: Float32Array; target: Float32Array; weight: Float32Array }

/**
 * The patch size to train `config` on volumes of spatial `shape` (z, y, x; for several volumes,
 * the smallest extent per axis): `preferred` rounded up to the network's size multiple, and no
 * larger than the smallest multiple covering the volume, which is exactly how inference sizes
 * its patches (infer/tiles.ts fitPatch), so a network trains on the patch shape it will see.
 * 2D networks get depth 1.
 */
export function trainingPatch(config: UNetConfig, shape: readonly number[], preferred: readonly number[]): [number, number, number] {
  const multiple = config.dims === 3 ? sizeMultiple(config) : [1, ...sizeMultiple(config)];
  const wanted = config.dims === 3 ? preferred : [1, preferred[1]!, preferred[2]!];
  return fitPatch(wanted, multiple, shape) as [number, number, number];
}

/** `patch` with each axis rounded up to `config`'s size multiple (a safety net for hand-picked sizes). */
export function roundPatchToNetwork(config: UNetConfig, patch: readonly number[]): [number, number, number] {
  const multiple = config.dims === 3 ? sizeMultiple(config) : [1, ...sizeMultiple(config)];
  return patch.map((p, i) => (config.dims === 2 && i === 0 ? 1 : Math.ceil(p / multiple[i]!) * multiple[i]!)) as [number, number, number];
}

/** The smallest extent per axis over several volumes' shapes: the shape patches are sized for. */
export function smallestShape(shapes: readonly (readonly number[])[]): [number, number, number] {
  return [0, 1, 2].map((i) => Math.min(...shapes.map((s) => s[i]!))) as [number, number, number];
}

export function samplePatch(src: PatchSource, opts: PatchOptions, rand: () => number): Patch {
  const [D, H, W] = src.shape;
  const [d, h, w] = opts.size;
  const C = src.channels ?? 1;
  if (!(d >= 1 && h >= 1 && w >= 1)) throw new Error(`patch ${opts.size.join('×')} is empty`);
  const wantLabeled = rand() < (opts.labeledFraction ?? 0.9);
  // a start inside the volume when the patch fits, else the volume anywhere inside the patch
  const start = (extent: number, size: number) => (size <= extent ? Math.floor(rand() * (extent - size + 1)) : -Math.floor(rand() * (size - extent + 1)));
  let z0 = 0, y0 = 0, x0 = 0, found = false;
  for (let attempt = 0; attempt < 10 && !found; attempt++) {
    z0 = start(D, d); y0 = start(H, h); x0 = start(W, w);
    found = !wantLabeled || hasLabel(src, z0, y0, x0, opts.size);
  }
  // labels too sparse for random draws to hit (strokes on a large image): centre on a labeled voxel
  if (!found) {
    const labeled = labeledVoxels(src);
    if (labeled.length > 0) {
      const i = labeled[Math.floor(rand() * labeled.length)]!;
      z0 = around(Math.floor(i / (H * W)), D, d, rand);
      y0 = around(Math.floor(i / W) % H, H, h, rand);
      x0 = around(i % W, W, w, rand);
    }
  }
  let flip: [boolean, boolean, boolean] = [!!opts.flips && (opts.flipZ ?? true) && rand() < 0.5, !!opts.flips && rand() < 0.5, !!opts.flips && rand() < 0.5];
  let turns = opts.rotations && h === w ? Math.floor(rand() * 4) : 0;
  const Ct = src.targetChannels ?? 1;
  let order = src.targetChannelOrder?.(flip, turns);
  if (src.targetChannelOrder && !order) { flip = [false, false, false]; turns = 0; order = src.targetChannelOrder(flip, 0); }
  const n = d * h * w, N = D * H * W;
  // zero-filled: voxels outside the volume stay image 0, target 0, weight 0
  const out: Patch = { image: new Float32Array(n * C), target: new Float32Array(n * Ct), weight: new Float32Array(n) };
  for (let z = 0; z < d; z++) {
    const sz = z0 + (flip[0] ? d - 1 - z : z);
    if (sz < 0 || sz >= D) continue;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      // rotate (y, x) by `turns` quarter turns within the square patch, then flip
      let ry = y, rx = x;
      for (let t = 0; t < turns; t++) [ry, rx] = [rx, h - 1 - ry];
      const sy = y0 + (flip[1] ? h - 1 - ry : ry), sx = x0 + (flip[2] ? w - 1 - rx : rx);
      if (sy < 0 || sy >= H || sx < 0 || sx >= W) continue;
      const s = (sz * H + sy) * W + sx, k = (z * h + y) * w + x;
      for (let c = 0; c < C; c++) out.image[c * n + k] = src.image[c * N + s]!;
      for (let c = 0; c < Ct; c++) out.target[c * n + k] = src.target[(order ? order[c]! : c) * N + s]!;
      out.weight[k] = src.weight[s]!;
    }
  }
  return out;
}

/** A patch start along one axis whose patch of `size` contains `at`, within the range `start` draws from. */
function around(at: number, extent: number, size: number, rand: () => number): number {
  const lo = Math.min(0, extent - size), hi = Math.max(0, extent - size);
  return Math.min(hi, Math.max(lo, at - Math.floor(rand() * size)));
}

function hasLabel(src: PatchSource, z0: number, y0: number, x0: number, [d, h, w]: [number, number, number]): boolean {
  const [D, H, W] = src.shape;
  const x1 = Math.min(W, x0 + w);
  for (let z = Math.max(0, z0); z < Math.min(D, z0 + d); z++) for (let y = Math.max(0, y0); y < Math.min(H, y0 + h); y++) {
    const row = (z * H + y) * W;
    for (let x = Math.max(0, x0); x < x1; x++) if (src.weight[row + x]! > 0) return true;
  }
  return false;
}

// indices of voxels with weight > 0, per weight map; found once, on the first draw that needs them
const labeledCache = new WeakMap<Float32Array, Uint32Array>();

function labeledVoxels(src: PatchSource): Uint32Array {
  let list = labeledCache.get(src.weight);
  if (!list) {
    let count = 0;
    for (let i = 0; i < src.weight.length; i++) if (src.weight[i]! > 0) count++;
    list = new Uint32Array(count);
    for (let i = 0, k = 0; i < src.weight.length; i++) if (src.weight[i]! > 0) list[k++] = i;
    labeledCache.set(src.weight, list);
  }
  return list;
}

/** Stack patches into one batch buffer each for image, target and weight. */
export function stackPatches(patches: Patch[]): Patch {
  const cat = (pick: (p: Patch) => Float32Array) => {
    const n = pick(patches[0]!).length;
    const out = new Float32Array(n * patches.length);
    patches.forEach((p, i) => out.set(pick(p), i * n));
    return out;
  };
  return { image: cat((p) => p.image), target: cat((p) => p.target), weight: cat((p) => p.weight) };
}
