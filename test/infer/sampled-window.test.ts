// The sliding window's `sample` option (instances/tiled/ uses it for the StarDist decoding grid):
// only the voxels on a grid are blended and handed on, and each equals the full output's value
// there exactly, with test-time flips, odd strides and patch starts off the grid.
import { describe, expect, it } from 'vitest';
import { makeVolume } from '../../src-shared/volume.ts';
import { slidingWindowPredict, streamSlidingWindow } from '../../src-shared/infer/sliding-window.ts';
import { memorySource } from '../../src-shared/infer/source.ts';
import { blobVolume, convNetModel } from './helpers.ts';

describe('sampled sliding window', () => {
  it('hands on the grid voxels of the full output, bit for bit', async () => {
    const shape: [number, number, number] = [13, 29, 23];
    const vol = makeVolume([...shape, 1], 'float32', blobVolume(...shape, 4));
    const opts = { patch: [6, 16, 12], overlap: 0.3, flips: true } as const;
    const model = convNetModel({ outC: 2, seed: 5 });
    const full = await slidingWindowPredict(model, vol, opts);
    const [D, H, W] = shape, g = [2, 3, 2];
    const SH = Math.ceil(H / g[1]!), SW = Math.ceil(W / g[2]!);
    const seen: number[] = [];
    let compared = 0;
    await streamSlidingWindow(model, memorySource(vol), (z, plane, box) => {
      seen.push(z);
      expect(box).toEqual({ y0: 0, x0: 0, h: SH, w: SW, step: [3, 2] });
      for (let c = 0; c < 2; c++) for (let j = 0; j < SH; j++) for (let i = 0; i < SW; i++) {
        expect(plane[c * SH * SW + j * SW + i]).toBe(full.data[((z * H + j * 3) * W + i * 2) * 2 + c]);
        compared++;
      }
    }, { ...opts, sample: [2, 3, 2] });
    expect(seen).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(compared).toBe(7 * SH * SW * 2);
    expect(D).toBe(13);
  });
});
