// The chunk-level writing API (for results produced block by block, e.g. tiled inference):
// metadata first, chunks in any order, attributes beside the NGFF ones, then the pyramid.
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildPyramid, createOmeZarr, openOmeZarr, openOmeZarrForWrite } from '../../../src-shared/io/zarr/index.ts';
import { patternVolume, sameVoxels, tempDir } from '../helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe.each([2, 3] as const)('createOmeZarr + openOmeZarrForWrite (Zarr v%i)', (zarrFormat) => {
  it('chunks written out of order read back as the image; attributes round-trip', async () => {
    const vol = patternVolume([9, 300, 70, 2], 'int32', 41);
    const p = tmp.file(`api-v${zarrFormat}.zarr`);
    createOmeZarr(p, { shape: vol.shape, dtype: vol.dtype, geometry: vol.geometry, chunks: [4, 128, 32], zarrFormat, attributes: { lumen: { model: 'unet-small' } } });
    const w = openOmeZarrForWrite(p);
    expect(w.chunks).toEqual([4, 128, 32]);
    expect(w.levels.map((l) => l.shape)).toEqual([[9, 300, 70, 2], [9, 150, 35, 2]]);
    expect(w.hasChunk(0, [2, 2, 2])).toBe(false);
    const [, h, wd, c] = vol.shape;
    const order: Array<[number, number, number]> = [];
    for (let iz = 2; iz >= 0; iz--) for (let iy = 0; iy < 3; iy++) for (let ix = 2; ix >= 0; ix--) order.push([iz, iy, ix]);
    for (const [iz, iy, ix] of order) {
      const z0 = iz * 4, y0 = iy * 128, x0 = ix * 32;
      const ez = Math.min(4, 9 - z0), ey = Math.min(128, h - y0), ex = Math.min(32, wd - x0);
      const part = new Int32Array(ez * ey * ex * c);
      for (let z = 0; z < ez; z++) for (let y = 0; y < ey; y++) for (let x = 0; x < ex; x++) for (let k = 0; k < c; k++) {
        part[((z * ey + y) * ex + x) * c + k] = vol.data[(((z0 + z) * h + y0 + y) * wd + x0 + x) * c + k]!;
      }
      w.writeChunk(0, [iz, iy, ix], part);
    }
    expect(w.hasChunk(0, [2, 2, 2])).toBe(true);
    expect(() => w.writeChunk(0, [3, 0, 0], new Int32Array(1))).toThrow(/no chunk 3,0,0/);
    expect(() => w.writeChunk(0, [0, 0, 0], new Int32Array(5))).toThrow(/4×128×32×2 voxels, 5 were given/);

    expect(w.readAttributes()).toEqual({ lumen: { model: 'unet-small' } });
    w.setAttributes({ lumen: { model: 'unet-small', dice: 0.8 } });
    expect(() => w.setAttributes({ ome: {} })).toThrow(/OME-Zarr metadata/);
    expect(openOmeZarrForWrite(p).readAttributes()).toEqual({ lumen: { model: 'unet-small', dice: 0.8 } });

    expect(existsSync(path.join(p, '1', zarrFormat === 3 ? 'c' : '0'))).toBe(false); // level 1 not yet written
    buildPyramid(p, { labels: false });
    const r = await openOmeZarr(p);
    expect(sameVoxels(vol, await r.readSlices(0, 9))).toBe(true);
    expect((await openOmeZarr(p, { level: 1 })).info.shape).toEqual([9, 150, 35, 2]);
  });
});
