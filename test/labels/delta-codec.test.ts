import { describe, it, expect } from 'vitest';
import {
  SparseLabelVolume, encodeDelta, decodeDelta, paintStroke, importMask, fillSlice, invertDelta, emptyDelta, deltaVoxelCount,
} from '../../src-shared/labels/index.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { scribbled, rng, expectSameBytes } from './helpers.ts';

describe('delta bytes', () => {
  it('round-trips exactly and is compact', () => {
    const vol = scribbled([64, 128, 200], 1);
    const stroke = paintStroke(vol, { axis: 'z', index: 30, radius: 8, value: 2, points: [[10, 10], [100, 190]] });
    const bytes = encodeDelta(stroke);
    expect(decodeDelta(bytes)).toEqual(stroke);
    // rows of a stroke are runs of offsets: far less than a byte per changed voxel
    expect(bytes.length).toBeLessThan(deltaVoxelCount(stroke) / 4);
    const slice = fillSlice(new SparseLabelVolume([64, 128, 200]), { axis: 'z', index: 3, value: 1 });
    expect(encodeDelta(slice).length).toBeLessThan(200); // 25 600 voxels
    const mask = new Uint8Array(64 * 128 * 200);
    const r = rng(2);
    for (let i = 0; i < mask.length; i++) mask[i] = r() < 0.5 ? 1 : 0;
    const imp = importMask(vol, { data: mask, shape: [64, 128, 200] }, { classValue: 3, zeroAs: 'background' });
    const back = decodeDelta(encodeDelta(imp));
    const a = vol.clone(); a.applyDelta(imp);
    const b = vol.clone(); b.applyDelta(back);
    expectSameBytes(a.toDense(), b.toDense());
    expect(decodeDelta(encodeDelta(emptyDelta([3, 4, 5])))).toEqual(emptyDelta([3, 4, 5]));
    expect(decodeDelta(encodeDelta(invertDelta(stroke)))).toEqual(invertDelta(stroke));
  });

  it('survives shapes and chunk ids beyond 2³¹ voxels', () => {
    const vol = new SparseLabelVolume([2000, 2000, 2000]);
    vol.set(1999, 1999, 1999, 7);
    const d = paintStroke(vol, { axis: 'x', index: 1999, radius: 1, value: 2, points: [[1998, 1998]] });
    expect(decodeDelta(encodeDelta(d))).toEqual(d);
  });

  it('rejects damaged bytes with a LumenError', () => {
    const vol = new SparseLabelVolume([10, 10, 10]);
    const bytes = encodeDelta(paintStroke(vol, { axis: 'z', index: 1, radius: 3, value: 2, points: [[5, 5]] }));
    const cases = [bytes.subarray(0, bytes.length - 1), Uint8Array.from([1, 2, 3]), Uint8Array.from([...bytes, 0])];
    const flipped = bytes.slice(); flipped[12] = 0xff; cases.push(flipped);
    for (const c of cases) {
      try { decodeDelta(c); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'damaged')).toBe(true); }
    }
  });
});
