// Block-wise prediction rests on one property: predicting a box of the volume alone (the whole
// grid's patches that meet it, over the box plus its halo) gives, inside the box, exactly what one
// pass over the whole volume gives. Checked bit for bit for networks whose patches see their
// neighbours (3D convolutions, Gaussian blend, no trim), a U-Net with instance norm (statistics
// per patch: equal only if the very same patches run), a 2D U-Net, flips and coordinate channels.
import { describe, expect, it } from 'vitest';
import { makeVolume, type Volume } from '../../src-shared/volume.ts';
import { slidingWindowPredict, streamSlidingWindow, type BandCache, type SlidingWindowOptions } from '../../src-shared/infer/sliding-window.ts';
import { memorySource, type SlabSource } from '../../src-shared/infer/source.ts';
import { partInput, type Vec3 } from '../../src-shared/infer/window-part.ts';
import { patchGrid } from '../../src-shared/infer/tiles.ts';
import { unetPatchModel, type PatchModel } from '../../src-shared/infer/patch-model.ts';
import { buildInferenceGraph } from '../../src-shared/nn/trainer.ts';
import { initParams } from '../../src-shared/nn/params.ts';
import { blobVolume, convNetModel, runtime } from './helpers.ts';

/** Boxes of `block` voxels covering `shape` (the last ones shorter). */
function boxes(shape: Vec3, block: Vec3): { start: Vec3; end: Vec3 }[] {
  const out: { start: Vec3; end: Vec3 }[] = [];
  for (let z = 0; z < shape[0]; z += block[0]) for (let y = 0; y < shape[1]; y += block[1]) for (let x = 0; x < shape[2]; x += block[2]) {
    out.push({ start: [z, y, x], end: [Math.min(shape[0], z + block[0]), Math.min(shape[1], y + block[1]), Math.min(shape[2], x + block[2])] });
  }
  return out;
}

/** The volume predicted box by box, each box kept only inside itself. */
async function byParts(model: PatchModel, vol: Volume, block: Vec3, opts: SlidingWindowOptions): Promise<{ out: Float32Array; runs: number[] }> {
  const [D, H, W] = vol.shape;
  const outC = model.outChannels;
  const out = new Float32Array(D * H * W * outC).fill(NaN);
  const runs: number[] = [];
  for (const part of boxes([D, H, W], block)) {
    const run = await streamSlidingWindow(model, memorySource(vol), (z, probs, box) => {
      if (z < part.start[0] || z >= part.end[0]) return;
      const hw = box.h * box.w;
      for (let y = part.start[1]; y < part.end[1]; y++) for (let x = part.start[2]; x < part.end[2]; x++) {
        for (let c = 0; c < outC; c++) out[((z * H + y) * W + x) * outC + c] = probs[c * hw + (y - box.y0) * box.w + (x - box.x0)]!;
      }
    }, { ...opts, part });
    runs.push(run.networkRuns);
  }
  return { out, runs };
}

async function expectPartsEqualWhole(model: PatchModel, vol: Volume, block: Vec3, opts: SlidingWindowOptions): Promise<void> {
  const whole = await slidingWindowPredict(model, vol, opts);
  const { out: parts, runs } = await byParts(model, vol, block, opts);
  // each part ran only its own patches (else the test would prove nothing)
  expect(Math.min(...runs)).toBeLessThan(whole.run.networkRuns);
  let differing = 0;
  for (let i = 0; i < parts.length; i++) if (!(parts[i] === whole.data[i])) differing++;
  expect(differing).toBe(0);
}

const volume = (shape: Vec3, seed = 1): Volume => makeVolume([...shape, 1], 'float32', blobVolume(...shape, seed));

describe('a part of the sliding window equals the whole pass inside it', () => {
  it('input box: the patches meeting the part and their extent, clipped to the volume', () => {
    const grid = patchGrid([40, 40, 40], [16, 16, 16], 0.25); // starts 0, 12, 24 on each axis
    expect(grid.axes[0]!.starts).toEqual([0, 12, 24]);
    const box = partInput(grid, { start: [0, 13, 30], end: [10, 20, 40] });
    expect(box.starts).toEqual([[0], [0, 12], [24]]);
    expect(box.origin).toEqual([0, 0, 24]);
    expect(box.size).toEqual([16, 28, 16]);
    expect(() => partInput(grid, { start: [0, 0, 0], end: [41, 1, 1] })).toThrow(/outside the volume/);
  });

  it('3D convolutions, Gaussian blend without trim (seams would show): bit for bit, odd shapes and blocks', async () => {
    await expectPartsEqualWhole(convNetModel({ layers: 3 }), volume([19, 37, 29]), [8, 16, 12], { patch: [12, 16, 16], overlap: 0.3 });
  });

  it('U-Net with instance norm, two channels out, flips and batches of 2', async () => {
    const config = { dims: 3 as const, inChannels: 1, outChannels: 2, channels: [4, 8], norm: 'instance' as const };
    const { specs } = buildInferenceGraph(config, [1, 1, 8, 8, 8]);
    const model = unetPatchModel(runtime.factory, { config, params: initParams(specs, 3) });
    await expectPartsEqualWhole(model, volume([13, 30, 27], 2), [7, 11, 30], { patch: [8, 16, 16], flips: [[], [2]] });
  });

  it('2D U-Net slice by slice, and a model reading voxel positions', async () => {
    const config = { dims: 2 as const, inChannels: 1, outChannels: 1, channels: [4, 8], norm: 'none' as const };
    const { specs } = buildInferenceGraph(config, [1, 1, 8, 8]);
    const model2d = unetPatchModel(runtime.factory, { config, params: initParams(specs, 4) });
    await expectPartsEqualWhole(model2d, volume([5, 33, 26], 3), [2, 20, 20], { patch: [16, 16] });
    const positional: PatchModel = { ...convNetModel({ layers: 2, inC: 4 }), inChannels: 1, coordinates: true };
    await expectPartsEqualWhole(positional, volume([9, 21, 17], 4), [4, 10, 9], { patch: [8, 8, 8], flips: [[], [1]] });
  });

  it('a band shared by two parts runs once: the second part reuses its outputs and the result stays bit for bit', async () => {
    const model = convNetModel({ layers: 3 });
    const vol = volume([19, 24, 20], 6);
    const opts = { patch: [8, 16, 16], overlap: 0.3 };
    const whole = await slidingWindowPredict(model, vol, opts);
    const store = new Map<string, Float32Array>();
    const cache: BandCache = { read: (k, n) => (store.get(k)?.length === n ? store.get(k) : undefined), write: (k, v) => { store.set(k, v.slice()); } };
    const parts = [{ start: [10, 0, 0], end: [19, 24, 20] }, { start: [0, 0, 0], end: [10, 24, 20] }] as const;
    const out = new Float32Array(whole.data.length).fill(NaN);
    const runs: number[] = [];
    for (const part of parts) {
      const run = await streamSlidingWindow(model, memorySource(vol), (z, probs) => {
        if (z >= part.start[0] && z < part.end[0]) out.set(probs, z * 24 * 20);
      }, { ...opts, part: { start: [...part.start], end: [...part.end] }, bandCache: cache });
      runs.push(run.networkRuns);
    }
    expect(store.size).toBeGreaterThan(0); // the later part wrote the band(s) it shares
    const alone = await streamSlidingWindow(model, memorySource(vol), () => {}, { ...opts, part: { start: [0, 0, 0], end: [10, 24, 20] } });
    expect(runs[1]).toBeLessThan(alone.networkRuns); // the earlier part reused them
    expect([...out]).toEqual([...whole.data]);
    // an entry of the wrong size is not trusted: computed again, same result
    for (const k of store.keys()) store.set(k, new Float32Array(3));
    const again = await streamSlidingWindow(model, memorySource(vol), () => {}, { ...opts, part: { start: [0, 0, 0], end: [10, 24, 20] }, bandCache: cache });
    expect(again.networkRuns).toBe(alone.networkRuns);
  });

  it('refuses a part of a source that cannot read boxes', async () => {
    const vol = volume([4, 8, 8]);
    const slabsOnly: SlabSource = { info: memorySource(vol).info, readSlices: memorySource(vol).readSlices };
    await expect(streamSlidingWindow(convNetModel(), slabsOnly, () => {}, { part: { start: [0, 0, 0], end: [2, 2, 2] } })).rejects.toThrow(/box by box/);
  });
});
