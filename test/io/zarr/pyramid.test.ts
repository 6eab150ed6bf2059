// Pyramid levels: level 1 of a known pattern is the 2× block mean (images) or the most frequent
// value (label maps), computed here voxel by voxel; z is halved only once it is no coarser than
// twice the in-plane voxel; levels stop once y and x are at most 256.
import { describe, it, expect, afterAll } from 'vitest';
import { writeVolume } from '../../../src-shared/io/index.ts';
import { openOmeZarr, planLevels } from '../../../src-shared/io/zarr/index.ts';
import type { Volume } from '../../../src-shared/volume.ts';
import { patternVolume, rng, tempDir } from '../helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** The values of the block of `vol` under output voxel (z, y, x), channel c, in z, y, x order. */
function block(vol: Volume, f: [number, number, number], z: number, y: number, x: number, c: number): number[] {
  const [d, h, w, C] = vol.shape;
  const out: number[] = [];
  for (let bz = z * f[0]; bz < Math.min(d, (z + 1) * f[0]); bz++)
    for (let by = y * f[1]; by < Math.min(h, (y + 1) * f[1]); by++)
      for (let bx = x * f[2]; bx < Math.min(w, (x + 1) * f[2]); bx++) out.push(vol.data[((bz * h + by) * w + bx) * C + c]!);
  return out;
}

function expectLevel(level: Volume, vol: Volume, f: [number, number, number], reduce: (v: number[]) => number): void {
  const [d, h, w, C] = level.shape;
  expect(level.shape).toEqual([Math.ceil(vol.shape[0] / f[0]), Math.ceil(vol.shape[1] / f[1]), Math.ceil(vol.shape[2] / f[2]), vol.shape[3]]);
  let wrong = 0;
  for (let z = 0; z < d; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < C; c++) {
    if (level.data[((z * h + y) * w + x) * C + c] !== reduce(block(vol, f, z, y, x, c))) wrong++;
  }
  expect(wrong).toBe(0);
}

const mean = (v: number[]) => Math.round(v.reduce((a, b) => a + b, 0) / v.length);
const mode = (v: number[]) => {
  let best = v[0]!, n = 0;
  for (const a of v) { const k = v.filter((b) => b === a).length; if (k > n) { best = a; n = k; } }
  return best;
};

describe('pyramid', () => {
  it('images: level 1 is the 2×2×2 mean (odd sizes: smaller edge blocks), isotropic voxels', async () => {
    const vol = { ...patternVolume([7, 301, 263, 2], 'uint16', 4), geometry: { spacing: [0.4, 0.4, 0.4] as [number, number, number], unit: 'um' as const } };
    const p = tmp.file('iso.zarr');
    await writeVolume(p, vol, { chunks: [4, 64, 64] });
    const r = await openOmeZarr(p, { level: 1 });
    expect(r.levels.map((l) => l.shape)).toEqual([[7, 301, 263, 2], [4, 151, 132, 2]]);
    expect(r.levels[1]!.spacing).toEqual([0.8, 0.8, 0.8]);
    expect(r.info.geometry.spacing).toEqual([0.8, 0.8, 0.8]);
    expectLevel(await r.readSlices(0, 4), vol, [2, 2, 2], mean);
  });

  it('anisotropic stacks keep their slices until y/x catch up; float means are not rounded', async () => {
    const vol = { ...patternVolume([3, 520, 300, 1], 'float32', 8), geometry: { spacing: [2, 0.5, 0.5] as [number, number, number], unit: 'um' as const } };
    const p = tmp.file('aniso.zarr');
    await writeVolume(p, vol, { zarrFormat: 2 });
    const r = await openOmeZarr(p, { level: 1 });
    expect(r.levels.map((l) => l.shape.slice(0, 3))).toEqual([[3, 520, 300], [3, 260, 150], [3, 130, 75]]);
    const lvl = await r.readSlices(0, 3);
    const fmean = (v: number[]) => Math.fround(v.reduce((a, b) => a + b, 0) / v.length);
    expectLevel(lvl, vol, [1, 2, 2], fmean);
  });

  it('label maps: level 1 takes the most frequent label (ties: the block corner), never a mean', async () => {
    const r0 = rng(3);
    const vol: Volume = { shape: [6, 300, 280, 1], dtype: 'uint8', data: new Uint8Array(6 * 300 * 280), geometry: { spacing: [1, 1, 1], unit: 'um' } };
    // blobs of labels 10/20/30 with noise, so blocks have majorities and ties
    for (let i = 0; i < vol.data.length; i++) vol.data[i] = r0() < 0.7 ? [10, 20, 30][Math.floor(i / 997) % 3]! : [10, 20, 30][Math.floor(r0() * 3)]!;
    const p = tmp.file('labels.zarr');
    await writeVolume(p, vol, { labels: true });
    const lvl = await (await openOmeZarr(p, { level: 1 })).readSlices(0, 3);
    expectLevel(lvl, vol, [2, 2, 2], mode);
    expect(new Set(lvl.data)).toEqual(new Set([10, 20, 30]));
  });

  it('level count: until the larger of y and x is at most 256; at least one', () => {
    expect(planLevels([10, 2048, 1000, 1], [1, 1, 1]).map((l) => l.shape[1])).toEqual([2048, 1024, 512, 256]);
    expect(planLevels([10, 200, 100, 1], [1, 1, 1])).toHaveLength(1);
    expect(planLevels([10, 200, 100, 1], [1, 1, 1], 3).map((l) => l.shape)).toEqual([[10, 200, 100, 1], [5, 100, 50, 1], [3, 50, 25, 1]]);
  });
});
