// How a block-wise prediction divides its output: blocks of whole output chunks, numbered so that
// the blocks of one column (same y, x extent) follow each other in z. Block set K of N is a
// contiguous range of those numbers, so a task's blocks are mostly whole columns, which it
// predicts as one part (window-part.ts): patches on the border between two blocks of the same task
// run once, not twice. Blocks span the whole y-x plane where it is at most `maxPlane` voxels
// (every slab of the plane then costs about the same), else squares of whole chunks.
import { LumenError } from '../../errors.ts';
import type { Vec3, WindowPart } from '../window-part.ts';

export interface BlockPlan {
  /** output shape z, y, x */
  shape: Vec3;
  /** output chunk shape z, y, x */
  chunks: Vec3;
  /** block extent z, y, x (whole chunks; the last block of an axis may be shorter) */
  block: Vec3;
  /** blocks along z, y, x */
  counts: Vec3;
  count: number;
}

/** Default: blocks one chunk deep, the whole plane when it has at most 1024² voxels. */
export const DEFAULT_MAX_PLANE = 1024 * 1024;

/**
 * The largest block plane for a window of `patch` (z, y, x). Patches straddling a column's side run
 * in both columns, so columns should be many patches wide (16 keeps that cost near 6% per axis);
 * but a part holds patch-depth slices of its plane in float32 (input and output), so the plane
 * is bounded to keep that near 1 GB.
 */
export function blockPlaneFor(patch: readonly number[] | undefined): number {
  const [pd, py, px] = [patch?.[0] ?? 64, patch?.[1] ?? 64, patch?.[2] ?? 64];
  const memorySide = Math.sqrt(2 ** 30 / (16 * pd));
  const side = Math.max(512, Math.min(Math.max(1024, 16 * Math.max(py, px)), memorySide));
  return Math.floor(side) ** 2;
}

export function planBlocks(shape: Vec3, chunks: Vec3, opts: { depthChunks?: number; maxPlane?: number } = {}): BlockPlan {
  const maxPlane = opts.maxPlane ?? DEFAULT_MAX_PLANE;
  const side = (n: number, c: number) => Math.min(n, Math.max(c, Math.floor(Math.sqrt(maxPlane) / c) * c));
  const wholePlane = shape[1] * shape[2] <= maxPlane;
  const block: Vec3 = [
    Math.min(shape[0], chunks[0] * Math.max(1, opts.depthChunks ?? 1)),
    wholePlane ? shape[1] : side(shape[1], chunks[1]),
    wholePlane ? shape[2] : side(shape[2], chunks[2]),
  ];
  const counts = shape.map((n, i) => Math.ceil(n / block[i]!)) as Vec3;
  return { shape, chunks, block, counts, count: counts[0] * counts[1] * counts[2] };
}

/** Block i's position in the block grid: columns (y, x) in raster order, z fastest within one. */
export function blockCoords(plan: BlockPlan, i: number): Vec3 {
  const [gz, , gx] = plan.counts;
  const bz = i % gz, column = Math.floor(i / gz);
  return [bz, Math.floor(column / gx), column % gx];
}

export function blockBox(plan: BlockPlan, i: number): WindowPart {
  const b = blockCoords(plan, i);
  const start = b.map((v, a) => v * plan.block[a]!) as Vec3;
  const end = start.map((s, a) => Math.min(plan.shape[a]!, s + plan.block[a]!)) as Vec3;
  return { start, end };
}

/** Parses "K/N" (1 ≤ K ≤ N), as the flag --blocks takes it. */
export function parseBlockSet(text: string): { k: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const k = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || !(n >= 1 && k >= 1 && k <= n)) {
    throw new LumenError('bad-input', `--blocks wants K/N with 1 ≤ K ≤ N (block set K of N), or init or finish; not ${text}`);
  }
  return { k, n };
}

/** The blocks of set K of N: a contiguous range, sets differing in size by at most one block. */
export function blocksOfSet(plan: BlockPlan, k: number, n: number): number[] {
  const from = Math.floor(((k - 1) * plan.count) / n), to = Math.floor((k * plan.count) / n);
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Blocks grouped into parts: consecutive blocks of one column become one box. */
export function partsOf(plan: BlockPlan, blocks: readonly number[]): { box: WindowPart; blocks: number[] }[] {
  const parts: { box: WindowPart; blocks: number[] }[] = [];
  for (const i of blocks) {
    const last = parts[parts.length - 1];
    const prev = last?.blocks[last.blocks.length - 1];
    const box = blockBox(plan, i);
    const sameColumn = prev !== undefined && i === prev + 1 && blockCoords(plan, i)[0] === blockCoords(plan, prev)[0] + 1;
    if (last && sameColumn) { last.box = { start: last.box.start, end: box.end }; last.blocks.push(i); }
    else parts.push({ box, blocks: [i] });
  }
  return parts;
}
