// The same anatomy stored with its array axes permuted and some reversed, with the affine changed
// to describe it: how scanners and converters write one head in many ways.
type Zyx = [number, number, number];

export interface Reordered { shape: Zyx; affine: number[]; map: (original: Zyx) => Zyx }

/** perm[a] = the original axis stored as axis a; flip[a]: stored axis a runs backwards. */
export function reorder(shape: Zyx, affine: readonly number[], perm: Zyx, flip: [boolean, boolean, boolean]): Reordered {
  const newShape = perm.map((p) => shape[p]!) as Zyx;
  // direction of original array axis a: the affine's column for i = x, j = y, k = z
  const col = (a: number) => [affine[2 - a]!, affine[4 + 2 - a]!, affine[8 + 2 - a]!];
  const out = new Array(16).fill(0);
  out[15] = 1;
  const origin = [affine[3]!, affine[7]!, affine[11]!];
  for (let a = 0; a < 3; a++) {
    const d = col(perm[a]!).map((v) => (flip[a] ? -v : v));
    if (flip[a]) for (let k = 0; k < 3; k++) origin[k]! += col(perm[a]!)[k]! * (shape[perm[a]!]! - 1);
    for (let k = 0; k < 3; k++) out[k * 4 + (2 - a)] = d[k];
  }
  for (let k = 0; k < 3; k++) out[k * 4 + 3] = origin[k];
  const map = (o: Zyx): Zyx => [0, 1, 2].map((a) => (flip[a] ? newShape[a]! - 1 - o[perm[a]!]! : o[perm[a]!]!)) as Zyx;
  return { shape: newShape, affine: out, map };
}

/** The voxels of a z, y, x array moved as `reorder` moves them. */
export function reorderData<T extends ArrayLike<number> & { length: number }>(data: T, shape: Zyx, r: Reordered, make: (n: number) => T & { [i: number]: number }): T {
  const out = make(data.length);
  const [, H, W] = shape, [, h, w] = r.shape;
  for (let z = 0; z < shape[0]; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const [a, b, c] = r.map([z, y, x]);
    out[(a * h + b) * w + c] = data[(z * H + y) * W + x]!;
  }
  return out;
}
