// Features of the training voxels only, in bounded memory. The volume is cut into cells; in each
// cell holding selected voxels, the voxels are grouped into boxes (their bounding box, split at
// wide empty gaps when that saves work), each box's extents rounded up to powers of two so that few
// distinct shapes, hence few ONNX sessions, occur. The feature graph runs on a box plus
// `featureHalo` voxels of context and the selected voxels' rows are gathered. Labels on a z-slice
// give 1-voxel-deep boxes, on an x-plane 1-voxel-wide ones, strokes small boxes, dense labels whole
// cells. Context beyond the volume is filled by repeating the border voxels here, in the input,
// which is exactly what the prediction graph's edge padding does, so training features equal the
// features the classifier later sees at the same voxels.
import type { SessionFactory } from '../nn/session.ts';
import { serializeGraph } from '../nn/onnx-io.ts';
import { Graph } from '../nn/graph.ts';
import { sessionRunner } from '../infer/patch-model.ts';
import { appendFeatures, featureCount, featureHalo, featureInputChannels, type FeatureSpec } from './features.ts';
import { fillCoordinates } from '../infer/coordinates.ts';

export interface PlanarImage {
  /** z, y, x */
  shape: [number, number, number];
  channels: number;
  /** planar: channel c at [c·D·H·W, (c+1)·D·H·W) */
  image: Float32Array;
}

/** Output extent of the cells (z, y, x); a box never exceeds its cell. */
export const CELL_3D = [16, 128, 128];
export const CELL_2D = [1, 512, 512];

interface Box { start: number[]; extent: number[]; members: number[] }

const pow2ceil = (n: number) => 2 ** Math.ceil(Math.log2(n));

/** Work of one feature run on a box: its input with halo (the first filter stage) plus its output (the rest). */
function boxCost(extent: readonly number[], halo: readonly number[]): number {
  return extent.reduce((p, e, a) => p * (e + 2 * halo[a]!), 1) + 4 * extent.reduce((p, e) => p * e, 1);
}

/**
 * Splits a group of voxels (coordinates `c[p] = [z, y, x]`) at the widest empty gap along some
 * axis while that lowers the total work: two x-planes far apart become two thin boxes, two close
 * ones stay one (their halos would overlap).
 */
function splitGroups(c: readonly (readonly number[])[], members: number[], halo: readonly number[]): number[][] {
  const bounds = (ps: number[]) => {
    const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
    for (const p of ps) for (let a = 0; a < 3; a++) { lo[a] = Math.min(lo[a]!, c[p]![a]!); hi[a] = Math.max(hi[a]!, c[p]![a]!); }
    return lo.map((l, a) => hi[a]! - l + 1);
  };
  const whole = boxCost(bounds(members), halo);
  let best: { cost: number; axis: number; at: number } | undefined;
  for (let a = 0; a < 3; a++) {
    const values = [...new Set(members.map((p) => c[p]![a]!))].sort((u, v) => u - v);
    let gap = 0, at = -1;
    for (let i = 1; i < values.length; i++) if (values[i]! - values[i - 1]! > gap) { gap = values[i]! - values[i - 1]!; at = values[i - 1]!; }
    if (gap < 2) continue;
    const cost = boxCost(bounds(members.filter((p) => c[p]![a]! <= at)), halo) + boxCost(bounds(members.filter((p) => c[p]![a]! > at)), halo);
    if (cost < 0.9 * whole && (!best || cost < best.cost)) best = { cost, axis: a, at };
  }
  if (!best) return [members];
  const { axis, at } = best;
  return [...splitGroups(c, members.filter((p) => c[p]![axis]! <= at), halo), ...splitGroups(c, members.filter((p) => c[p]![axis]! > at), halo)];
}

/** The boxes covering `voxels` (ascending indices): per occupied cell, one box or a few (splitGroups). */
export function planBoxes(shape: readonly number[], voxels: Int32Array, cell: readonly number[], halo: readonly number[] = [0, 0, 0]): Box[] {
  const [D, H, W] = shape as [number, number, number];
  const dims = [D, H, W];
  const ny = Math.ceil(H / cell[1]!), nx = Math.ceil(W / cell[2]!);
  const coords = Array.from(voxels, (v) => [Math.floor(v / (H * W)), Math.floor(v / W) % H, v % W]);
  const byCell = new Map<number, number[]>();
  coords.forEach(([z, y, x], p) => {
    const id = (Math.floor(z! / cell[0]!) * ny + Math.floor(y! / cell[1]!)) * nx + Math.floor(x! / cell[2]!);
    let list = byCell.get(id);
    if (!list) byCell.set(id, (list = []));
    list.push(p);
  });
  const boxes: Box[] = [];
  for (const cellMembers of byCell.values()) {
    for (const members of splitGroups(coords, cellMembers, halo)) {
      const lo = [Infinity, Infinity, Infinity], hi = [-1, -1, -1];
      for (const p of members) for (let a = 0; a < 3; a++) { lo[a] = Math.min(lo[a]!, coords[p]![a]!); hi[a] = Math.max(hi[a]!, coords[p]![a]!); }
      // extents rounded up to powers of two, so that few distinct shapes (ONNX sessions) occur
      const extent = lo.map((l, a) => Math.min(pow2ceil(hi[a]! - l + 1), cell[a]!, dims[a]!));
      const start = lo.map((l, a) => Math.max(0, Math.min(l, dims[a]! - extent[a]!)));
      boxes.push({ start, extent, members });
    }
  }
  return boxes;
}

/** The window at `start` (may lie partly outside) of extents `size`, border voxels repeated outside the volume: planar [C][z][y][x] into `dst`. */
export function gatherWindow(v: PlanarImage, start: number[], size: number[], dst: Float32Array): void {
  const [D, H, W] = v.shape;
  const [sz, sy, sx] = start as [number, number, number];
  const [nz, ny, nx] = size as [number, number, number];
  const clamp = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
  const x0 = Math.max(0, -sx), x1 = Math.min(nx, W - sx); // the part of a row inside the volume
  let o = 0;
  for (let c = 0; c < v.channels; c++) {
    const base = c * D * H * W;
    for (let z = 0; z < nz; z++) {
      const zo = base + clamp(sz + z, D) * H * W;
      for (let y = 0; y < ny; y++) {
        const row = zo + clamp(sy + y, H) * W;
        if (x1 > x0) dst.set(v.image.subarray(row + sx + x0, row + sx + x1), o + x0);
        if (x0 > 0) dst.fill(v.image[row]!, o, o + x0);
        if (x1 < nx) dst.fill(v.image[row + W - 1]!, o + Math.max(x0, x1), o + nx);
        o += nx;
      }
    }
  }
}

/** The feature graph's input for a window: the image (gatherWindow), then the voxels' positions where the spec wants them. */
export function gatherInput(v: PlanarImage, spec: FeatureSpec, start: number[], size: number[], dst: Float32Array): void {
  gatherWindow(v, start, size, dst);
  if (spec.coordinates) fillCoordinates(dst, v.channels * size.reduce((a, b) => a * b, 1), start, size, v.shape);
}

/**
 * Writes the feature rows of `voxels` (ascending indices into `v`) into X at rows
 * [rowOffset, rowOffset + voxels.length), featureCount(spec) floats per row.
 */
export async function sampleFeatures(factory: SessionFactory, spec: FeatureSpec, v: PlanarImage, voxels: Int32Array,
  X: Float32Array, rowOffset: number, onBox?: (done: number, total: number) => void): Promise<{ boxes: number; sessions: number; voxels: number }> {
  const F = featureCount(spec);
  const halo = featureHalo(spec);
  const cell = spec.dims === 3 ? CELL_3D : CELL_2D;
  const boxes = planBoxes(v.shape, voxels, cell, halo);
  const groups = new Map<string, Box[]>();
  for (const b of boxes) {
    const key = b.extent.join('x');
    groups.set(key, [...(groups.get(key) ?? []), b]);
  }
  let done = 0, computed = 0;
  const [, H, W] = v.shape;
  for (const group of groups.values()) {
    const extent = group[0]!.extent;
    const size = extent.map((e, a) => e + 2 * halo[a]!);
    const axes = spec.dims === 3 ? [0, 1, 2] : [1, 2];
    const inputShape = [1, featureInputChannels(spec), ...axes.map((a) => size[a]!)];
    const g = new Graph();
    const ctx = axes.map((a) => halo[a]!);
    g.output(appendFeatures(g, g.input('image', inputShape), spec, { before: ctx, after: ctx }));
    const runner = await sessionRunner(factory, serializeGraph(g), inputShape);
    try {
      const input = new Float32Array(inputShape.reduce((a, b) => a * b, 1));
      const S = extent[0]! * extent[1]! * extent[2]!;
      for (const box of group) {
        gatherInput(v, spec, box.start.map((s, a) => s - halo[a]!), size, input);
        const out = await runner.run(input);
        for (const p of box.members) {
          const vox = voxels[p]!;
          const z = Math.floor(vox / (H * W)) - box.start[0]!, y = (Math.floor(vox / W) % H) - box.start[1]!, x = (vox % W) - box.start[2]!;
          const local = (z * extent[1]! + y) * extent[2]! + x;
          const row = (rowOffset + p) * F;
          for (let f = 0; f < F; f++) X[row + f] = out[f * S + local]!;
        }
        computed += S;
        onBox?.(++done, boxes.length);
      }
    } finally {
      await runner.release();
    }
  }
  return { boxes: boxes.length, sessions: groups.size, voxels: computed };
}
