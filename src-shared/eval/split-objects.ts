// An id drawn as two separate pieces is usually a mistake in the labels (a copy-pasted id, a
// relabelling that reused a number) and makes one "object" of two nuclei. Scoring still treats it
// as one object, as StarDist and Cellpose do, but the caller can warn about it.

/**
 * The ids whose voxels form more than one piece under 26-connectivity (8-connectivity in a single
 * slice), with their piece counts, by ascending id. One flood fill per piece over the whole image.
 */
export function idsInSeveralPieces(labels: ArrayLike<number>, shape: readonly [number, number, number]): { id: number; pieces: number }[] {
  const [d, h, w] = shape;
  const n = d * h * w;
  const visited = new Uint8Array(n);
  const stack = new Int32Array(n); // each voxel is pushed at most once: it is marked when pushed
  const pieces = new Map<number, number>();
  for (let start = 0; start < n; start++) {
    const id = labels[start]!;
    if (id === 0 || visited[start]) continue;
    pieces.set(id, (pieces.get(id) ?? 0) + 1);
    let top = 0;
    stack[top++] = start;
    visited[start] = 1;
    while (top > 0) {
      const i = stack[--top]!;
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
  return [...pieces].filter(([, p]) => p > 1).map(([id, p]) => ({ id, pieces: p })).sort((a, b) => a.id - b.id);
}
