import { describe, it, expect } from 'vitest';
import {
  SparseLabelVolume, EditHistory, paintDisk, eraseDisk, paintStroke, paintBall, eraseBall, floodFill,
  fillSlice, copySlice, copySliceToNeighbour, importMask, mergeDeltas, deltaVoxelCount, type LabelDelta,
} from '../../src-shared/labels/index.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { scribbled, idx, expectSameBytes, diffPositions, rng } from './helpers.ts';

const SHAPE: [number, number, number] = [40, 70, 90]; // crosses chunk borders in y and x

/**
 * Apply `delta` through an EditHistory and check: it changes exactly the voxels where
 * `expected` differs from the start, undo restores the start byte for byte, redo gives
 * `expected` again.
 */
function checkEdit(vol: SparseLabelVolume, delta: LabelDelta, expected: Uint8Array): void {
  const start = vol.toDense();
  const changed = diffPositions(start, expected);
  expect(deltaVoxelCount(delta)).toBe(changed.length);
  const h = new EditHistory(vol);
  h.apply(delta);
  expectSameBytes(vol.toDense(), expected);
  h.undo();
  expectSameBytes(vol.toDense(), start);
  h.redo();
  expectSameBytes(vol.toDense(), expected);
}

describe('edit operations', () => {
  it('paintDisk paints a disk on a plane along each axis; eraseDisk writes 0', () => {
    for (const axis of ['z', 'y', 'x'] as const) {
      const vol = scribbled(SHAPE, 2);
      const index = 20, cu = 30.3, cv = 33.8, r = 7;
      const want = vol.toDense();
      for (let z = 0; z < SHAPE[0]; z++) for (let y = 0; y < SHAPE[1]; y++) for (let x = 0; x < SHAPE[2]; x++) {
        const [p, u, v] = axis === 'z' ? [z, y, x] : axis === 'y' ? [y, z, x] : [x, z, y];
        if (p === index && ((u - cu) ** 2 + (v - cv) ** 2 <= r * r)) want[idx(SHAPE, z, y, x)] = 3;
      }
      checkEdit(vol, paintDisk(vol, { axis, index, center: [cu, cv], radius: r, value: 3 }), want);
      const eraseWant = vol.toDense();
      for (let z = 0; z < SHAPE[0]; z++) for (let y = 0; y < SHAPE[1]; y++) for (let x = 0; x < SHAPE[2]; x++) {
        const [p, u, v] = axis === 'z' ? [z, y, x] : axis === 'y' ? [y, z, x] : [x, z, y];
        if (p === index && ((u - cu) ** 2 + (v - cv) ** 2 <= 9)) eraseWant[idx(SHAPE, z, y, x)] = 0;
      }
      checkEdit(vol, eraseDisk(vol, { axis, index, center: [cu, cv], radius: 3 }), eraseWant);
    }
  });

  it('radius 0 paints the voxel under the pointer; disks are clipped at the edges', () => {
    const vol = new SparseLabelVolume(SHAPE);
    const d = paintDisk(vol, { axis: 'z', index: 0, center: [0.2, 89.4], radius: 0, value: 2 });
    expect(deltaVoxelCount(d)).toBe(1);
    vol.applyDelta(d);
    expect(vol.get(0, 0, 89)).toBe(2);
    const corner = paintDisk(vol, { axis: 'x', index: 0, center: [0, 0], radius: 5, value: 2 });
    expect(deltaVoxelCount(corner)).toBeGreaterThan(0);
  });

  it('paintStroke covers the path without gaps and is one undo step', () => {
    const vol = new SparseLabelVolume(SHAPE);
    const d = paintStroke(vol, { axis: 'z', index: 5, radius: 2, value: 2, points: [[10, 5], [10, 80], [60, 80]] });
    const h = new EditHistory(vol);
    h.apply(d);
    for (let x = 5; x <= 80; x++) expect(vol.get(5, 10, x)).toBe(2);
    for (let y = 10; y <= 60; y++) expect(vol.get(5, y, 80)).toBe(2);
    expect(vol.get(5, 14, 40)).toBe(0);
    h.undo();
    expect(vol.labeledVoxelCount()).toBe(0);
    expect(h.canUndo).toBe(false);
  });

  it('paintBall / eraseBall paint a 3D ball', () => {
    const vol = scribbled(SHAPE, 3);
    const c = [20, 60, 62], r = 6.5;
    const want = vol.toDense();
    for (let z = 0; z < SHAPE[0]; z++) for (let y = 0; y < SHAPE[1]; y++) for (let x = 0; x < SHAPE[2]; x++) {
      if ((z - c[0]!) ** 2 + (y - c[1]!) ** 2 + (x - c[2]!) ** 2 <= r * r) want[idx(SHAPE, z, y, x)] = 4;
    }
    checkEdit(vol, paintBall(vol, { center: [20, 60, 62], radius: r, value: 4 }), want);
    const erase = vol.toDense();
    for (let z = 0; z < SHAPE[0]; z++) for (let y = 0; y < SHAPE[1]; y++) for (let x = 0; x < SHAPE[2]; x++) {
      if ((z - 20) ** 2 + (y - 60) ** 2 + (x - 62) ** 2 <= 4) erase[idx(SHAPE, z, y, x)] = 0;
    }
    checkEdit(vol, eraseBall(vol, { center: [20, 60, 62], radius: 2 }), erase);
  });

  // Image: a bright box [10,30)×[20,60)×[30,80) with a one-voxel dark wall at x = 55 except
  // for a hole at (z=15, y=25); plus a separate bright blob that must not be reached.
  function image(): Float32Array {
    const img = new Float32Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
    for (let z = 10; z < 30; z++) for (let y = 20; y < 60; y++) for (let x = 30; x < 80; x++) {
      img[idx(SHAPE, z, y, x)] = x === 55 && !(z === 15 && y === 25) ? 0 : 100;
    }
    for (let z = 0; z < 5; z++) for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) img[idx(SHAPE, z, y, x)] = 100;
    return img;
  }

  it('floodFill in 3D fills the 6-connected in-range region, through the hole only', () => {
    const img = image();
    const vol = scribbled(SHAPE, 4);
    const want = vol.toDense();
    for (let z = 10; z < 30; z++) for (let y = 20; y < 60; y++) for (let x = 30; x < 80; x++) {
      if (img[idx(SHAPE, z, y, x)]! >= 50) want[idx(SHAPE, z, y, x)] = 5;
    }
    const d = floodFill(vol, { data: img, shape: SHAPE }, { seed: [12, 30, 40], min: 50, max: 200, value: 5 });
    checkEdit(vol, d, want);
  });

  it('floodFill on a plane is 4-connected and stays on that plane; accepts a Volume', () => {
    const img = image();
    const v = makeVolume([SHAPE[0], SHAPE[1], SHAPE[2], 1], 'float32', img);
    const vol = new SparseLabelVolume(SHAPE);
    const want = vol.toDense();
    // On slice z = 12 the wall at x = 55 has no hole: only x in [30, 55) fills.
    for (let y = 20; y < 60; y++) for (let x = 30; x < 55; x++) want[idx(SHAPE, 12, y, x)] = 2;
    checkEdit(vol, floodFill(vol, v, { seed: [12, 30, 40], min: 50, max: 200, value: 2, plane: 'z' }), want);
    // A diagonal-only connection must not be crossed in 4-connectivity.
    const diag = new Float32Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
    diag[idx(SHAPE, 0, 0, 0)] = 1; diag[idx(SHAPE, 0, 1, 1)] = 1;
    const empty = new SparseLabelVolume(SHAPE);
    expect(deltaVoxelCount(floodFill(empty, { data: diag, shape: SHAPE }, { seed: [0, 0, 0], min: 1, max: 1, value: 2, plane: 'z' }))).toBe(1);
  });

  it('floodFill respects onlyUnlabeled, out-of-range seeds, maxVoxels and shape checks', () => {
    const img = image();
    const vol = new SparseLabelVolume(SHAPE);
    vol.set(12, 30, 41, 1); // an existing label blocks the fill at that voxel only
    const d = floodFill(vol, { data: img, shape: SHAPE }, { seed: [12, 30, 40], min: 50, max: 200, value: 2, onlyUnlabeled: true });
    vol.applyDelta(d);
    expect(vol.get(12, 30, 41)).toBe(1);
    expect(vol.get(12, 30, 42)).toBe(2);
    expect(deltaVoxelCount(floodFill(vol, { data: img, shape: SHAPE }, { seed: [35, 65, 85], min: 50, max: 200, value: 2 }))).toBe(0);
    try {
      floodFill(new SparseLabelVolume(SHAPE), { data: img, shape: SHAPE }, { seed: [12, 30, 40], min: 50, max: 200, value: 2, maxVoxels: 100 });
      expect.unreachable();
    } catch (e) { expect(isLumenError(e, 'too-large')).toBe(true); }
    try {
      floodFill(vol, { data: new Float32Array(8), shape: [2, 2, 2] }, { seed: [0, 0, 0], min: 0, max: 1, value: 2 });
      expect.unreachable();
    } catch (e) { expect(isLumenError(e, 'shape-mismatch')).toBe(true); }
  });

  it('floodFill handles a region of a million voxels without recursion', () => {
    const shape: [number, number, number] = [100, 100, 100];
    const vol = new SparseLabelVolume(shape);
    const img = new Uint8Array(100 * 100 * 100).fill(7);
    const d = floodFill(vol, { data: img, shape }, { seed: [50, 50, 50], min: 7, max: 7, value: 1 });
    expect(deltaVoxelCount(d)).toBe(1_000_000);
  });

  it('fillSlice fills one plane (optionally only unlabeled voxels)', () => {
    for (const axis of ['z', 'y', 'x'] as const) {
      const vol = scribbled(SHAPE, 5, 3000);
      const want = vol.toDense();
      const wantKeep = vol.toDense();
      for (let z = 0; z < SHAPE[0]; z++) for (let y = 0; y < SHAPE[1]; y++) for (let x = 0; x < SHAPE[2]; x++) {
        const p = axis === 'z' ? z : axis === 'y' ? y : x;
        if (p !== 7) continue;
        want[idx(SHAPE, z, y, x)] = 1;
        if (wantKeep[idx(SHAPE, z, y, x)] === 0) wantKeep[idx(SHAPE, z, y, x)] = 1;
      }
      checkEdit(vol.clone(), fillSlice(vol, { axis, index: 7, value: 1 }), want);
      checkEdit(vol, fillSlice(vol, { axis, index: 7, value: 1, onlyUnlabeled: true }), wantKeep);
    }
  });

  it('copySlice replaces or merges the target plane; copySliceToNeighbour goes ±1', () => {
    for (const axis of ['z', 'y', 'x'] as const) {
      const vol = scribbled(SHAPE, 6, 20000);
      const dense = vol.toDense();
      const replace = vol.toDense();
      const merge = vol.toDense();
      for (let z = 0; z < SHAPE[0]; z++) for (let y = 0; y < SHAPE[1]; y++) for (let x = 0; x < SHAPE[2]; x++) {
        const p = axis === 'z' ? z : axis === 'y' ? y : x;
        if (p !== 9) continue;
        const src = axis === 'z' ? idx(SHAPE, 8, y, x) : axis === 'y' ? idx(SHAPE, z, 8, x) : idx(SHAPE, z, y, 8);
        replace[idx(SHAPE, z, y, x)] = dense[src]!;
        if (dense[src]) merge[idx(SHAPE, z, y, x)] = dense[src]!;
      }
      checkEdit(vol.clone(), copySlice(vol, { axis, from: 8, to: 9 }), replace);
      checkEdit(vol.clone(), copySliceToNeighbour(vol, axis, 8, 1, 'merge'), merge);
      const back = copySliceToNeighbour(vol, axis, 9, -1);
      expect(deltaVoxelCount(back)).toBeGreaterThan(0);
      expect(() => copySliceToNeighbour(vol, axis, 0, -1)).toThrow(RangeError);
    }
  });

  it('importMask maps mask > 0 to a class and 0 to keep / background / unlabeled', () => {
    const r = rng(7);
    const mask = new Uint16Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
    for (let i = 0; i < mask.length; i++) mask[i] = r() < 0.1 ? 1 + Math.floor(r() * 300) : 0;
    for (const zeroAs of ['keep', 'background', 'unlabeled'] as const) {
      const vol = scribbled(SHAPE, 8, 5000);
      const want = vol.toDense();
      for (let i = 0; i < mask.length; i++) {
        if (mask[i]! > 0) want[i] = 6;
        else if (zeroAs === 'background') want[i] = 1;
        else if (zeroAs === 'unlabeled') want[i] = 0;
      }
      checkEdit(vol, importMask(vol, { data: mask, shape: SHAPE }, { classValue: 6, zeroAs }), want);
    }
    const vol = new SparseLabelVolume(SHAPE);
    try {
      importMask(vol, { data: new Uint8Array(10), shape: [1, 2, 5] }, { classValue: 2 });
      expect.unreachable();
    } catch (e) { expect(isLumenError(e, 'shape-mismatch')).toBe(true); }
  });

  it('a sequence of random edits undoes to the start and redoes to the end exactly', () => {
    const vol = scribbled(SHAPE, 9);
    const img = image();
    const r = rng(10);
    const h = new EditHistory(vol);
    const states = [vol.toDense()];
    for (let i = 0; i < 40; i++) {
      const k = Math.floor(r() * 5);
      const axis = (['z', 'y', 'x'] as const)[Math.floor(r() * 3)]!;
      const value = Math.floor(r() * 5);
      const d =
        k === 0 ? paintDisk(vol, { axis, index: Math.floor(r() * 40), center: [r() * 40, r() * 70], radius: r() * 8, value }) :
        k === 1 ? paintBall(vol, { center: [r() * 40, r() * 70, r() * 90], radius: r() * 6, value }) :
        k === 2 ? fillSlice(vol, { axis, index: Math.floor(r() * 40), value }) :
        k === 3 ? copySlice(vol, { axis, from: Math.floor(r() * 39), to: Math.floor(r() * 39) + 1 }) :
        floodFill(vol, { data: img, shape: SHAPE }, { seed: [Math.floor(r() * 40), Math.floor(r() * 70), Math.floor(r() * 90)], min: 50, max: 200, value });
      if (h.apply(d)) states.push(vol.toDense());
    }
    for (let i = states.length - 2; i >= 0; i--) { h.undo(); expectSameBytes(vol.toDense(), states[i]!); }
    expect(h.undo()).toBeUndefined();
    for (let i = 1; i < states.length; i++) { h.redo(); expectSameBytes(vol.toDense(), states[i]!); }
    expect(h.redo()).toBeUndefined();
    // A new edit after undo drops the redo branch.
    h.undo();
    h.apply(paintDisk(vol, { axis: 'z', index: 0, center: [0, 0], radius: 3, value: 9 }));
    expect(h.canRedo).toBe(false);
  });

  it('mergeDeltas composes sequential edits into one', () => {
    const vol = scribbled(SHAPE, 11);
    const start = vol.toDense();
    const parts: LabelDelta[] = [];
    for (let i = 0; i < 6; i++) {
      const d = paintDisk(vol, { axis: 'z', index: 3, center: [30 + i * 2, 60], radius: 5, value: 2 + (i % 3) });
      vol.applyDelta(d);
      parts.push(d);
    }
    parts.push(eraseDisk(vol, { axis: 'z', index: 3, center: [35, 60], radius: 20 }));
    vol.applyDelta(parts[parts.length - 1]!);
    const end = vol.toDense();
    const merged = mergeDeltas(parts);
    vol.applyDelta(merged, 'backward');
    expectSameBytes(vol.toDense(), start);
    vol.applyDelta(merged, 'forward');
    expectSameBytes(vol.toDense(), end);
    expect(deltaVoxelCount(merged)).toBe(diffPositions(start, end).length);
  });

  it('applying a delta to labels it was not made from fails and changes nothing', () => {
    const vol = scribbled(SHAPE, 12);
    const d = paintBall(vol, { center: [20, 35, 45], radius: 5, value: 3 });
    vol.applyDelta(d);
    const after = vol.toDense();
    try { vol.applyDelta(d); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'damaged')).toBe(true); }
    expectSameBytes(vol.toDense(), after);
  });
});
