import { describe, it, expect } from 'vitest';
import { SparseLabelVolume, paintDisk, paintStroke, CHUNK } from '../../src-shared/labels/index.ts';
import { rng, idx, expectSameBytes } from './helpers.ts';

describe('SparseLabelVolume', () => {
  it('reads 0 everywhere and allocates nothing until a non-zero voxel is written', () => {
    const v = new SparseLabelVolume([100, 70, 130]);
    expect(v.get(99, 69, 129)).toBe(0);
    v.set(5, 5, 5, 0);
    expect(v.allocatedChunkCount).toBe(0);
    v.set(5, 5, 5, 3);
    expect(v.allocatedChunkCount).toBe(1);
    expect(v.get(5, 5, 5)).toBe(3);
    v.set(5, 5, 5, 0);
    expect(v.allocatedChunkCount).toBe(0); // freed once empty again
  });

  it('sizes edge chunks to the volume, so thin volumes stay cheap', () => {
    const v = new SparseLabelVolume([1, 300, 300]);
    v.set(0, 299, 299, 2);
    expect(v.allocatedBytes).toBe(1 * (300 - 4 * CHUNK) * (300 - 4 * CHUNK));
  });

  it('agrees with a dense array for random writes, slices, boxes and planes', () => {
    const shape: [number, number, number] = [70, 90, 133];
    const v = new SparseLabelVolume(shape);
    const dense = new Uint8Array(shape[0] * shape[1] * shape[2]);
    const r = rng(1);
    for (let i = 0; i < 5000; i++) {
      const z = Math.floor(r() * shape[0]), y = Math.floor(r() * shape[1]), x = Math.floor(r() * shape[2]);
      const val = Math.floor(r() * 5);
      v.set(z, y, x, val);
      dense[idx(shape, z, y, x)] = val;
    }
    expectSameBytes(v.toDense(), dense);
    for (const z of [0, 37, 69]) expectSameBytes(v.readSlice(z), dense.subarray(z * 90 * 133, (z + 1) * 90 * 133));
    const box = v.readBox([10, 60, 60], [70, 70, 131]);
    const wantBox: number[] = [];
    for (let z = 10; z < 70; z++) for (let y = 60; y < 70; y++) for (let x = 60; x < 131; x++) wantBox.push(dense[idx(shape, z, y, x)]!);
    expectSameBytes(box, Uint8Array.from(wantBox));
    const wantY: number[] = [], wantX: number[] = [];
    for (let z = 0; z < 70; z++) {
      for (let x = 0; x < 133; x++) wantY.push(dense[idx(shape, z, 64, x)]!);
      for (let y = 0; y < 90; y++) wantX.push(dense[idx(shape, z, y, 127)]!);
    }
    expectSameBytes(v.readPlane('y', 64), Uint8Array.from(wantY));
    expectSameBytes(v.readPlane('x', 127), Uint8Array.from(wantX));
    const counts = new Map<number, number>();
    for (const d of dense) if (d) counts.set(d, (counts.get(d) ?? 0) + 1);
    expect(v.countByClass()).toEqual(counts);
    expect(v.labeledVoxelCount()).toBe([...counts.values()].reduce((a, b) => a + b, 0));
    const back = SparseLabelVolume.fromDense(shape, dense);
    expectSameBytes(back.toDense(), dense);
    expect(back.allocatedChunkCount).toBe(v.allocatedChunkCount);
    const ids = [...v.chunks()].map((c) => c.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('a brush stroke on a 512³ volume allocates only the chunks it touches', () => {
    const shape: [number, number, number] = [512, 512, 512];
    const heapBefore = process.memoryUsage().arrayBuffers;
    const v = new SparseLabelVolume(shape);
    // A stroke across a chunk boundary in x on slice 200: touches 2 chunks of 8³ = 512 in the grid.
    v.applyDelta(paintStroke(v, { axis: 'z', index: 200, radius: 6, value: 2, points: [[100, 40], [100, 90]] }));
    v.applyDelta(paintDisk(v, { axis: 'z', index: 201, center: [100, 50], radius: 3, value: 1 }));
    expect(v.grid.chunkCount).toBe(512);
    expect(v.allocatedChunkCount).toBe(2);
    expect(v.allocatedBytes).toBe(2 * CHUNK ** 3);
    const grown = process.memoryUsage().arrayBuffers - heapBefore;
    // dense would be 128 MiB; allow generous slack for unrelated buffers
    expect(grown).toBeLessThan(8 * 1024 * 1024);
    console.log(`512³ labels after one stroke: ${v.allocatedChunkCount}/${v.grid.chunkCount} chunks, ${v.allocatedBytes} bytes of chunk data (dense: ${512 ** 3}); arrayBuffers grew ${(grown / 1024).toFixed(0)} KiB`);
  });

  it('rejects out-of-range voxels and label values', () => {
    const v = new SparseLabelVolume([4, 4, 4]);
    expect(() => v.set(4, 0, 0, 1)).toThrow(RangeError);
    expect(() => v.set(0, 0, 0, 256)).toThrow(RangeError);
    expect(() => v.get(-1, 0, 0)).toThrow(RangeError);
    expect(() => new SparseLabelVolume([0, 4, 4])).toThrow(RangeError);
  });
});
