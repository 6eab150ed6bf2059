// Branching vessel trees, 2D and 3D. Each root trunk walks a tortuous centreline (a smoothed
// random walk: the heading's angular velocity is an Ornstein–Uhlenbeck process), then splits in
// two; child radii follow Murray's law (r³ = r₁³ + r₂³) with a random asymmetry, and the
// branching angles are Murray's optimum for those radii, jittered. Growth is breadth-first from
// a queue (no recursion). Tips that end inside the volume may join a nearby branch of another
// lineage (anastomosis). Everything is generated in world units (usually in-plane voxels) and
// rasterised onto a grid with per-axis voxel spacing, so anisotropic stacks come out right.
import type { Shape3 } from './fields.ts';
import { drawSegments, makeGrid, type TubeGrid, type TubeSegment, type Vec3 } from './raster.ts';
import { Rng, type Rand, type Range } from './rng.ts';
import { add, dot, norm, normalize, randomDirection, randomPerpendicular, rotateTowards } from './vec.ts';

export interface RootSpec {
  /** world position z, y, x */
  pos: Vec3;
  /** initial heading (normalised here) */
  dir: Vec3;
  radius: number;
  /** 2D only: turn rate in radians per world unit (arcades curving round the macula) */
  turn?: number;
  /** 2D only: stop turning once the heading is within ~18° of this direction (inherited by the larger child) */
  goal?: Vec3;
}

export interface VesselTreeOptions {
  /** voxel size along z, y, x in world units; default [1, 1, 1] */
  spacing?: readonly [number, number, number];
  /** number of root trunks, entering from the volume's sides; default 3 */
  roots?: number;
  /** explicit roots (then `roots` and `rootRadius` are ignored) */
  rootSpecs?: readonly RootSpec[];
  /** trunk radius range in world units; default [3, 6] */
  rootRadius?: Range;
  /** radii never go below this (capillaries); default 0.8 */
  minRadius?: number;
  /** branch length = factor × radius (drawn per branch); default [10, 25] */
  lengthFactor?: Range;
  /** shortest branch in world units; default 15 */
  minBranchLength?: number;
  /** heading noise: std of the heading's angular velocity, radians per √unit; default 0.06 */
  tortuosity?: number;
  /** r₂/r₁ of the two children; 1 = symmetric; default [0.35, 1] */
  asymmetry?: Range;
  /** stop splitting after this many generations; default 10 */
  maxGenerations?: number;
  /** probability that a terminal tip inside the volume joins a nearby vessel; default 0.3 */
  anastomosisProb?: number;
  /** how far a tip looks for a partner, world units; default 25 */
  anastomosisReach?: number;
  /** 3D only, 0..1: how strongly headings are kept in the y-x plane; default 0 */
  planarity?: number;
  /** relative radius loss per world unit along a branch; default 0.004 */
  taper?: number;
  /** 2D: turn-rate noise added to each child's turn (rad/unit); the larger child keeps 0.8 of its parent's turn, the smaller none; default 0 */
  turnJitter?: number;
  /** regions vessels steer around (world centre, radius) and stop inside (e.g. the fovea) */
  avoid?: readonly { centre: Vec3; radius: number }[];
  /** safety cap on the number of centreline segments; default 40000 */
  maxSegments?: number;
  /** also compute centre/radius maps (for the fundus central reflex); default false */
  withCentre?: boolean;
}

export interface Branch {
  parent: number;
  generation: number;
  /** radius where the branch starts */
  radius: number;
  anastomosis: boolean;
}

/** A drawn grid (label: 1 where a voxel centre lies inside a tube; occupancy ≥ 0.5 exactly there) with its geometry. */
export interface TubeSample extends TubeGrid {
  segments: TubeSegment[];
  branches: Branch[];
}

interface Tip { pos: Vec3; dir: Vec3; r: number; gen: number; parent: number; turn: number; goal?: Vec3 }

/** Coarse occupancy counter used to steer new branches into emptier space. */
class Crowding {
  private readonly counts: Uint16Array;
  private readonly dims: [number, number, number];
  constructor(private readonly extent: Vec3, private readonly cell: number) {
    this.dims = [Math.max(1, Math.ceil(extent[0] / cell) + 1), Math.ceil(extent[1] / cell) + 1, Math.ceil(extent[2] / cell) + 1];
    this.counts = new Uint16Array(this.dims[0] * this.dims[1] * this.dims[2]);
  }
  private index(p: Vec3): number {
    const c = this.dims;
    const i = (v: number, n: number) => Math.min(n - 1, Math.max(0, Math.floor(v / this.cell)));
    return (i(p[0], c[0]) * c[1] + i(p[1], c[1])) * c[2] + i(p[2], c[2]);
  }
  add(p: Vec3): void { const i = this.index(p); if (this.counts[i]! < 65535) this.counts[i]!++; }
  at(p: Vec3): number {
    const e = this.extent;
    if (p[0] < -1 || p[1] < 0 || p[2] < 0 || p[0] > e[0] + 1 || p[1] > e[1] || p[2] > e[2]) return 1e9; // outside: avoid
    return this.counts[this.index(p)]!;
  }
}

function extentOf(shape: Shape3, spacing: readonly [number, number, number]): Vec3 {
  return [(shape[0] - 1) * spacing[0], (shape[1] - 1) * spacing[1], (shape[2] - 1) * spacing[2]];
}

/** Roots entering from a random side of the volume, heading inwards (in-plane sides only when flat). */
function boundaryRoot(ext: Vec3, dims: 2 | 3, planarity: number, rng: Rng, radius: number): RootSpec {
  const flat = dims === 2 || ext[0] < 0.5 * Math.min(ext[1], ext[2]) || planarity > 0.5;
  const faces = flat ? [1, 2] : [0, 1, 2];
  const axis = rng.pick(faces);
  const side = rng.chance(0.5) ? 0 : 1;
  const pos: Vec3 = [dims === 2 ? 0 : rng.uniform(0, ext[0]), rng.uniform(0.1, 0.9) * ext[1], rng.uniform(0.1, 0.9) * ext[2]];
  pos[axis] = side ? ext[axis]! : 0;
  // head roughly towards the middle of the block, with some spread
  const mid: Vec3 = [ext[0] / 2, ext[1] / 2, ext[2] / 2];
  const to = normalize([dims === 2 ? 0 : (mid[0] - pos[0]) * (1 - planarity), mid[1] - pos[1], mid[2] - pos[2]]);
  const dir: Vec3 = [dims === 2 ? 0 : to[0] + rng.normal() * 0.3 * (1 - planarity), to[1] + rng.normal() * 0.3, to[2] + rng.normal() * 0.3];
  dir[axis] = side ? -Math.abs(dir[axis]!) - 0.3 : Math.abs(dir[axis]!) + 0.3;
  return { pos, dir: normalize(dir), radius };
}

/** Grows the centreline tree (segments and branches) without rasterising it. */
export function growTree(dims: 2 | 3, shape: Shape3, opts: VesselTreeOptions, rand: Rand): { segments: TubeSegment[]; branches: Branch[] } {
  const rng = new Rng(rand);
  const spacing = opts.spacing ?? [1, 1, 1];
  const ext = extentOf(shape, spacing);
  const minR = opts.minRadius ?? 0.8;
  const lenF = opts.lengthFactor ?? [10, 25];
  const minLen = opts.minBranchLength ?? 15;
  const tort = opts.tortuosity ?? 0.06;
  const asym = opts.asymmetry ?? [0.35, 1];
  const maxGen = opts.maxGenerations ?? 10;
  const planarity = dims === 2 ? 0 : (opts.planarity ?? 0);
  const taper = opts.taper ?? 0.004;
  const maxSeg = opts.maxSegments ?? 40000;
  const turnJitter = opts.turnJitter ?? 0;
  const crowd = new Crowding(ext, 8);
  const avoid = opts.avoid ?? [];
  const span = Math.max(8, dims === 2 ? Math.min(ext[1], ext[2]) : Math.max(Math.min(ext[1], ext[2]), ext[0]));

  const roots: RootSpec[] = opts.rootSpecs ? [...opts.rootSpecs] : [];
  if (!opts.rootSpecs) {
    const rr = opts.rootRadius ?? [3, 6];
    for (let i = 0; i < (opts.roots ?? 3); i++) roots.push(boundaryRoot(ext, dims, planarity, rng, rng.range(rr)));
  }

  const segments: TubeSegment[] = [];
  const branches: Branch[] = [];
  const ends: Tip[] = []; // terminal tips inside the volume, for anastomoses (parent = their branch)
  const queue: Tip[] = roots.map((r) => ({ pos: [...r.pos] as Vec3, dir: normalize(dims === 2 ? [0, r.dir[1], r.dir[2]] : r.dir), r: r.radius, gen: 0, parent: -1, turn: r.turn ?? 0, goal: r.goal ? normalize(r.goal) : undefined }));
  const margin = 2;
  const outside = (p: Vec3, r: number) =>
    p[1] < -r - margin || p[2] < -r - margin || p[1] > ext[1] + r + margin || p[2] > ext[2] + r + margin ||
    (dims === 3 && (p[0] < -r - margin || p[0] > ext[0] + r + margin));

  for (let qi = 0; qi < queue.length && segments.length < maxSeg; qi++) {
    const tip = queue[qi]!;
    const id = branches.length;
    branches.push({ parent: tip.parent, generation: tip.gen, radius: tip.r, anastomosis: false });
    let { pos, dir, r } = tip;
    // branch length ∝ radius, but a branch never spans more than about half the block, so small
    // blocks still see bifurcations
    const L = Math.min(Math.max(minLen, rng.range(lenF) * r), rng.uniform(0.2, 0.5) * span);
    let w: Vec3 = [0, 0, 0];
    let travelled = 0, left = false;
    while (travelled < L && segments.length < maxSeg) {
      const step = Math.min(3, Math.max(0.7, 0.8 * r), L - travelled + 0.5);
      const k = tort * Math.sqrt(step);
      const n: Vec3 = [dims === 2 ? 0 : rng.normal() * k * (1 - planarity), rng.normal() * k, rng.normal() * k];
      w = add([w[0] * 0.7, w[1] * 0.7, w[2] * 0.7], add(n, dir, -dot(n, dir)), 0.7);
      let d = normalize(add(dir, w));
      if (dims === 2 && tip.turn !== 0 && !(tip.goal && dot(d, tip.goal) > 0.95)) {
        const c = Math.cos(tip.turn * step), s = Math.sin(tip.turn * step);
        d = [0, c * d[1] + s * d[2], -s * d[1] + c * d[2]];
      }
      if (planarity > 0) d = normalize([d[0] * (1 - 0.3 * planarity), d[1], d[2]]);
      if (tip.gen === 0 && travelled > 2 * r) {
        // trunks bend away from the block's faces rather than leave before their first split
        for (let ax = dims === 2 ? 1 : 0; ax < 3; ax++) {
          const near = r + 6;
          if (pos[ax]! < near && d[ax]! < 0) d[ax] = d[ax]! + 0.25;
          else if (pos[ax]! > ext[ax]! - near && d[ax]! > 0) d[ax] = d[ax]! - 0.25;
        }
        d = normalize(d);
      }
      let blocked = false;
      for (const av of avoid) {
        const away: Vec3 = [pos[0] - av.centre[0], pos[1] - av.centre[1], pos[2] - av.centre[2]];
        const dist = norm(away);
        if (dist < av.radius * 0.6) blocked = true;
        else if (dist < av.radius * 1.6) d = normalize(add(d, away, (0.25 * step * (1.6 - dist / av.radius)) / dist));
      }
      if (blocked) break;
      const next = add(pos, d, step);
      const rNext = Math.max(minR, r * (1 - taper * step));
      segments.push({ a: pos, b: next, ra: r, rb: rNext, generation: tip.gen, branch: id });
      crowd.add(next);
      pos = next; dir = d; r = rNext; travelled += step;
      if (outside(pos, r)) { left = true; break; }
    }
    if (left) continue;
    if (tip.gen >= maxGen) { ends.push({ pos, dir, r, gen: tip.gen, parent: id, turn: 0 }); continue; }
    // bifurcation: Murray radii and optimal angles, axis chosen (of 3 tries) towards emptier space
    const q = rng.range(asym);
    const r1 = Math.max(minR, r / Math.cbrt(1 + q * q * q)), r2 = Math.max(minR, q * r / Math.cbrt(1 + q * q * q));
    const R = r / Math.cbrt(1 + q * q * q);
    const rq1 = R, rq2 = q * R;
    const cos1 = Math.min(1, Math.max(-1, (r ** 4 + rq1 ** 4 - rq2 ** 4) / (2 * r * r * rq1 * rq1)));
    const cos2 = Math.min(1, Math.max(-1, (r ** 4 + rq2 ** 4 - rq1 ** 4) / (2 * r * r * rq2 * rq2)));
    const th1 = Math.acos(cos1) * rng.uniform(0.75, 1.25), th2 = Math.max(0.35, Math.acos(cos2) * rng.uniform(0.75, 1.25));
    let best: [Vec3, Vec3] | undefined, bestScore = Infinity;
    for (let tries = 0; tries < 3; tries++) {
      let p = randomPerpendicular(dir, rng, dims);
      if (planarity > 0) p = normalize([p[0] * (1 - planarity), p[1], p[2]]);
      const d1 = rotateTowards(dir, p, th1), d2 = rotateTowards(dir, p, -th2);
      const look = Math.max(6, 6 * r);
      const score = crowd.at(add(pos, d1, look)) + crowd.at(add(pos, d2, look));
      if (score < bestScore) { bestScore = score; best = [d1, d2]; }
    }
    const tj = () => (turnJitter ? rng.normal() * turnJitter : 0);
    queue.push({ pos, dir: best![0], r: r1, gen: tip.gen + 1, parent: id, turn: tip.turn * 0.8 + tj(), goal: tip.goal });
    queue.push({ pos, dir: best![1], r: r2, gen: tip.gen + 1, parent: id, turn: tj() });
  }

  // anastomoses: a tip joins the nearest segment end of another lineage ahead of it
  const pA = opts.anastomosisProb ?? 0.3, reach = opts.anastomosisReach ?? 25;
  const isRelated = (b1: number, b2: number) => {
    // same branch, parent/child or siblings
    if (b1 === b2) return true;
    const p1 = branches[b1]!.parent, p2 = branches[b2]!.parent;
    return p1 === b2 || p2 === b1 || (p1 >= 0 && p1 === p2);
  };
  // bucket segment ends on a grid of cell `reach` so each tip only scans its neighbourhood
  const nSeg = segments.length;
  const cell = Math.max(reach, 1);
  const key = (p: Vec3) => `${Math.floor(p[0] / cell)},${Math.floor(p[1] / cell)},${Math.floor(p[2] / cell)}`;
  const buckets = new Map<string, number[]>();
  if (pA > 0 && ends.length > 0) {
    for (let i = 0; i < nSeg; i++) {
      const k = key(segments[i]!.b);
      const b = buckets.get(k);
      if (b) b.push(i); else buckets.set(k, [i]);
    }
  }
  for (const tip of ends) {
    if (!rng.chance(pA) || segments.length >= maxSeg) continue;
    let bestD = reach, target: Vec3 | undefined, targetR = 0;
    const cz = Math.floor(tip.pos[0] / cell), cy = Math.floor(tip.pos[1] / cell), cx = Math.floor(tip.pos[2] / cell);
    for (let dz = -1; dz <= 1; dz++) for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const list = buckets.get(`${cz + dz},${cy + dy},${cx + dx}`);
      if (!list) continue;
      for (const i of list) {
        const s = segments[i]!;
        if (isRelated(tip.parent, s.branch)) continue;
        const v: Vec3 = [s.b[0] - tip.pos[0], s.b[1] - tip.pos[1], s.b[2] - tip.pos[2]];
        const d = norm(v);
        if (d < bestD && d > 1 && dot(v, tip.dir) > -0.2 * d) { bestD = d; target = s.b; targetR = s.rb; }
      }
    }
    if (!target) continue;
    const id = branches.length;
    branches.push({ parent: tip.parent, generation: tip.gen, radius: tip.r, anastomosis: true });
    const r = Math.min(tip.r, Math.max(minR, targetR));
    let pos = tip.pos, dir = tip.dir;
    for (let it = 0; it < 200; it++) {
      const to: Vec3 = [target[0] - pos[0], target[1] - pos[1], target[2] - pos[2]];
      const dist = norm(to);
      const step = Math.min(3, Math.max(0.7, 0.8 * r));
      if (dist <= step * 1.5) { segments.push({ a: pos, b: target, ra: r, rb: r, generation: tip.gen, branch: id }); break; }
      const n = randomDirection(rng, dims);
      dir = normalize(add(add([dir[0] * 0.55, dir[1] * 0.55, dir[2] * 0.55], to, 0.45 / dist), n, 2 * tort));
      const next = add(pos, dir, step);
      segments.push({ a: pos, b: next, ra: r, rb: r, generation: tip.gen, branch: id });
      pos = next;
    }
  }
  return { segments, branches };
}

function treeSample(dims: 2 | 3, shape: Shape3, opts: VesselTreeOptions, rand: Rand): TubeSample {
  const spacing = opts.spacing ?? [1, 1, 1];
  const { segments, branches } = growTree(dims, shape, opts, rand);
  const g: TubeGrid = makeGrid(shape, spacing, opts.withCentre ?? false);
  drawSegments(g, segments);
  return { shape, spacing, label: g.label, occupancy: g.occupancy, centre: g.centre, radius: g.radius, segments, branches };
}

/** A 3D branching vessel tree rasterised on a z × y × x grid. */
export function vesselTree3d(shape: Shape3, opts: VesselTreeOptions, rand: Rand): TubeSample {
  return treeSample(3, shape, opts, rand);
}

/** A 2D vessel tree on a 1 × H × W grid (shape may also be [H, W]). */
export function vesselTree2d(shape: Shape3 | readonly [number, number], opts: VesselTreeOptions, rand: Rand): TubeSample {
  const s: Shape3 = shape.length === 2 ? [1, shape[0], shape[1]] : shape;
  return treeSample(2, s, opts, rand);
}
