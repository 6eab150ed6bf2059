// Simulated brush strokes, as a person paints in a slice viewer: a disk brush (radius 2–3, smaller
// where the structure is too thin for it) dragged along a short wandering path that stays inside
// one class, a few strokes per class. Never whole slices, and never across a class boundary
// (a careful painter), so every painted voxel carries its true class.
import type { Axis } from './types.ts';
import { forEachInPlane, planeSize } from './planes.ts';

type Shape3 = readonly [number, number, number];

export interface StrokeOptions {
  strokesPerClass: number;
  /** brush radii to pick from, in pixels */
  radii: readonly number[];
  /** path length in steps of 1.5 pixels, [min, max] */
  steps: readonly [number, number];
}

export const DEFAULT_STROKES: StrokeOptions = { strokesPerClass: 3, radii: [2, 3], steps: [10, 30] };

/** Paints strokes of every class in `classes` on plane `index` along `axis`; returns voxels painted per class. */
export function paintStrokes(truth: Uint8Array, sparse: Uint8Array, shape: Shape3, axis: Axis, index: number, classes: readonly number[],
  rand: () => number, options: StrokeOptions = DEFAULT_STROKES): Record<number, number> {
  const [rows, cols] = planeSize(shape, axis);
  const cls = new Uint8Array(rows * cols), voxel = new Int32Array(rows * cols);
  forEachInPlane(shape, axis, index, (i, u, v) => { cls[u * cols + v] = truth[i]!; voxel[u * cols + v] = i; });
  const painted: Record<number, number> = {};
  for (const c of classes) {
    const members: number[] = [];
    for (let p = 0; p < cls.length; p++) if (cls[p] === c) members.push(p);
    painted[c] = 0;
    if (!members.length) continue;
    const fits = (u: number, v: number, r: number) => {
      for (let du = -r; du <= r; du++) for (let dv = -r; dv <= r; dv++) {
        if (du * du + dv * dv > r * r) continue;
        const uu = u + du, vv = v + dv;
        if (uu < 0 || vv < 0 || uu >= rows || vv >= cols || cls[uu * cols + vv] !== c) return false;
      }
      return true;
    };
    const dab = (u: number, v: number, r: number) => {
      for (let du = -r; du <= r; du++) for (let dv = -r; dv <= r; dv++) {
        if (du * du + dv * dv > r * r) continue;
        const i = voxel[(u + du) * cols + v + dv]!;
        if (sparse[i] !== c) { sparse[i] = c; painted[c]!++; }
      }
    };
    for (let s = 0; s < options.strokesPerClass; s++) {
      const seed = findSeed(members, cols, options.radii[Math.floor(rand() * options.radii.length)]!, fits, rand);
      if (!seed) continue;
      let { u, v } = seed;
      const r = seed.r;
      dab(u, v, r);
      let angle = rand() * 2 * Math.PI, pu = u, pv = v;
      const length = options.steps[0] + Math.floor(rand() * (options.steps[1] - options.steps[0] + 1));
      for (let step = 0; step < length; step++) {
        let moved = false;
        for (let attempt = 0; attempt < 8 && !moved; attempt++) {
          const a = angle + (attempt === 0 ? (rand() - 0.5) * 0.8 : (rand() - 0.5) * 2 * Math.PI);
          const nu = pu + 1.5 * Math.cos(a), nv = pv + 1.5 * Math.sin(a);
          if (fits(Math.round(nu), Math.round(nv), r)) { pu = nu; pv = nv; angle = a; moved = true; }
        }
        if (!moved) break;
        u = Math.round(pu); v = Math.round(pv);
        dab(u, v, r);
      }
    }
  }
  return painted;
}

/** A random pixel of the class where the brush fits, shrinking the brush where the class is thinner. */
function findSeed(members: number[], cols: number, radius: number, fits: (u: number, v: number, r: number) => boolean, rand: () => number) {
  for (let r = radius; r >= 0; r--) {
    for (let attempt = 0; attempt < 300; attempt++) {
      const p = members[Math.floor(rand() * members.length)]!;
      const u = Math.floor(p / cols), v = p % cols;
      if (fits(u, v, r)) return { u, v, r };
    }
  }
  return undefined;
}
