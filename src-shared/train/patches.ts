// Random training patches with augmentation. A patch is cut from a (z, y, x) volume with C image
// channels (planar: channel c occupies [c·D·H·W, (c+1)·D·H·W)), its target and per-voxel weight;
// flips on every axis and 90° turns in the y-x plane (when the patch is square in-plane) multiply
// the data a few labeled voxels give. Draws prefer patches holding labeled voxels, since
// unlabeled voxels carry no loss.

export interface PatchSource {
  shape: [number, number, number];
  /** image channels (default 1) */
  channels?: number;
  image: Float32Array;
  target: Float32Array;
  weight: Float32Array;
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

export function samplePatch(src: PatchSource, opts: PatchOptions, rand: () => number): Patch {
  const [D, H, W] = src.shape;
  const [d, h, w] = opts.size;
  const C = src.channels ?? 1;
  if (d > D || h > H || w > W) throw new Error(`patch ${opts.size.join('×')} is larger than the volume ${src.shape.join('×')}`);
  const wantLabeled = rand() < (opts.labeledFraction ?? 0.9);
  let z0 = 0, y0 = 0, x0 = 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    z0 = Math.floor(rand() * (D - d + 1)); y0 = Math.floor(rand() * (H - h + 1)); x0 = Math.floor(rand() * (W - w + 1));
    if (!wantLabeled || hasLabel(src, z0, y0, x0, opts.size)) break;
  }
  const flip = [opts.flips && (opts.flipZ ?? true) && rand() < 0.5, opts.flips && rand() < 0.5, opts.flips && rand() < 0.5];
  const turns = opts.rotations && h === w ? Math.floor(rand() * 4) : 0;
  const n = d * h * w, N = D * H * W;
  const out: Patch = { image: new Float32Array(n * C), target: new Float32Array(n), weight: new Float32Array(n) };
  for (let z = 0; z < d; z++) {
    const sz = z0 + (flip[0] ? d - 1 - z : z);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      // rotate (y, x) by `turns` quarter turns within the square patch, then flip
      let ry = y, rx = x;
      for (let t = 0; t < turns; t++) [ry, rx] = [rx, h - 1 - ry];
      const sy = y0 + (flip[1] ? h - 1 - ry : ry), sx = x0 + (flip[2] ? w - 1 - rx : rx);
      const s = (sz * H + sy) * W + sx, k = (z * h + y) * w + x;
      for (let c = 0; c < C; c++) out.image[c * n + k] = src.image[c * N + s]!;
      out.target[k] = src.target[s]!; out.weight[k] = src.weight[s]!;
    }
  }
  return out;
}

function hasLabel(src: PatchSource, z0: number, y0: number, x0: number, [d, h, w]: [number, number, number]): boolean {
  const [, H, W] = src.shape;
  for (let z = z0; z < z0 + d; z++) for (let y = y0; y < y0 + h; y++) {
    const row = (z * H + y) * W + x0;
    for (let x = 0; x < w; x++) if (src.weight[row + x]! > 0) return true;
  }
  return false;
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
