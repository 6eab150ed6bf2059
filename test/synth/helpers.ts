// Shared checks for the synthetic-data tests.

/** Sizes of the 26-connected (3D) components of a 0/1 label, largest first. */
export function componentSizes(label: Uint8Array, shape: readonly [number, number, number]): number[] {
  const [Z, Y, X] = shape;
  const seen = new Uint8Array(label.length);
  const sizes: number[] = [];
  const stack = new Int32Array(label.length);
  for (let s = 0; s < label.length; s++) {
    if (!label[s] || seen[s]) continue;
    let top = 0, size = 0;
    stack[top++] = s; seen[s] = 1;
    while (top > 0) {
      const i = stack[--top]!;
      size++;
      const z = Math.floor(i / (Y * X)), y = Math.floor(i / X) % Y, x = i % X;
      for (let dz = -1; dz <= 1; dz++) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const zz = z + dz, yy = y + dy, xx = x + dx;
        if (zz < 0 || yy < 0 || xx < 0 || zz >= Z || yy >= Y || xx >= X) continue;
        const j = (zz * Y + yy) * X + xx;
        if (label[j] && !seen[j]) { seen[j] = 1; stack[top++] = j; }
      }
    }
    sizes.push(size);
  }
  return sizes.sort((a, b) => b - a);
}

export function foreground(label: Uint8Array): number {
  let n = 0;
  for (const v of label) if (v) n++;
  return n / label.length;
}

/** Mean and standard deviation of `image` (channel `c` of a planar image) where `where(i)` holds. */
export function stats(image: Float32Array, n: number, where: (i: number) => boolean, c = 0): { mean: number; sd: number; count: number } {
  let s = 0, s2 = 0, k = 0;
  for (let i = 0; i < n; i++) if (where(i)) { const v = image[c * n + i]!; s += v; s2 += v * v; k++; }
  const mean = s / Math.max(1, k);
  return { mean, sd: Math.sqrt(Math.max(0, s2 / Math.max(1, k) - mean * mean)), count: k };
}

export function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
