// StarDist's object probability target: inside each object, the Euclidean distance to the
// nearest pixel not of that object, divided by the object's largest such distance, so every
// object peaks at 1 on its "centre" whatever its size; background is 0.
//
// The EDT is exact (Felzenszwalb–Huttenlocher separable squared-distance transform), done
// per object on its bounding box grown by one pixel: that ring is all foreign, so no nearer
// foreign pixel can lie outside it. Pixels outside the image count as foreign (an object
// cut by the border peaks away from the cut), matching the star distances, which stop there.
// Distances are between pixel centres, so a one-pixel-thick object has distance 1 everywhere.

import { as3, grid3, gridShape, type LabelArray, type Shape } from './shape.ts';

export interface ObjectProbabilityOptions {
  /** voxel size per axis ([y,x] or [z,y,x]); distances are measured physically */
  anisotropy?: readonly number[];
  /** sample the result at index·grid only */
  grid?: readonly number[];
}

export function objectProbability(labels: LabelArray, shape: Shape, opts: ObjectProbabilityOptions = {}): Float32Array {
  const s = as3(shape);
  const dim = shape.length as 2 | 3;
  const [D, H, W] = s;
  if (labels.length !== D * H * W) throw new RangeError(`labels length ${labels.length} does not match shape ${shape.join('×')}`);
  const an = opts.anisotropy ? (dim === 2 ? [1, opts.anisotropy[0], opts.anisotropy[1]] : [...opts.anisotropy]) : [1, 1, 1];
  const boxes = new Map<number, number[]>(); // id → [z0,z1,y0,y1,x0,x1]
  for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    const id = labels[i];
    if (id === 0) continue;
    const b = boxes.get(id);
    if (!b) boxes.set(id, [z, z, y, y, x, x]);
    else {
      if (z > b[1]) b[1] = z;
      if (y < b[2]) b[2] = y; if (y > b[3]) b[3] = y;
      if (x < b[4]) b[4] = x; if (x > b[5]) b[5] = x;
    }
  }
  const prob = new Float32Array(D * H * W);
  const INF = 1e20;
  for (const [id, b] of boxes) {
    // 2D images have no z neighbours: padding z would put every pixel one step from "outside".
    const pz = dim === 3 ? 1 : 0;
    const z0 = b[0] - pz, y0 = b[2] - 1, x0 = b[4] - 1;
    const bd = b[1] - b[0] + 1 + 2 * pz, bh = b[3] - b[2] + 3, bw = b[5] - b[4] + 3;
    const f = new Float64Array(bd * bh * bw);
    for (let z = 0; z < bd; z++) for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) {
      const Z = z + z0, Y = y + y0, X = x + x0;
      const inside = Z >= 0 && Z < D && Y >= 0 && Y < H && X >= 0 && X < W && labels[(Z * H + Y) * W + X] === id;
      f[(z * bh + y) * bw + x] = inside ? INF : 0;
    }
    edtAxis(f, [bd, bh, bw], 2, an[2]);
    edtAxis(f, [bd, bh, bw], 1, an[1]);
    if (bd > 1) edtAxis(f, [bd, bh, bw], 0, an[0]);
    let max = 0;
    for (let i = 0; i < f.length; i++) if (f[i] > max && f[i] < INF) max = f[i];
    const inv = max > 0 ? 1 / Math.sqrt(max) : 0;
    for (let z = pz; z < bd - pz; z++) for (let y = 1; y < bh - 1; y++) for (let x = 1; x < bw - 1; x++) {
      const Z = z + z0, Y = y + y0, X = x + x0;
      const i = (Z * H + Y) * W + X;
      if (labels[i] === id) prob[i] = Math.sqrt(f[(z * bh + y) * bw + x]) * inv;
    }
  }
  if (!opts.grid) return prob;
  const g = grid3(opts.grid, dim);
  const gs = gridShape(s, g);
  const out = new Float32Array(gs[0] * gs[1] * gs[2]);
  for (let z = 0, o = 0; z < gs[0]; z++) for (let y = 0; y < gs[1]; y++) for (let x = 0; x < gs[2]; x++, o++) {
    out[o] = prob[((z * g[0]) * H + y * g[1]) * W + x * g[2]];
  }
  return out;
}

/** in-place 1D squared distance transform of every line along `axis`, sample spacing `w` */
function edtAxis(f: Float64Array, s: readonly number[], axis: number, w: number): void {
  const len = s[axis];
  const stride = axis === 2 ? 1 : axis === 1 ? s[2] : s[1] * s[2];
  const line = new Float64Array(len), outLine = new Float64Array(len);
  const v = new Int32Array(len), zb = new Float64Array(len + 1);
  const w2 = w * w;
  const total = s[0] * s[1] * s[2];
  for (let base = 0; base < total; base++) {
    // a line starts where the axis coordinate is 0
    const coord = axis === 2 ? base % s[2] : axis === 1 ? Math.floor(base / s[2]) % s[1] : Math.floor(base / (s[1] * s[2]));
    if (coord !== 0) continue;
    for (let i = 0; i < len; i++) line[i] = f[base + i * stride];
    // lower envelope of parabolas w²(p-q)² + line[q]
    let k = 0;
    v[0] = 0; zb[0] = -Infinity; zb[1] = Infinity;
    for (let q = 1; q < len; q++) {
      let sp: number;
      for (;;) {
        const r = v[k];
        sp = (line[q] + w2 * q * q - (line[r] + w2 * r * r)) / (2 * w2 * (q - r));
        if (sp <= zb[k] && k > 0) k--; else break;
      }
      if (sp <= zb[k]) { v[k] = q; zb[k + 1] = Infinity; continue; } // k === 0 and q dominates
      k++; v[k] = q; zb[k] = sp; zb[k + 1] = Infinity;
    }
    k = 0;
    for (let p = 0; p < len; p++) {
      while (zb[k + 1] < p) k++;
      const dq = p - v[k];
      outLine[p] = w2 * dq * dq + line[v[k]];
    }
    for (let i = 0; i < len; i++) f[base + i * stride] = outLine[i];
  }
}
