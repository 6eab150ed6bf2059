// Prediction → instance label image: candidates are the grid pixels whose object probability
// is above probThreshold, most probable first; NMS keeps some; the kept shapes are painted.
//
// Painting: kept shapes are painted most probable first and never overwrite a labelled voxel,
// so where two kept shapes overlap the more probable one owns the voxels (the same outcome as
// StarDist painting in increasing probability with overwriting). Ids are 1..count in kept
// order (id 1 = most probable). An id may end up with no voxels if earlier shapes cover it.
// Output is Uint16Array up to 65535 objects, Uint32Array beyond.

import type { Rays } from './rays.ts';
import { suppressSorted, type NmsStats } from './nms.ts';
import { StarPolygon } from './polygon.ts';
import { StarPolyhedron } from './polyhedron.ts';
import { as3, grid3, gridShape, type Shape } from './shape.ts';
import type { StarShape } from './star-shape.ts';

export interface InstanceOptions {
  probThreshold: number;
  nmsThreshold: number;
  rays: Rays;
  /** prob/dists are given at voxels index·grid of the image (StarDist's `grid`); default all 1 */
  grid?: readonly number[];
}

export interface Instances {
  labels: Uint16Array | Uint32Array;
  count: number;
  /** kept objects' centres (voxel coordinates, [z,y,x] per object; z = 0 in 2D) and probabilities */
  centres: Int32Array;
  probs: Float32Array;
  /** milliseconds per stage */
  timings: { candidates: number; nms: number; rasterise: number };
  nmsStats: NmsStats;
  /** how many pixels passed probThreshold */
  candidateCount: number;
}

/** the label array type for `count` objects */
export function labelArrayFor(count: number, size: number): Uint16Array | Uint32Array {
  return count > 0xffff ? new Uint32Array(size) : new Uint16Array(size);
}

/**
 * prob: [gridPixels]; dists: [gridPixels][rays.n] (channel-last), distances in image voxels;
 * shape: the image shape ([h, w] or [d, h, w]); grid pixel i sits at image voxel index·grid.
 */
export function instancesFromPrediction(prob: Float32Array, dists: Float32Array, shape: Shape, opts: InstanceOptions): Instances {
  const { rays } = opts;
  if ((rays.dim === 2) !== (shape.length === 2)) throw new RangeError(`${rays.dim}D rays for a ${shape.length}D image`);
  const s3 = as3(shape);
  const g = grid3(opts.grid, rays.dim);
  const gs = gridShape(s3, g);
  const m = gs[0] * gs[1] * gs[2], n = rays.n;
  if (prob.length !== m) throw new RangeError(`prob has ${prob.length} values, grid ${gs.join('×')} needs ${m}`);
  if (dists.length !== m * n) throw new RangeError(`dists has ${dists.length} values, needs ${m}×${n}`);

  let t = performance.now();
  let cnt = 0;
  for (let i = 0; i < m; i++) if (prob[i] > opts.probThreshold) cnt++;
  const cand = new Int32Array(cnt);
  for (let i = 0, c = 0; i < m; i++) if (prob[i] > opts.probThreshold) cand[c++] = i;
  cand.sort((a, b) => prob[b] - prob[a] || a - b);
  const tCand = performance.now() - t;

  const centreOf = (i: number): [number, number, number] => {
    const x = i % gs[2], y = Math.floor(i / gs[2]) % gs[1], z = Math.floor(i / (gs[1] * gs[2]));
    return [z * g[0], y * g[1], x * g[2]];
  };
  const make = (j: number): StarShape => {
    const i = cand[j], c = centreOf(i), d = dists.subarray(i * n, i * n + n);
    return rays.dim === 2 ? new StarPolygon([c[1], c[2]], d, rays, [s3[1], s3[2]]) : new StarPolyhedron(c, d, rays, s3);
  };
  const r = suppressSorted(cnt, make, shape, opts.nmsThreshold);

  t = performance.now();
  const count = r.kept.length;
  const labels = labelArrayFor(count, s3[0] * s3[1] * s3[2]);
  const centres = new Int32Array(3 * count), probs = new Float32Array(count);
  for (let id = 0; id < count; id++) {
    const sh = r.shapes[id], mask = r.masks[id];
    const [z0, z1, y0, y1, x0, x1] = sh.box;
    let k = 0;
    for (let z = z0; z <= z1; z++) for (let y = y0; y <= y1; y++) {
      const row = (z * s3[1] + y) * s3[2];
      for (let x = x0; x <= x1; x++, k++) if (mask[k] && labels[row + x] === 0) labels[row + x] = id + 1;
    }
    centres.set(sh.centre, 3 * id);
    probs[id] = prob[cand[r.kept[id]]];
  }
  const tRast = performance.now() - t;
  return { labels, count, centres, probs, timings: { candidates: tCand, nms: r.ms, rasterise: tRast }, nmsStats: r.stats, candidateCount: cnt };
}
