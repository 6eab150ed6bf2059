// Post-processing on constructed masks, checked against hand counts and against a plain
// breadth-first flood fill (the obvious algorithm) on random masks.
import { describe, expect, it } from 'vitest';
import { labelComponents, removeSmallComponents, keepLargestComponents, ComponentScanner, type Connectivity } from '../../src-shared/infer/postprocess/components.ts';
import { fillHoles } from '../../src-shared/infer/postprocess/fill-holes.ts';
import { threshold, thresholdSlice, probabilitiesToLabels } from '../../src-shared/infer/postprocess/threshold.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';

type S = [number, number, number];
const idx = (s: S, z: number, y: number, x: number) => (z * s[1] + y) * s[2] + x;

function box(mask: Uint8Array, s: S, [z0, y0, x0]: S, [z1, y1, x1]: S, v = 1) {
  for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[idx(s, z, y, x)] = v;
}

/** Reference: BFS flood fill with an explicit queue; sizes in order of first voxel. */
function bfs(mask: Uint8Array, s: S, conn: Connectivity): { count: number; sizes: number[]; labels: Int32Array } {
  const labels = new Int32Array(mask.length);
  const sizes: number[] = [];
  const nb: S[] = [];
  for (let dz = -1; dz <= 1; dz++) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
    const n = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
    if (n === 0 || (conn === 6 && n > 1) || (conn === 18 && n > 2)) continue;
    nb.push([dz, dy, dx]);
  }
  const queue = new Int32Array(mask.length);
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = sizes.length + 1;
    let head = 0, tail = 0;
    queue[tail++] = start; labels[start] = id;
    while (head < tail) {
      const i = queue[head++]!;
      const z = Math.floor(i / (s[1] * s[2])), y = Math.floor(i / s[2]) % s[1], x = i % s[2];
      for (const [dz, dy, dx] of nb) {
        const zz = z + dz, yy = y + dy, xx = x + dx;
        if (zz < 0 || yy < 0 || xx < 0 || zz >= s[0] || yy >= s[1] || xx >= s[2]) continue;
        const j = idx(s, zz, yy, xx);
        if (mask[j] && !labels[j]) { labels[j] = id; queue[tail++] = j; }
      }
    }
    sizes.push(tail);
  }
  return { count: sizes.length, sizes, labels };
}

describe('connected components', () => {
  it('counts and measures constructed objects; 6- vs 26-connectivity on a diagonal', () => {
    const s: S = [10, 12, 14];
    const m = new Uint8Array(10 * 12 * 14);
    box(m, s, [0, 0, 0], [3, 3, 3]); // 27, touches the border
    box(m, s, [5, 5, 5], [9, 7, 8]); // 4·2·3 = 24
    m[idx(s, 2, 10, 10)] = 1; // single voxel
    m[idx(s, 3, 11, 11)] = 1; // diagonal neighbour of the single voxel
    const c26 = labelComponents(m, s, 26);
    expect(c26.count).toBe(3);
    expect(c26.sizes).toEqual([27, 2, 24]);
    const c6 = labelComponents(m, s, 6);
    expect(c6.count).toBe(4);
    expect(c6.sizes).toEqual([27, 1, 1, 24]);
    expect(c26.labels[idx(s, 6, 6, 6)]).toBe(3);
    expect(c26.labels[idx(s, 4, 4, 4)]).toBe(0);
  });

  it('merges labels that meet late (a U opening upwards, a spiral comb) into one object', () => {
    const s: S = [3, 20, 20];
    const m = new Uint8Array(3 * 400);
    // comb: many vertical teeth that are joined only by the last row of the last slice
    for (let x = 0; x < 20; x += 2) box(m, s, [0, 0, x], [3, 19, x + 1]);
    box(m, s, [2, 19, 0], [3, 20, 20]);
    for (const conn of [6, 18, 26] as const) expect(labelComponents(m, s, conn).count).toBe(1);
  });

  it('agrees with breadth-first flood fill on random masks (6, 18, 26)', () => {
    const rand = seededRandom(5);
    for (const density of [0.2, 0.35, 0.5]) {
      const s: S = [7, 13, 11];
      const m = Uint8Array.from({ length: 7 * 13 * 11 }, () => (rand() < density ? 1 : 0));
      for (const conn of [6, 18, 26] as const) {
        const a = labelComponents(m, s, conn), b = bfs(m, s, conn);
        expect(a.count).toBe(b.count);
        expect(a.sizes).toEqual(b.sizes);
        expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
      }
    }
  });

  it('removes small objects and keeps the largest', () => {
    const s: S = [8, 8, 8];
    const m = new Uint8Array(512);
    box(m, s, [0, 0, 0], [2, 2, 2], 255); // 8
    box(m, s, [4, 4, 4], [8, 8, 8], 255); // 64
    m[idx(s, 0, 7, 7)] = 255; // 1
    const r = removeSmallComponents(m, s, 5);
    expect(labelComponents(r, s).sizes).toEqual([8, 64]);
    expect(r[idx(s, 0, 0, 0)]).toBe(255);
    const k = keepLargestComponents(m, s, 1);
    expect(labelComponents(k, s).sizes).toEqual([64]);
    expect(labelComponents(keepLargestComponents(m, s, 2), s).sizes).toEqual([8, 64]);
  });

  it('a scan of a long stack keeps only two slices of labels', () => {
    const sc = new ComponentScanner(4, 4, 5000);
    const slice = new Uint8Array(16).fill(1);
    for (let z = 0; z < 5000; z++) sc.scan(slice);
    const t = sc.finish();
    expect(t.count).toBe(1);
    expect(t.sizes[0]).toBe(80000);
    expect(sc.labelsUsed).toBe(1);
  });
});

describe('fill holes and threshold', () => {
  it('fills an enclosed cavity, not a cavity open to the border, and keeps the value', () => {
    const s: S = [9, 9, 9];
    const m = new Uint8Array(729);
    box(m, s, [1, 1, 1], [6, 6, 6], 255);
    box(m, s, [2, 2, 2], [5, 5, 5], 0); // enclosed 27-voxel cavity
    m[idx(s, 3, 3, 3)] = 255; // an island inside the cavity
    const f = fillHoles(m, s, 255);
    expect(f.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(125);
    expect(f[idx(s, 2, 2, 2)]).toBe(255);
    // open the cavity to the outside through a tunnel: nothing is filled
    const open = Uint8Array.from(m);
    box(open, s, [3, 3, 0], [4, 4, 3], 0);
    const g = fillHoles(open, s, 255);
    expect(Array.from(g)).toEqual(Array.from(open));
    // a cavity connected to the outside only diagonally is a hole for 6-connected background
    const diag = new Uint8Array(27).fill(1);
    diag[13] = 0;
    expect(fillHoles(diag, [3, 3, 3])[13]).toBe(1);
  });

  it('thresholds one channel and argmaxes several into the class values', () => {
    expect(Array.from(threshold([0.1, 0.5, 0.9], 0.5, 255))).toEqual([0, 255, 255]);
    // 2 channels × 3 voxels, planar: the most probable channel wins whatever the threshold
    const p = Float32Array.of(0.9, 0.2, 0.3, 0.1, 0.7, 0.4);
    expect(Array.from(thresholdSlice(p, 2, 3, 0.5))).toEqual([1, 2, 2]);
    // 3 softmax channels × 4 voxels, planar: channel k → the user's value classes[k], background 1
    const q = Float32Array.of(0.6, 0.1, 0.3, 0.2, /**/ 0.3, 0.8, 0.3, 0.3, /**/ 0.1, 0.1, 0.4, 0.5);
    expect(Array.from(thresholdSlice(q, 3, 4, 0.5, undefined, 255, [1, 3, 5]))).toEqual([1, 3, 5, 5]);
    // the same probabilities channel-last (a whole predicted volume)
    const last = Float32Array.from({ length: 12 }, (_, i) => q[(i % 3) * 4 + Math.floor(i / 3)]!);
    expect(Array.from(probabilitiesToLabels(last, 3, { classValues: [1, 3, 5] }))).toEqual([1, 3, 5, 5]);
    expect(Array.from(probabilitiesToLabels(Float32Array.of(0.2, 0.7), 1, { value: 255 }))).toEqual([0, 255]);
  });
});
