// An id drawn as two separate pieces is usually a mistake in the labels (a copy-pasted id, a
// relabelling that reused a number) and makes one "object" of two nuclei. Scoring still treats it
// as one object, as StarDist and Cellpose do, but the caller can warn about it; training makes
// each piece an object of its own (separatePieces), since one star-convex shape cannot cover both.

/**
 * Visits every piece (26-connected voxels of one id; 8-connected in a single slice) once, in
 * order of its first voxel: `piece(id, k)` with k = 0 for an id's first piece, 1 for its second…,
 * returning the value to write into `out` for the piece's voxels (when `out` is given).
 */
function walkPieces(labels: ArrayLike<number>, shape: readonly [number, number, number],
  piece: (id: number, k: number) => number, out?: { [i: number]: number }): Map<number, number> {
  const [d, h, w] = shape;
  const n = d * h * w;
  const visited = new Uint8Array(n);
  const stack = new Int32Array(n); // each voxel is pushed at most once: it is marked when pushed
  const pieces = new Map<number, number>();
  for (let start = 0; start < n; start++) {
    const id = labels[start]!;
    if (id === 0 || visited[start]) continue;
    const k = pieces.get(id) ?? 0;
    pieces.set(id, k + 1);
    const value = piece(id, k);
    let top = 0;
    stack[top++] = start;
    visited[start] = 1;
    while (top > 0) {
      const i = stack[--top]!;
      if (out) out[i] = value;
      const z = Math.floor(i / (h * w)), y = Math.floor(i / w) % h, x = i % w;
      for (let dz = -1; dz <= 1; dz++) {
        const zz = z + dz;
        if (zz < 0 || zz >= d) continue;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= w) continue;
            const j = (zz * h + yy) * w + xx;
            if (!visited[j] && labels[j] === id) { visited[j] = 1; stack[top++] = j; }
          }
        }
      }
    }
  }
  return pieces;
}

/** The ids whose voxels form more than one piece, with their piece counts, by ascending id. */
export function idsInSeveralPieces(labels: ArrayLike<number>, shape: readonly [number, number, number]): { id: number; pieces: number }[] {
  const pieces = walkPieces(labels, shape, () => 0);
  return [...pieces].filter(([, p]) => p > 1).map(([id, p]) => ({ id, pieces: p })).sort((a, b) => a.id - b.id);
}

/**
 * The labels with every piece an object of its own: an id's first piece keeps the id, further
 * pieces get new ids above the largest one. Uint32 when the ids outgrow uint16.
 */
export function separatePieces(labels: ArrayLike<number>, shape: readonly [number, number, number]): { labels: Uint16Array | Uint32Array; split: { id: number; pieces: number }[] } {
  let next = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > next) next = labels[i]!;
  const split = idsInSeveralPieces(labels, shape);
  const extra = split.reduce((s, p) => s + p.pieces - 1, 0);
  const out = next + extra > 0xffff ? new Uint32Array(labels.length) : new Uint16Array(labels.length);
  walkPieces(labels, shape, (id, k) => (k === 0 ? id : ++next), out);
  return { labels: out, split };
}
