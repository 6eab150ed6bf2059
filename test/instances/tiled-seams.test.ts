// Objects at patch seams: a tiled run (patches far smaller than the image, the network's output
// near each patch border spoiled by its zero padding) finds the same objects as one pass over
// the whole image: one-to-one at IoU 0.5 with F1 ≥ 0.98, none split in two across a seam, none
// merged. The network is a real ORT session (a per-channel blur with zero padding) over exact
// StarDist targets of synthetic nuclei. The same check with a trained StarDist network is in
// bench/instances.ts (`seams`): training one takes minutes, too long for the suite.
import { describe, expect, it } from 'vitest';
import { predictInstancesToSink } from '../../src-shared/instances/tiled/index.ts';
import { defaultDecoding, type InstanceDecoding } from '../../src-shared/instances/train/decoding.ts';
import { memorySink, memorySource } from '../../src-shared/infer/source.ts';
import type { Volume } from '../../src-shared/volume.ts';
import { blobGrid, paintBlobs } from './helpers.ts';
import { decodeStarOutput } from '../../src-shared/instances/train/predict-instances.ts';
import { blurModel, compareSeams, planarOutput, starTargetVolume } from './tiled-helpers.ts';

async function labelsOf(vol: Volume, d: InstanceDecoding, patch: number[]) {
  let sink: ReturnType<typeof memorySink> | undefined;
  const r = await predictInstancesToSink(blurModel(d.dims, vol.shape[3]), memorySource(vol), d, (spec) => (sink = memorySink(spec.shape, spec.dtype, vol.geometry)),
    { patch, normalize: 'none' });
  return { labels: sink!.volume.data as Uint16Array, patches: r.run.patches };
}

describe('tiled against one pass', () => {
  it('2D 320×320: 48×48 patches find the objects of one 320×320 pass', async () => {
    const n = 320;
    const labels = paintBlobs([n, n], blobGrid([n, n], [16, 16], 0.95, 8));
    const d = { ...defaultDecoding(2), probThreshold: 0.4, nmsThreshold: 0.4 };
    const vol = starTargetVolume(labels, [1, n, n], d);
    const one = await labelsOf(vol, d, [1, n, n]);
    const tiled = await labelsOf(vol, d, [1, 48, 48]);
    expect(one.patches).toBe(1);
    expect(tiled.patches).toBeGreaterThanOrEqual(49);
    const c = compareSeams(one.labels, tiled.labels, [1, n, n]);
    console.log(`2D seams: ${JSON.stringify(c)}`);
    expect(c.reference).toBeGreaterThan(200);
    expect(c.f1).toBeGreaterThanOrEqual(0.98);
    expect(c.split).toBe(0);
    expect(c.merged).toBe(0);

    // the check bites: decoding each 64×64 tile of the same output on its own (no global NMS)
    // splits the objects the tile borders cut
    const out = await planarOutput(blurModel(2, 33), memorySource(vol), { patch: [1, n, n], normalize: 'none' });
    const N = n * n, t = 64, stitched = new Uint16Array(N);
    let next = 0;
    for (let ty = 0; ty < n; ty += t) for (let tx = 0; tx < n; tx += t) {
      const crop = new Float32Array(33 * t * t);
      for (let ch = 0; ch < 33; ch++) for (let y = 0; y < t; y++) crop.set(out.subarray(ch * N + (ty + y) * n + tx, ch * N + (ty + y) * n + tx + t), ch * t * t + y * t);
      const r = decodeStarOutput(crop, [1, t, t], d);
      for (let y = 0; y < t; y++) for (let x = 0; x < t; x++) { const v = r.labels[y * t + x]!; if (v) stitched[(ty + y) * n + tx + x] = next + v; }
      next += r.count;
    }
    const naive = compareSeams(one.labels, stitched, [1, n, n]);
    expect(naive.split).toBeGreaterThan(10);
    expect(naive.f1).toBeLessThan(0.98);
  });

  it('3D 16×96×96, voxels [2,1,1], 96 rays: 8×32×32 patches find the objects of one pass', async () => {
    const shape: [number, number, number] = [16, 96, 96];
    const labels = paintBlobs(shape, blobGrid(shape, [2, 5, 5], 0.95, 6));
    const d = { ...defaultDecoding(3, [2, 1, 1]), probThreshold: 0.4, nmsThreshold: 0.3 };
    const vol = starTargetVolume(labels, shape, d, [2, 1, 1]);
    const one = await labelsOf(vol, d, [16, 96, 96]);
    const tiled = await labelsOf(vol, d, [8, 32, 32]);
    expect(tiled.patches).toBeGreaterThanOrEqual(27);
    const c = compareSeams(one.labels, tiled.labels, shape);
    console.log(`3D seams: ${JSON.stringify(c)}`);
    expect(c.reference).toBeGreaterThan(40);
    expect(c.f1).toBeGreaterThanOrEqual(0.98);
    expect(c.split).toBe(0);
    expect(c.merged).toBe(0);
  });
});
