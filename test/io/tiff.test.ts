import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync, statSync } from 'node:fs';
import { zlibSync } from 'fflate';
import type { DType, TypedArray } from '../../src-shared/volume.ts';
import { openVolume, readVolume, writeVolume, TiffStreamWriter, writeTiff } from '../../src-shared/io/index.ts';
import { rational } from '../../src-shared/io/tiff-writer.ts';
import { encodeTestTiff, patternVolume, rationalPair, sameVoxels, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const DTYPES: DType[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];

describe('TIFF round trip (write → read)', () => {
  for (const dtype of DTYPES) {
    for (const compression of ['none', 'deflate'] as const) {
      it(`${dtype}, ${compression}`, async () => {
        const vol = patternVolume([3, 37, 29, 1], dtype);
        const f = tmp.file(`rt-${dtype}-${compression}.tif`);
        await writeVolume(f, vol, { compression });
        const back = await readVolume(f);
        expect(sameVoxels(vol, back)).toBe(true);
        expect(back.geometry.unit).toBe('um');
        back.geometry.spacing.forEach((s, i) => expect(s).toBeCloseTo(vol.geometry.spacing[i]!, 9));
      });
    }
  }

  it('RGB uint8 (3 channels on the c axis), deflate', async () => {
    const vol = patternVolume([2, 20, 30, 3], 'uint8');
    const f = tmp.file('rgb.tif');
    await writeVolume(f, vol, { compression: 'deflate' });
    const back = await readVolume(f);
    expect(back.shape).toEqual([2, 20, 30, 3]);
    expect(sameVoxels(vol, back)).toBe(true);
  });

  for (const [dtype, c] of [['float32', 2], ['uint16', 3], ['uint8', 4]] as const) {
    it(`${c}-channel ${dtype} is written as an ImageJ hyperstack (one page per channel)`, async () => {
      const vol = patternVolume([3, 8, 9, c], dtype);
      const f = tmp.file(`c${c}-${dtype}.tif`);
      await writeVolume(f, vol, { compression: 'deflate' });
      const r = await openVolume(f);
      const h = r.info.source.header as { pages: number; description: string };
      expect(h.pages).toBe(3 * c);
      expect(h.description).toContain(`channels=${c}`);
      expect(h.description).toContain('hyperstack=true');
      expect(sameVoxels(vol, await r.readSlices(0, 3))).toBe(true);
      await r.close();
    });
  }

  it('forced BigTIFF, both compressions', async () => {
    for (const compression of ['none', 'deflate'] as const) {
      const vol = patternVolume([4, 16, 16, 1], 'uint16');
      const f = tmp.file(`big-${compression}.tif`);
      writeTiff(f, vol, { bigTiff: true, compression });
      const r = await openVolume(f);
      expect((r.info.source.header as { bigTiff: boolean }).bigTiff).toBe(true);
      expect(sameVoxels(vol, await r.readSlices(0, 4))).toBe(true);
      await r.close();
    }
  });

  it('BigTIFF is chosen automatically only past 4 GB', () => {
    const geometry = { spacing: [1, 1, 1] as [number, number, number], unit: 'um' as const };
    const small = new TiffStreamWriter(tmp.file('auto-small.tif'), { shape: [1000, 1024, 1024, 1], dtype: 'uint16', geometry });
    const large = new TiffStreamWriter(tmp.file('auto-large.tif'), { shape: [2100, 1024, 1024, 1], dtype: 'uint16', geometry });
    expect([small.bigTiff, large.bigTiff]).toEqual([false, true]);
    small.abort();
    large.abort();
  });

  it('streaming writer: slab by slab equals one piece; unknown unit survives', async () => {
    const vol = patternVolume([7, 33, 17, 1], 'float32');
    vol.geometry = { spacing: [1, 1, 1], unit: 'unknown' };
    const f = tmp.file('stream.tif');
    const w = new TiffStreamWriter(f, vol, { compression: 'deflate' });
    const per = 33 * 17;
    w.writeSlices(vol.data.subarray(0, 3 * per) as TypedArray);
    w.writeSlices(vol.data.subarray(3 * per) as TypedArray);
    w.close();
    const back = await readVolume(f);
    expect(sameVoxels(vol, back)).toBe(true);
    expect(back.geometry.unit).toBe('unknown');
  });

  it('streaming writer refuses closing early and writing too many slices', () => {
    const vol = patternVolume([2, 4, 4, 1], 'uint8');
    const w = new TiffStreamWriter(tmp.file('short.tif'), vol);
    w.writeSlices(vol.data.subarray(0, 16) as TypedArray);
    expect(() => w.close()).toThrow(/closed after 1 of 2/);
    const w2 = new TiffStreamWriter(tmp.file('long.tif'), vol);
    expect(() => w2.writeSlices(new Uint8Array(48))).toThrow(/declared with 2/);
    w2.abort();
  });

  it('slab reads equal the full read', async () => {
    const vol = patternVolume([9, 10, 11, 1], 'int16');
    const f = tmp.file('slabs.tif');
    await writeVolume(f, vol);
    const r = await openVolume(f);
    const a = await r.readSlices(2, 5);
    expect(a.shape).toEqual([3, 10, 11, 1]);
    expect(Array.from(a.data)).toEqual(Array.from(vol.data.subarray(2 * 110, 5 * 110)));
    await expect(r.readSlices(5, 10)).rejects.toMatchObject({ code: 'bad-input' });
    await r.close();
  });

  it('rational() keeps 1/spacing to double precision', () => {
    for (const s of [0.3, 0.1135, 2.5, 1e-3, 123.456, 0.04]) {
      const [p, q] = rational(1 / s);
      expect(q / p).toBeCloseTo(s, 12);
    }
  });
});

describe('TIFF variants Lumen reads but does not write', () => {
  const w = 23, h = 19;
  const pagesOf = (dtype: DType, n: number, spp = 1) => {
    const v = patternVolume([n, h, w, spp], dtype, 7);
    const per = h * w * spp;
    return { vol: v, pages: Array.from({ length: n }, (_, z) => v.data.slice(z * per, (z + 1) * per) as TypedArray) };
  };

  const cases: Array<[string, Partial<Parameters<typeof encodeTestTiff>[0]>, DType, number]> = [
    ['big-endian uint16', { bigEndian: true }, 'uint16', 1],
    ['big-endian float32 multi-strip', { bigEndian: true, rowsPerStrip: 4 }, 'float32', 1],
    ['big-endian int32 PackBits', { bigEndian: true, compression: 'packbits' }, 'int32', 1],
    ['PackBits uint8', { compression: 'packbits', rowsPerStrip: 5 }, 'uint8', 1],
    ['BigTIFF little-endian int16', { bigTiff: true, rowsPerStrip: 3 }, 'int16', 1],
    ['BigTIFF big-endian float64', { bigTiff: true, bigEndian: true }, 'float64', 1],
    ['tiled uint16', { tile: 16 }, 'uint16', 1],
    ['tiled Deflate float32', { tile: 16, compression: 'deflate', deflate: (b) => zlibSync(b) }, 'float32', 1],
    ['planar RGB uint8', { planar: true }, 'uint8', 3],
    ['chunky RGB uint16 big-endian', { bigEndian: true }, 'uint16', 3],
    ['reduced-resolution page skipped', { thumbnail: true }, 'uint8', 1],
    ['palette (photometric 3) keeps the indices', { photometric: 3 }, 'uint8', 1],
    ['LZW uint8 multi-strip', { compression: 'lzw', rowsPerStrip: 6 }, 'uint8', 1],
    ['LZW uint16 + horizontal predictor', { compression: 'lzw', predictor: 2, rowsPerStrip: 7 }, 'uint16', 1],
    ['LZW big-endian int16 + predictor', { compression: 'lzw', predictor: 2, bigEndian: true }, 'int16', 1],
    ['Deflate RGB + predictor', { compression: 'deflate', deflate: (b) => zlibSync(b), predictor: 2 }, 'uint8', 3],
    ['LZW planar RGB', { compression: 'lzw', planar: true }, 'uint8', 3],
    ['LZW tiled (geotiff path with Lumen decoders)', { compression: 'lzw', tile: 16 }, 'uint16', 1],
    ['PackBits tiled big-endian', { compression: 'packbits', tile: 16, bigEndian: true }, 'int16', 1],
  ];
  for (const [name, opts, dtype, spp] of cases) {
    it(name, async () => {
      const { vol, pages } = pagesOf(dtype, 3, spp);
      const f = tmp.file(`${name.replace(/\W+/g, '-')}.tif`);
      writeFileSync(f, encodeTestTiff({ width: w, height: h, samples: spp, dtype, pages, ...opts }));
      const back = await readVolume(f);
      expect(back.shape).toEqual([3, h, w, spp]);
      expect(back.dtype).toBe(dtype);
      expect(sameVoxels({ ...vol, geometry: back.geometry }, back)).toBe(true);
    });
  }

  it('ImageJ metadata: spacing, unit, resolution', async () => {
    const { pages } = pagesOf('uint8', 4);
    const f = tmp.file('imagej.tif');
    writeFileSync(f, encodeTestTiff({
      width: w, height: h, dtype: 'uint8', pages,
      description: 'ImageJ=1.53t\nimages=4\nslices=4\nunit=\\u00B5m\nspacing=2.0\nloop=false\n',
      extraTags: [[282, 5, rationalPair(4)], [283, 5, rationalPair(5)], [296, 3, [1]]],
    }));
    const r = await openVolume(f);
    expect(r.info.geometry.unit).toBe('um');
    expect(r.info.geometry.spacing[0]).toBeCloseTo(2, 9);
    expect(r.info.geometry.spacing[1]).toBeCloseTo(0.2, 9);
    expect(r.info.geometry.spacing[2]).toBeCloseTo(0.25, 9);
    await r.close();
  });

  it('ImageJ nm are converted to µm', async () => {
    const { pages } = pagesOf('uint8', 2);
    const f = tmp.file('imagej-nm.tif');
    writeFileSync(f, encodeTestTiff({
      width: w, height: h, dtype: 'uint8', pages,
      description: 'ImageJ=1.53t\nimages=2\nslices=2\nunit=nm\nspacing=500\n',
      extraTags: [[282, 5, rationalPair(0.01)], [283, 5, rationalPair(0.01)]],
    }));
    const r = await openVolume(f);
    expect(r.info.geometry.unit).toBe('um');
    r.info.geometry.spacing.forEach((s, i) => expect(s).toBeCloseTo([0.5, 0.1, 0.1][i]!, 9));
    await r.close();
  });

  it('ImageJ hyperstack with channels as pages → c axis', async () => {
    // pages ordered c fastest: (z0,c0) (z0,c1) (z1,c0) ...
    const z = 3, c = 2;
    const pages = Array.from({ length: z * c }, (_, p) => new Uint16Array(w * h).fill(p * 100));
    const f = tmp.file('hyper.tif');
    writeFileSync(f, encodeTestTiff({
      width: w, height: h, dtype: 'uint16', pages,
      description: `ImageJ=1.53t\nimages=${z * c}\nchannels=${c}\nslices=${z}\nhyperstack=true\n`,
    }));
    const v = await readVolume(f);
    expect(v.shape).toEqual([z, h, w, c]);
    expect(v.data[0]).toBe(0);
    expect(v.data[1]).toBe(100);
    expect(v.data[2 * h * w * c + 1]).toBe(500);
  });

  it('OME-TIFF PhysicalSize and channel order', async () => {
    const z = 2, c = 3;
    // DimensionOrder XYZCT: z fastest, then c
    const pages = Array.from({ length: z * c }, (_, p) => new Uint8Array(w * h).fill(p));
    const xml = `<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYZCT" Type="uint8" SizeX="${w}" SizeY="${h}" SizeZ="${z}" SizeC="${c}" SizeT="1" PhysicalSizeX="0.1" PhysicalSizeY="0.1" PhysicalSizeZ="0.5" PhysicalSizeXUnit="µm"></Pixels></Image></OME>`;
    const f = tmp.file('ome.ome.tif');
    writeFileSync(f, encodeTestTiff({ width: w, height: h, dtype: 'uint8', pages, description: xml }));
    const v = await readVolume(f);
    expect(v.shape).toEqual([z, h, w, c]);
    expect(v.geometry.unit).toBe('um');
    v.geometry.spacing.forEach((s, i) => expect(s).toBeCloseTo([0.5, 0.1, 0.1][i]!, 9));
    // voxel (z=1, c=2) comes from page c*Z + z = 5
    expect(v.data[1 * h * w * c + 2]).toBe(5);
    expect(v.data[1]).toBe(2); // (z=0, c=1) → page 2
  });

  it("ImageJ's >4 GB layout: one directory, images=N pages stored back to back", async () => {
    const n = 3;
    const all = patternVolume([n, h, w, 1], 'uint16', 3);
    // encode one tall page holding all slices contiguously, then make its header say one slice
    const bytes = encodeTestTiff({ width: w, height: h * n, dtype: 'uint16', pages: [all.data], description: `ImageJ=1.53t\nimages=${n}\nslices=${n}\n` });
    const dv = new DataView(bytes.buffer);
    const ifd = dv.getUint32(4, true);
    for (let i = 0; i < dv.getUint16(ifd, true); i++) {
      const p = ifd + 2 + i * 12;
      const tag = dv.getUint16(p, true);
      if (tag === 257 || tag === 278) dv.setUint32(p + 8, h, true);
      if (tag === 279) dv.setUint32(p + 8, h * w * 2, true);
    }
    const f = tmp.file('imagej-big.tif');
    writeFileSync(f, bytes);
    const v = await readVolume(f);
    expect(v.shape).toEqual([n, h, w, 1]);
    expect(sameVoxels({ ...all, geometry: v.geometry }, v)).toBe(true);
    // and cut short, it says where it ends
    writeFileSync(f, bytes.subarray(0, 8 + h * w * 2 * 2 + 100));
    await expect(openVolume(f)).rejects.toMatchObject({ code: expect.stringMatching(/truncated/) });
  });

  it('WhiteIsZero (photometric 0) is flipped so bright is high', async () => {
    const f = tmp.file('wiz.tif');
    writeFileSync(f, encodeTestTiff({ width: 2, height: 1, dtype: 'uint16', pages: [new Uint16Array([0, 65000])], photometric: 0 }));
    expect(Array.from((await readVolume(f)).data)).toEqual([65535, 535]);
  });

  it('plain TIFF with resolution in centimetres gives µm spacing', async () => {
    const { pages } = pagesOf('uint8', 1);
    const f = tmp.file('cm.tif');
    writeFileSync(f, encodeTestTiff({ width: w, height: h, dtype: 'uint8', pages, extraTags: [[282, 5, [10000, 1]], [283, 5, [10000, 1]], [296, 3, [3]]] }));
    const r = await openVolume(f);
    expect(r.info.geometry.unit).toBe('um');
    expect(r.info.geometry.spacing[2]).toBeCloseTo(1, 9);
    await r.close();
  });

  it('written files are valid for other readers: geotiff decodes what we write', async () => {
    const vol = patternVolume([2, 12, 10, 1], 'uint16');
    const f = tmp.file('geotiff-check.tif');
    writeTiff(f, vol, { compression: 'deflate' });
    const { fromFile } = await import('geotiff');
    const t = await fromFile(f);
    expect(await t.getImageCount()).toBe(2);
    const r = (await (await t.getImage(1)).readRasters({ interleave: true })) as unknown as Uint16Array;
    expect(Array.from(r)).toEqual(Array.from(vol.data.subarray(120)));
    await t.close();
    expect(statSync(f).size).toBeGreaterThan(0);
  });
});
