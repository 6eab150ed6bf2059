// Thin neurite-like tubes: long, tortuous, rarely branching fibres of nearly constant radius with
// varicosities (bead-like swellings), some starting from a soma (a ball with several primary
// neurites), the rest passing through the volume from side to side.
import type { Shape3 } from './fields.ts';
import { drawBall, drawSegments, makeGrid, type TubeSegment, type Vec3 } from './raster.ts';
import { Rng, type Rand, type Range } from './rng.ts';
import type { Branch, TubeSample } from './trees.ts';
import { add, dot, normalize, randomDirection, rotateTowards, randomPerpendicular } from './vec.ts';

export interface NeuriteOptions {
  /** voxel size along z, y, x in world units; default [1, 1, 1] */
  spacing?: readonly [number, number, number];
  /** number of fibres passing through; default 12 */
  fibres?: number;
  /** number of somata, each with 3–6 neurites; default 2 */
  somata?: number;
  /** soma radius range; default [4, 7] */
  somaRadius?: Range;
  /** neurite radius range, world units; default [0.6, 1.4] */
  radius?: Range;
  /** heading noise (radians per √unit); default 0.03 */
  tortuosity?: number;
  /** chance per world unit that a fibre branches; default 0.008 */
  branchRate?: number;
  /** varicosity swelling, relative to the radius; default 0.8 */
  varicosity?: number;
  /** length of each fibre / neurite in world units; default [60, 250] */
  length?: Range;
  maxSegments?: number;
}

export interface NeuriteSample extends TubeSample { somata: { centre: Vec3; radius: number }[] }

interface Fibre { pos: Vec3; dir: Vec3; r: number; len: number; gen: number; parent: number }

export function neuriteTubes3d(shape: Shape3, opts: NeuriteOptions, rand: Rand): NeuriteSample {
  const rng = new Rng(rand);
  const spacing = opts.spacing ?? [1, 1, 1];
  const ext: Vec3 = [(shape[0] - 1) * spacing[0], (shape[1] - 1) * spacing[1], (shape[2] - 1) * spacing[2]];
  const rr = opts.radius ?? [0.6, 1.4], tort = opts.tortuosity ?? 0.03, rate = opts.branchRate ?? 0.008;
  const vari = opts.varicosity ?? 0.8, lenR = opts.length ?? [60, 250], maxSeg = opts.maxSegments ?? 40000;
  const queue: Fibre[] = [];
  const somata: { centre: Vec3; radius: number }[] = [];
  for (let i = 0; i < (opts.somata ?? 2); i++) {
    const c: Vec3 = [rng.uniform(0.2, 0.8) * ext[0], rng.uniform(0.15, 0.85) * ext[1], rng.uniform(0.15, 0.85) * ext[2]];
    const sr = rng.range(opts.somaRadius ?? [4, 7]);
    somata.push({ centre: c, radius: sr });
    const k = rng.int(3, 6);
    for (let j = 0; j < k; j++) {
      const d = randomDirection(rng, 3);
      queue.push({ pos: add(c, d, sr * 0.8), dir: d, r: rng.range(rr) * 1.3, len: rng.range(lenR), gen: 0, parent: -1 });
    }
  }
  for (let i = 0; i < (opts.fibres ?? 12); i++) {
    // enter through a random face, heading inwards with a random tilt
    const axis = rng.int(0, 2), side = rng.chance(0.5) ? 1 : 0;
    const pos: Vec3 = [rng.uniform(0, ext[0]), rng.uniform(0, ext[1]), rng.uniform(0, ext[2])];
    pos[axis] = side ? ext[axis]! : 0;
    const dir: Vec3 = [rng.normal() * 0.6, rng.normal() * 0.6, rng.normal() * 0.6];
    dir[axis] = side ? -1 : 1;
    queue.push({ pos, dir: normalize(dir), r: rng.range(rr), len: Math.max(rng.range(lenR), 2 * Math.max(...ext)), gen: 0, parent: -1 });
  }
  const segments: TubeSegment[] = [];
  const branches: Branch[] = [];
  const out = (p: Vec3) => p[0] < -3 || p[1] < -3 || p[2] < -3 || p[0] > ext[0] + 3 || p[1] > ext[1] + 3 || p[2] > ext[2] + 3;
  for (let qi = 0; qi < queue.length && segments.length < maxSeg; qi++) {
    const f = queue[qi]!;
    const id = branches.length;
    branches.push({ parent: f.parent, generation: f.gen, radius: f.r, anastomosis: false });
    let pos = f.pos, dir = normalize(f.dir), w: Vec3 = [0, 0, 0];
    // varicosities: Gaussian swellings every `period` units
    const period = rng.uniform(6, 16), width = rng.uniform(1, 2);
    let nextBead = rng.uniform(0, period);
    const radiusAt = (s: number) => {
      const d = s - nextBead;
      return f.r * (1 + vari * Math.exp(-(d * d) / (2 * width * width)));
    };
    let s = 0, rPrev = radiusAt(0);
    while (s < f.len && segments.length < maxSeg) {
      const step = 1;
      const n: Vec3 = [rng.normal() * tort, rng.normal() * tort, rng.normal() * tort];
      w = add([w[0] * 0.8, w[1] * 0.8, w[2] * 0.8], add(n, dir, -dot(n, dir)), 0.6);
      dir = normalize(add(dir, w));
      const next = add(pos, dir, step);
      s += step;
      if (s > nextBead + 3 * width) nextBead += period * rng.uniform(0.6, 1.4);
      const r = radiusAt(s);
      segments.push({ a: pos, b: next, ra: rPrev, rb: r, generation: f.gen, branch: id });
      pos = next; rPrev = r;
      if (out(pos)) break;
      if (rng.chance(rate * step) && f.gen < 4) {
        const p = randomPerpendicular(dir, rng, 3);
        queue.push({ pos, dir: rotateTowards(dir, p, rng.uniform(0.5, 1.2)), r: Math.max(0.5, f.r * rng.uniform(0.6, 0.95)), len: rng.range(lenR) * 0.6, gen: f.gen + 1, parent: id });
      }
    }
  }
  const g = makeGrid(shape, spacing);
  for (const so of somata) drawBall(g, so.centre, so.radius);
  drawSegments(g, segments);
  return { shape, spacing, label: g.label, occupancy: g.occupancy, segments, branches, somata };
}
