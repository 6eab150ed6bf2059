// Block-wise prediction without the file format: sets of blocks predicted in any order into a
// chunk store in memory assemble into exactly the one-pass result; finished blocks are skipped.
import { describe, expect, it } from 'vitest';
import { makeVolume, type TypedArray } from '../../src-shared/volume.ts';
import { slidingWindowPredict } from '../../src-shared/infer/sliding-window.ts';
import { memorySource } from '../../src-shared/infer/source.ts';
import { probabilitiesToLabels } from '../../src-shared/infer/postprocess/threshold.ts';
import { blockPlaneFor, blocksOfSet, parseBlockSet, partsOf, planBlocks, blockBox } from '../../src-shared/infer/blocks/block-plan.ts';
import { predictBlocks, type BlockJob, type ChunkTarget } from '../../src-shared/infer/blocks/block-job.ts';
import type { Vec3 } from '../../src-shared/infer/window-part.ts';
import { blobVolume, convNetModel } from './helpers.ts';

/** Chunks kept in a map, assembled back into a z, y, x, c volume. */
function memoryChunks(shape: Vec3, chunks: Vec3, channels: number): ChunkTarget & { writes: Map<string, number>; assemble(): Float64Array } {
  const store = new Map<string, TypedArray>();
  const writes = new Map<string, number>();
  return {
    writes,
    writeChunk(level, idx, data) {
      expect(level).toBe(0);
      const key = idx.join('.');
      store.set(key, data.slice());
      writes.set(key, (writes.get(key) ?? 0) + 1);
    },
    assemble() {
      const [D, H, W] = shape;
      const out = new Float64Array(D * H * W * channels).fill(NaN);
      for (const [key, data] of store) {
        const [iz, iy, ix] = key.split('.').map(Number) as Vec3;
        const z0 = iz * chunks[0], y0 = iy * chunks[1], x0 = ix * chunks[2];
        const z1 = Math.min(D, z0 + chunks[0]), y1 = Math.min(H, y0 + chunks[1]), x1 = Math.min(W, x0 + chunks[2]);
        let at = 0;
        for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < channels; c++) out[((z * H + y) * W + x) * channels + c] = data[at++]!;
        expect(at).toBe(data.length);
      }
      return out;
    },
  };
}

function memoryMarkers(): BlockJob['markers'] & { marked: number[] } {
  const marked: number[] = [];
  return { marked, has: (b) => marked.includes(b), mark: (b) => { marked.push(b); } };
}

describe('block plan', () => {
  it('blocks of whole chunks, columns first, z fastest; sets partition the blocks; columns merge into parts', () => {
    const plan = planBlocks([20, 50, 40], [4, 16, 16], { maxPlane: 32 * 32 });
    expect(plan.block).toEqual([4, 32, 32]);
    expect(plan.counts).toEqual([5, 2, 2]);
    expect(blockBox(plan, 0)).toEqual({ start: [0, 0, 0], end: [4, 32, 32] });
    expect(blockBox(plan, 4)).toEqual({ start: [16, 0, 0], end: [20, 32, 32] });
    expect(blockBox(plan, 5)).toEqual({ start: [0, 0, 32], end: [4, 32, 40] });
    const all = [1, 2, 3].flatMap((k) => blocksOfSet(plan, k, 3));
    expect(all).toEqual(Array.from({ length: plan.count }, (_, i) => i));
    const parts = partsOf(plan, [3, 4, 5, 6, 9]);
    expect(parts.map((p) => p.blocks)).toEqual([[3, 4], [5, 6], [9]]);
    expect(parts[0]!.box).toEqual({ start: [12, 0, 0], end: [20, 32, 32] });
    expect(planBlocks([20, 50, 40], [4, 16, 16]).block).toEqual([4, 50, 40]); // small planes: whole
    expect(parseBlockSet('2/4')).toEqual({ k: 2, n: 4 });
    // columns many patches wide, planes bounded by what a patch-deep band of them costs
    expect(blockPlaneFor([64, 64, 64])).toBe(1024 ** 2);
    expect(blockPlaneFor([16, 128, 128])).toBe(2048 ** 2);
    expect(blockPlaneFor([1, 256, 256])).toBe(4096 ** 2);
    expect(blockPlaneFor([128, 128, 128])).toBeLessThan(1024 ** 2);
    for (const bad of ['4/3', '0/2', '1', 'a/b', '2/0']) expect(() => parseBlockSet(bad)).toThrow(/K\/N/);
  });
});

describe('block-wise prediction', () => {
  const shape: Vec3 = [19, 37, 29];
  const vol = makeVolume([...shape, 1], 'float32', blobVolume(...shape, 5));
  const model = convNetModel({ layers: 3, outC: 1 });
  const window = { patch: [8, 16, 16], overlap: 0.3 };
  const chunks: Vec3 = [4, 16, 16];

  it('any order of block sets assembles into the one-pass probabilities and labels, bit for bit; every chunk written once', async () => {
    const whole = await slidingWindowPredict(model, vol, window);
    const stats = whole.run.stats;
    const plan = planBlocks(shape, chunks, { maxPlane: 16 * 32 });
    expect(plan.count).toBeGreaterThan(4);
    for (const output of ['probabilities', 'labels'] as const) {
      const target = memoryChunks(shape, chunks, 1);
      const markers = memoryMarkers();
      for (const k of [3, 1, 4, 2]) {
        await predictBlocks({ model, source: memorySource(vol), plan, blocks: blocksOfSet(plan, k, 4), target, markers, output, window: { ...window, normalize: stats } });
      }
      const expected = output === 'labels' ? probabilitiesToLabels(whole.data, 1) : whole.data;
      const got = target.assemble();
      let differing = 0;
      for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) differing++;
      expect(differing).toBe(0);
      expect([...target.writes.values()].every((n) => n === 1)).toBe(true);
      expect(markers.marked.sort((a, b) => a - b)).toEqual(Array.from({ length: plan.count }, (_, i) => i));
    }
  });

  it('finished blocks are skipped: a rerun writes nothing; a half-done set finishes only the rest', async () => {
    const plan = planBlocks(shape, chunks);
    const target = memoryChunks(shape, chunks, 1);
    const markers = memoryMarkers();
    markers.mark(1, { seconds: 0 });
    const first = await predictBlocks({ model, source: memorySource(vol), plan, blocks: blocksOfSet(plan, 1, 1), target, markers, output: 'labels', window });
    expect(first.skipped).toEqual([1]);
    expect(first.predicted).toEqual([0, 2, 3, 4]);
    const writes = target.writes.size;
    const again = await predictBlocks({ model, source: memorySource(vol), plan, blocks: blocksOfSet(plan, 1, 1), target, markers, output: 'labels', window });
    expect(again.predicted).toEqual([]);
    expect(target.writes.size).toBe(writes);
    expect([...target.writes.values()].every((n) => n === 1)).toBe(true);
  });
});
