// 3D connected components, one z-slice at a time, without recursion: a raster scan gives each
// voxel of the target class the provisional label of its first already-visited neighbour (or a new
// label), and records with union-find that neighbouring provisional labels are one component.
// Only the previous slice's labels are kept, so a volume of any depth can be scanned as it streams
// past. Label assignment depends only on the mask, never on the union-find state, so a second
// scan of the same slices (`replay`) reproduces the same provisional labels; mapping them through
// the finished union-find gives final components. Whole-volume helpers below run both scans over
// an in-memory mask.
// Sizes and border contact are counted per provisional label and summed per component at the end.
// Memory: 3 numbers per provisional label (≤ one per run of voxels, usually far fewer).

export type Connectivity = 6 | 18 | 26;

export class ComponentScanner {
  private parent = new Int32Array(1024);
  private sizes = new Float64Array(1024);
  private border = new Uint8Array(1024);
  private next = 1;
  private prev: Int32Array;
  private cur: Int32Array;
  private z = 0;
  private replaying = false;
  private replayNext = 1;
  private finished: { root: Int32Array } | undefined;
  /** the neighbour offsets already visited: [dz (0|-1), dy, dx] */
  private readonly offsets: [number, number, number][];

  /**
   * @param target which voxels are "inside": nonzero (objects) or zero (background, for holes)
   * @param depth number of slices (to know which voxels touch the volume's border)
   */
  constructor(readonly h: number, readonly w: number, readonly depth: number,
    readonly connectivity: Connectivity = 26, readonly target: 'nonzero' | 'zero' = 'nonzero') {
    this.prev = new Int32Array(h * w);
    this.cur = new Int32Array(h * w);
    const offs: [number, number, number][] = [];
    for (const dz of [0, -1]) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      if (dz === 0 && (dy > 0 || (dy === 0 && dx >= 0))) continue; // not yet visited in this slice
      const n = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
      if (connectivity === 6 && n > 1) continue;
      if (connectivity === 18 && n > 2) continue;
      offs.push([dz, dy, dx]);
    }
    this.offsets = offs;
  }

  get labelsUsed(): number { return this.next - 1; }

  private grow(): void {
    const n = this.parent.length * 2;
    const p = new Int32Array(n); p.set(this.parent); this.parent = p;
    const s = new Float64Array(n); s.set(this.sizes); this.sizes = s;
    const b = new Uint8Array(n); b.set(this.border); this.border = b;
  }

  private find(a: number): number {
    const parent = this.parent;
    while (parent[a] !== a) { parent[a] = parent[parent[a]!]!; a = parent[a]!; }
    return a;
  }

  private union(a: number, b: number): void {
    let ra = this.find(a), rb = this.find(b);
    if (ra === rb) return;
    if (rb < ra) [ra, rb] = [rb, ra]; // the earliest label stays the root
    this.parent[rb] = ra;
  }

  /**
   * Labels the next slice (h·w values). Returns the provisional labels (0 = not target); the
   * array is reused by the call after next.
   */
  scan(slice: ArrayLike<number>): Int32Array {
    if (this.z >= this.depth) throw new Error('ComponentScanner: more slices than the declared depth');
    const { h, w } = this;
    const [prev, cur] = [this.cur, this.prev]; // swap: last slice's labels become prev
    this.prev = prev; this.cur = cur;
    const first = this.z === 0, lastZ = this.z === this.depth - 1;
    const wantZero = this.target === 'zero';
    const offsets = this.offsets;
    const replay = this.replaying;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const v = slice[i]!;
        if (wantZero ? v !== 0 : v === 0) { cur[i] = 0; continue; }
        let label = 0;
        for (let k = 0; k < offsets.length; k++) {
          const o = offsets[k]!;
          if (o[0] === -1 && first) continue;
          const yy = y + o[1], xx = x + o[2];
          if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          const l = (o[0] === 0 ? cur : prev)[yy * w + xx]!;
          if (l === 0) continue;
          if (label === 0) { label = l; if (replay) break; } else if (l !== label) this.union(label, l);
        }
        if (label === 0 && replay) {
          label = this.replayNext++;
          if (label >= this.next) throw new Error('ComponentScanner: replay saw a different mask than the scan');
        } else if (label === 0) {
          label = this.next++;
          if (label >= this.parent.length) this.grow();
          this.parent[label] = label;
          this.sizes[label] = 0;
          this.border[label] = 0;
        }
        cur[i] = label;
        if (!replay) {
          this.sizes[label]! += 1;
          if (first || lastZ || y === 0 || x === 0 || y === h - 1 || x === w - 1) this.border[label] = 1;
        }
      }
    }
    this.z++;
    return cur;
  }

  /** After the last slice: the components, largest first order not implied (ids follow first appearance). */
  finish(): ComponentTable {
    if (this.z !== this.depth) throw new Error(`ComponentScanner: scanned ${this.z} of ${this.depth} slices`);
    const n = this.next;
    const root = new Int32Array(n);
    const compact = new Int32Array(n);
    const sizes: number[] = [], touchesBorder: boolean[] = [];
    // roots are the smallest label of their component, so every root is met before its members
    for (let l = 1; l < n; l++) {
      const r = this.find(l);
      root[l] = r;
      if (r === l) { compact[l] = sizes.length + 1; sizes.push(0); touchesBorder.push(false); }
      const id = compact[r]!;
      compact[l] = id;
      sizes[id - 1]! += this.sizes[l]!;
      if (this.border[l]) touchesBorder[id - 1] = true;
    }
    this.finished = { root: compact };
    return { count: sizes.length, sizes, touchesBorder, idOf: compact };
  }

  /** Starts a second scan of the same slices; `scan` then returns provisional labels without updating the tables. */
  replay(): void {
    if (!this.finished) this.finish();
    this.replaying = true;
    this.replayNext = 1;
    this.z = 0;
    this.prev.fill(0); this.cur.fill(0);
  }
}

export interface ComponentTable {
  count: number;
  /** voxels per component, by id - 1 (ids 1..count in order of first appearance in the scan) */
  sizes: number[];
  /** whether the component reaches the volume's outer faces */
  touchesBorder: boolean[];
  /** provisional label → component id */
  idOf: Int32Array;
}

export interface LabelledComponents { labels: Int32Array; count: number; sizes: number[] }

function sliceView(mask: Uint8Array, shape: readonly number[], z: number): Uint8Array {
  const n = shape[1]! * shape[2]!;
  return mask.subarray(z * n, (z + 1) * n);
}

function scanAll(mask: Uint8Array, shape: readonly number[], connectivity: Connectivity, target: 'nonzero' | 'zero'): { scanner: ComponentScanner; table: ComponentTable } {
  const [d, h, w] = shape as [number, number, number];
  if (mask.length !== d * h * w) throw new Error(`mask of ${mask.length} voxels for shape ${shape.join('×')}`);
  const scanner = new ComponentScanner(h, w, d, connectivity, target);
  for (let z = 0; z < d; z++) scanner.scan(sliceView(mask, shape, z));
  return { scanner, table: scanner.finish() };
}

/** Instance labels 1..count (order of first appearance, z then y then x), with voxels per object. */
export function labelComponents(mask: Uint8Array, shape: readonly number[], connectivity: Connectivity = 26): LabelledComponents {
  const { scanner, table } = scanAll(mask, shape, connectivity, 'nonzero');
  const n = shape[1]! * shape[2]!;
  const labels = new Int32Array(mask.length);
  scanner.replay();
  for (let z = 0; z < shape[0]!; z++) {
    const prov = scanner.scan(sliceView(mask, shape, z));
    for (let i = 0; i < n; i++) labels[z * n + i] = table.idOf[prov[i]!]!;
  }
  return { labels, count: table.count, sizes: table.sizes };
}

/** Which component ids survive: at least `minSize` voxels, and among the `keepLargest` largest. */
export function keptComponents(sizes: readonly number[], opts: { minSize?: number; keepLargest?: number }): Uint8Array {
  const keep = new Uint8Array(sizes.length + 1);
  let ids = sizes.map((_, i) => i + 1).filter((id) => sizes[id - 1]! >= (opts.minSize ?? 0));
  if (opts.keepLargest !== undefined) ids = ids.sort((a, b) => sizes[b - 1]! - sizes[a - 1]! || a - b).slice(0, opts.keepLargest);
  for (const id of ids) keep[id] = 1;
  return keep;
}

function filterComponents(mask: Uint8Array, shape: readonly number[], opts: { minSize?: number; keepLargest?: number }, connectivity: Connectivity): Uint8Array {
  const { labels, sizes } = labelComponents(mask, shape, connectivity);
  const keep = keptComponents(sizes, opts);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = keep[labels[i]!] ? mask[i]! : 0;
  return out;
}

/** Drops objects with fewer than `minSize` voxels. */
export function removeSmallComponents(mask: Uint8Array, shape: readonly number[], minSize: number, connectivity: Connectivity = 26): Uint8Array {
  return filterComponents(mask, shape, { minSize }, connectivity);
}

/** Keeps the `k` largest objects (ties: the one met first). */
export function keepLargestComponents(mask: Uint8Array, shape: readonly number[], k = 1, connectivity: Connectivity = 26): Uint8Array {
  return filterComponents(mask, shape, { keepLargest: k }, connectivity);
}

export { scanAll as scanComponents };
