// TIFF → OME-Zarr → TIFF keeps every voxel, the shape, dtype, voxel size and unit, for Zarr v2
// (NGFF 0.4) and v3 (NGFF 0.5), with shapes that are not multiples of the chunk shape and slabs
// that do not line up with chunk rows; readRegion agrees with readSlices.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { convertVolume, openVolume, readVolume, writeTiff, writeVolume } from '../../../src-shared/io/index.ts';
import { openOmeZarr } from '../../../src-shared/io/zarr/index.ts';
import type { DType, Shape4 } from '../../../src-shared/volume.ts';
import { DATA, patternVolume, sameVoxels, tempDir } from '../helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Every entry under `dir`, relative, to look for leftovers. */
function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

const CASES: Array<{ dtype: DType; shape: Shape4 }> = [
  { dtype: 'uint8', shape: [31, 61, 57, 1] },
  { dtype: 'uint16', shape: [31, 61, 57, 1] },
  { dtype: 'float32', shape: [31, 61, 57, 1] },
  { dtype: 'uint8', shape: [17, 33, 35, 3] },
];

describe.each([2, 3] as const)('TIFF → OME-Zarr (Zarr v%i) → TIFF', (zarrFormat) => {
  it.each(CASES)('$dtype $shape', async ({ dtype, shape }) => {
    const vol = patternVolume(shape, dtype, 7);
    const name = `${dtype}-${shape[3]}-v${zarrFormat}`;
    const tif = tmp.file(`${name}.tif`);
    writeTiff(tif, vol);
    const zarrPath = tmp.file(`${name}.ome.zarr`);
    const src = await openVolume(tif);
    // slabs of a few slices that straddle the 16-slice chunk rows
    await convertVolume(src, zarrPath, { zarrFormat, chunks: [16, 16, 16], slabBytes: shape[1] * shape[2] * shape[3] * 4 * 5 });
    await src.close();

    const z = await openOmeZarr(zarrPath);
    expect(z.info.format).toBe('zarr');
    expect(z.info.shape).toEqual(shape);
    expect(z.info.dtype).toBe(dtype);
    expect(z.info.geometry).toEqual({ spacing: [2.5, 0.3, 0.3], unit: 'um' });
    expect(z.chunks).toEqual([16, 16, 16]);
    expect(z.info.source.header).toMatchObject({ ngffVersion: zarrFormat === 3 ? '0.5' : '0.4', zarrFormat });
    // every chunk is on disk: ceil(31/16) × ceil(61/16) × ceil(57/16) = 2 × 4 × 4
    const level0 = path.join(zarrPath, '0');
    const chunkFiles = walk(level0).filter((f) => statSync(path.join(level0, f)).isFile() && !f.endsWith('zarr.json') && !f.endsWith('.zarray'));
    expect(chunkFiles).toHaveLength(Math.ceil(shape[0] / 16) * Math.ceil(shape[1] / 16) * Math.ceil(shape[2] / 16));
    expect(walk(tmp.dir).filter((f) => /partial|tmp-/.test(f))).toEqual([]);

    const back = tmp.file(`${name}-back.tif`);
    await convertVolume(z, back);
    const again = await readVolume(back);
    expect(sameVoxels(vol, again)).toBe(true);
    expect(again.geometry.spacing.map((s) => Number(s.toFixed(6)))).toEqual([2.5, 0.3, 0.3]);
    expect(again.geometry.unit).toBe('um');
  });
});

describe('readRegion', () => {
  it('a box across chunk borders equals the same box cut from readSlices', async () => {
    const vol = patternVolume([20, 45, 38, 2], 'int16', 11);
    const p = tmp.file('region.zarr');
    await convertVolume(fromVolume(vol), p, { chunks: [8, 16, 16] });
    const r = await openOmeZarr(p);
    const slab = await r.readSlices(3, 19);
    const box = await r.readRegion([3, 7, 5], [19, 40, 33]);
    expect(box.shape).toEqual([16, 33, 28, 2]);
    const [, h, w, c] = slab.shape;
    let same = true;
    for (let z = 0; z < 16; z++) for (let y = 0; y < 33; y++) for (let x = 0; x < 28; x++) for (let k = 0; k < c; k++) {
      if (box.data[((z * 33 + y) * 28 + x) * c + k] !== slab.data[((z * h + y + 7) * w + x + 5) * c + k]) same = false;
    }
    expect(same).toBe(true);
    // and readSlices itself is the original
    expect(Array.from(slab.data.subarray(0, 50))).toEqual(Array.from(vol.data.subarray(3 * 45 * 38 * 2, 3 * 45 * 38 * 2 + 50)));
    await expect(r.readRegion([0, 0, 0], [21, 1, 1])).rejects.toThrow(/box/);
  });
});

describe('real data', () => {
  it('the MRI template (NIfTI) → OME-Zarr keeps its 0.5 voxel size, every voxel, and builds a pyramid', async () => {
    const nii = path.join(DATA, 'mri/inia19-t1-brain.nii.gz');
    const p = tmp.file('mri.ome.zarr');
    const src = await openVolume(nii);
    await convertVolume(src, p);
    await src.close();
    const z = await openOmeZarr(p);
    expect(z.info.geometry.spacing).toEqual([0.5, 0.5, 0.5]);
    expect(z.info.geometry.unit).toBe(src.info.geometry.unit); // this file leaves its unit code unset
    expect(z.info.shape).toEqual([128, 206, 168, 1]);
    expect(z.levels).toHaveLength(1); // 206 ≤ 256 already
    expect(sameVoxels(await readVolume(nii), await readVolume(p))).toBe(true);
  });

  it('a NIfTI in millimetres → OME-Zarr says millimeter and keeps the spacing', async () => {
    const vol = { ...patternVolume([9, 20, 18, 1], 'int16', 5), geometry: { spacing: [1.5, 0.75, 0.8] as [number, number, number], unit: 'mm' as const } };
    const nii = tmp.file('mm.nii.gz');
    await writeVolume(nii, vol);
    const p = tmp.file('mm.zarr');
    const src = await openVolume(nii);
    await convertVolume(src, p);
    const z = await openOmeZarr(p);
    expect(z.info.geometry.unit).toBe('mm');
    expect(z.info.geometry.spacing.map((s) => Number(s.toFixed(6)))).toEqual([1.5, 0.75, 0.8]);
    expect(JSON.stringify(JSON.parse(readFileSync(path.join(p, 'zarr.json'), 'utf8')).attributes.ome.multiscales[0].axes)).toContain('millimeter');
    expect(sameVoxels(vol, await readVolume(p))).toBe(true);
  });
});

/** A reader over an in-memory volume, so convertVolume streams it like a file. */
function fromVolume(vol: ReturnType<typeof patternVolume>) {
  return {
    info: { shape: vol.shape, dtype: vol.dtype, geometry: vol.geometry, format: 'tiff' as const, source: { format: 'generated' as const } },
    async readSlices(z0: number, z1: number) {
      const plane = vol.shape[1] * vol.shape[2] * vol.shape[3];
      return { ...vol, shape: [z1 - z0, vol.shape[1], vol.shape[2], vol.shape[3]] as Shape4, data: vol.data.slice(z0 * plane, z1 * plane) };
    },
    async close() {},
  };
}
