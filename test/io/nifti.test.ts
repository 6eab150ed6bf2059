import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'fflate';
import type { DType, Volume } from '../../src-shared/volume.ts';
import { openVolume, readVolume, writeVolume, NiftiStreamWriter } from '../../src-shared/io/index.ts';
import { affineToQuatern, quaternToAffine, type NiftiHeaderFields } from '../../src-shared/io/nifti-header.ts';
import { DATA, encodeTestNifti2, patternVolume, sameVoxels, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const MRI = path.join(DATA, 'mri/inia19-t1-brain.nii.gz');

function closeArrays(a: number[] | undefined, b: number[] | undefined, digits = 5) {
  expect(a).toBeDefined();
  expect(b).toBeDefined();
  expect(a!.length).toBe(b!.length);
  a!.forEach((v, i) => expect(v).toBeCloseTo(b![i]!, digits));
}

describe('NIfTI read', () => {
  it('reads the INIA19 MRI: shape, dtype, spacing, sform affine', async () => {
    const r = await openVolume(MRI);
    expect(r.info.format).toBe('nifti');
    expect(r.info.shape).toEqual([128, 206, 168, 1]);
    expect(r.info.dtype).toBe('float32');
    expect(r.info.geometry.spacing).toEqual([0.5, 0.5, 0.5]);
    expect(r.info.geometry.affine).toEqual([0.5, 0, 0, -42, 0, 0.5, 0, -57.5, 0, 0, 0.5, -30, 0, 0, 0, 1]);
    const mid = await r.readSlices(64, 65);
    let brain = 0;
    for (const v of mid.data) if (v > 0) brain++;
    expect(brain).toBeGreaterThan(1000); // a skull-stripped brain slice has brain voxels > 0
    await r.close();
  });

  it('slab reads in any order equal the full read (gzip cursor restarts when going back)', async () => {
    const full = await readVolume(MRI);
    const r = await openVolume(MRI);
    const per = 206 * 168;
    const b = await r.readSlices(100, 103);
    const a = await r.readSlices(10, 12);
    expect(Array.from(b.data)).toEqual(Array.from(full.data.subarray(100 * per, 103 * per)));
    expect(Array.from(a.data)).toEqual(Array.from(full.data.subarray(10 * per, 12 * per)));
    await r.close();
  });

  it('NIfTI-2: shape, spacing, sform, big- and little-endian', async () => {
    for (const bigEndian of [false, true]) {
      const vol = patternVolume([5, 7, 6, 1], 'int16');
      const srow = [0, 0, 1.5, 10, 0, -0.8, 0, 20, 0.7, 0, 0, -5];
      const f = tmp.file(`n2-${bigEndian}.nii`);
      writeFileSync(f, encodeTestNifti2({ shape: vol.shape, data: vol.data, datatype: 4, bitpix: 16 }, { pixdim: [0.7, 0.8, 1.5], srow, sformCode: 2, unitCode: 3, bigEndian }));
      const r = await openVolume(f);
      expect(r.info.shape).toEqual([5, 7, 6, 1]);
      expect((r.info.source.header as unknown as NiftiHeaderFields).version).toBe(2);
      expect(r.info.geometry.unit).toBe('um');
      closeArrays(r.info.geometry.spacing, [1.5, 0.8, 0.7]);
      closeArrays(r.info.geometry.affine, [...srow, 0, 0, 0, 1]);
      expect(sameVoxels({ ...vol, geometry: r.info.geometry }, await r.readSlices(0, 5))).toBe(true);
      await r.close();
    }
  });

  it('scl_slope/scl_inter are applied and give float32', async () => {
    const raw = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const f = tmp.file('scaled.nii');
    writeFileSync(f, encodeTestNifti2({ shape: [2, 2, 2, 1], data: raw, datatype: 2, bitpix: 8 }, { pixdim: [1, 1, 1], slope: 0.5, inter: -1 }));
    const v = await readVolume(f);
    expect(v.dtype).toBe('float32');
    expect(Array.from(v.data)).toEqual([-1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5]);
  });

  it('4D NIfTI: the 4th dimension becomes channels', async () => {
    const [nz, ny, nx, c] = [3, 4, 5, 2];
    const raw = new Float32Array(nz * ny * nx * c).map((_, i) => i);
    const f = tmp.file('4d.nii');
    writeFileSync(f, encodeTestNifti2({ shape: [nz, ny, nx, c], data: raw, datatype: 16, bitpix: 32 }, { pixdim: [1, 1, 1] }));
    const v = await readVolume(f);
    expect(v.shape).toEqual([nz, ny, nx, c]);
    const vox = nz * ny * nx;
    // voxel 7, channel 1 is stored at 1*vox + 7 in the file
    expect(v.data[7 * c + 1]).toBe(vox + 7);
    // and it round-trips through the multi-channel NIfTI writer
    const g = tmp.file('4d-out.nii.gz');
    await writeVolume(g, v);
    expect(sameVoxels(v, await readVolume(g))).toBe(true);
  });
});

describe('NIfTI round trip (write → read)', () => {
  const DTYPES: DType[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];
  for (const ext of ['.nii', '.nii.gz']) {
    for (const dtype of DTYPES) {
      it(`${dtype} ${ext}, geometry from an affine`, async () => {
        const vol = patternVolume([4, 9, 7, 1], dtype);
        vol.geometry = { spacing: [2, 0.5, 0.25], unit: 'mm', affine: [-0.25, 0, 0, 10, 0, 0.5, 0, -3, 0, 0, 2, 7.5, 0, 0, 0, 1] };
        const f = tmp.file(`rt-${dtype}${ext}`);
        await writeVolume(f, vol);
        const back = await readVolume(f);
        expect(sameVoxels(vol, back)).toBe(true);
        expect(back.geometry.unit).toBe('mm');
        closeArrays(back.geometry.spacing, vol.geometry.spacing);
        closeArrays(back.geometry.affine, vol.geometry.affine);
      });
    }
  }

  it('a label map written "like" the MRI carries its header geometry exactly', async () => {
    const src = await openVolume(MRI);
    const labels: Volume = { ...patternVolume([128, 206, 168, 1], 'uint8'), geometry: { spacing: [1, 1, 1], unit: 'unknown' } };
    for (const ext of ['.nii', '.nii.gz']) {
      const f = tmp.file(`labels${ext}`);
      await writeVolume(f, labels, { like: src.info });
      const back = await openVolume(f);
      const h = back.info.source.header as unknown as NiftiHeaderFields;
      const s = src.info.source.header as unknown as NiftiHeaderFields;
      expect(back.info.geometry.affine).toEqual(src.info.geometry.affine);
      expect(back.info.geometry.spacing).toEqual(src.info.geometry.spacing);
      expect([h.qformCode, h.sformCode]).toEqual([s.qformCode, s.sformCode]);
      expect(h.srow).toEqual(s.srow);
      expect(back.info.dtype).toBe('uint8');
      expect(sameVoxels(labels, await back.readSlices(0, 128))).toBe(true);
      await back.close();
    }
    await src.close();
  });

  it('read → write → read of the MRI keeps voxels and geometry (.nii and .nii.gz)', async () => {
    const vol = await readVolume(MRI);
    for (const ext of ['.nii', '.nii.gz']) {
      const f = tmp.file(`mri${ext}`);
      await writeVolume(f, vol);
      const back = await readVolume(f);
      expect(sameVoxels(vol, back)).toBe(true);
      expect(back.geometry).toEqual(vol.geometry);
    }
  });

  it('streaming NIfTI writer: slabs equal one piece; gzip output is valid gzip', async () => {
    const vol = patternVolume([6, 5, 4, 1], 'float32');
    const f = tmp.file('stream.nii.gz');
    const w = new NiftiStreamWriter(f, vol);
    const per = 20;
    w.writeSlices({ ...vol, shape: [2, 5, 4, 1], data: vol.data.subarray(0, 2 * per) });
    w.writeSlices({ ...vol, shape: [4, 5, 4, 1], data: vol.data.subarray(2 * per) });
    w.close();
    expect(sameVoxels(vol, await readVolume(f))).toBe(true);
    // a second, independent gunzip agrees
    const { gunzipSync } = await import('fflate');
    expect(gunzipSync(readFileSync(f)).length).toBe(352 + vol.data.byteLength);
  });

  it('RGB uint8 is written as NIfTI RGB24 and read back', async () => {
    const vol = patternVolume([2, 6, 5, 3], 'uint8');
    const f = tmp.file('rgb.nii');
    await writeVolume(f, vol);
    const back = await readVolume(f);
    expect(back.shape).toEqual([2, 6, 5, 3]);
    expect(sameVoxels(vol, back)).toBe(true);
  });

  it('quaternion ↔ affine conversions invert each other (incl. a flip)', () => {
    const cases = [
      [0.5, 0, 0, 1, 0, 0.5, 0, 2, 0, 0, 0.5, 3, 0, 0, 0, 1],
      [-1, 0, 0, 90, 0, 1, 0, -126, 0, 0, 1, -72, 0, 0, 0, 1],
      [0, 0, 1.2, 0, -0.9, 0, 0, 5, 0, 0.9, 0, -5, 0, 0, 0, 1],
    ];
    for (const m of cases) {
      const q = affineToQuatern(m);
      const h = { quaternB: q.b, quaternC: q.c, quaternD: q.d, qoffsetX: q.offset[0], qoffsetY: q.offset[1], qoffsetZ: q.offset[2], pixDims: [q.qfac, ...q.pixdim, 0, 0, 0, 0] } as unknown as NiftiHeaderFields;
      closeArrays(quaternToAffine(h), m, 5);
    }
  });

  it('a gzipped .nii written by another gzip (fflate one-shot) reads the same', async () => {
    const vol = patternVolume([3, 4, 5, 1], 'uint16');
    const plain = tmp.file('plain.nii');
    await writeVolume(plain, vol);
    const gz = tmp.file('other.nii.gz');
    writeFileSync(gz, gzipSync(readFileSync(plain)));
    expect(sameVoxels(vol, await readVolume(gz))).toBe(true);
  });
});

describe('NIfTI header copying is only done when the grid still matches', () => {
  it('a cropped volume with a NIfTI source gets a header from its own geometry', async () => {
    const mri = await openVolume(MRI);
    const crop = await mri.readSlices(10, 20); // depth 10 ≠ header's 128
    await mri.close();
    const f = tmp.file('crop.nii');
    const shifted = { ...crop, geometry: { ...crop.geometry, affine: [0.5, 0, 0, -42, 0, 0.5, 0, -57.5, 0, 0, 0.5, -25, 0, 0, 0, 1] } };
    await writeVolume(f, shifted);
    const back = await openVolume(f);
    expect(back.info.shape).toEqual([10, 206, 168, 1]);
    expect(back.info.geometry.affine).toEqual(shifted.geometry.affine);
    await back.close();
  });
});
