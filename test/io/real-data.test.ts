import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { openVolume, readVolume } from '../../src-shared/io/index.ts';
import { DATA } from './helpers.ts';

const drive = (sub: string) => readdirSync(path.join(DATA, 'drive', sub)).sort().map((f) => path.join(DATA, 'drive', sub, f));

describe('all shared real files import with the documented shape, type and spacing', () => {
  const vessel: Array<[string, number]> = [
    ['burgess2014_tgMouse_image.tif', 15], ['burgess2014_tgMouse_labels.tif', 15],
    ['poon2015_BBB_noLeakage_image.tif', 25], ['poon2015_BBB_noLeakage_labels.tif', 25],
  ];
  for (const [name, depth] of vessel) {
    it(`vesselnn/${name}`, async () => {
      const v = await readVolume(path.join(DATA, 'vesselnn', name));
      expect(v.shape).toEqual([depth, 512, 512, 1]);
      expect(v.dtype).toBe('uint8');
      // the files carry only the 72 dpi print default: no physical size
      expect(v.geometry).toEqual({ spacing: [1, 1, 1], unit: 'unknown' });
      if (name.includes('labels')) {
        const values = new Set(v.data);
        expect([...values].every((x) => x === 0 || x === 255)).toBe(true);
        expect(values.has(255)).toBe(true);
      } else {
        let max = 0;
        for (const x of v.data) if (x > max) max = x;
        expect(max).toBeGreaterThan(100);
      }
    });
  }

  it('all 20 DRIVE images: RGB 584×565, LZW', async () => {
    const files = drive('images');
    expect(files).toHaveLength(20);
    for (const f of files) {
      const r = await openVolume(f);
      expect(r.info.shape).toEqual([1, 584, 565, 3]);
      expect(r.info.dtype).toBe('uint8');
      expect((r.info.source.header as { compression: string }).compression).toBe('LZW');
      const v = await r.readSlices(0, 1);
      // a fundus photograph is red-dominated inside the field of view
      let red = 0, green = 0;
      for (let i = 0; i < v.data.length; i += 3) { red += v.data[i]!; green += v.data[i + 1]!; }
      expect(red).toBeGreaterThan(green);
      await r.close();
    }
  });

  for (const sub of ['labels', 'fov']) {
    it(`all 20 DRIVE ${sub} GIFs: one 0/255 channel`, async () => {
      const files = drive(sub);
      expect(files).toHaveLength(20);
      for (const f of files) {
        const v = await readVolume(f);
        expect(v.shape).toEqual([1, 584, 565, 1]);
        expect(v.dtype).toBe('uint8');
        const values = new Set(v.data);
        expect([...values].sort((a, b) => a - b)).toEqual([0, 255]);
      }
    });
  }

  it('DRIVE images folder as one 20-slice RGB volume, in natural order', async () => {
    const r = await openVolume(path.join(DATA, 'drive', 'images'));
    expect(r.info.format).toBe('slices');
    expect(r.info.shape).toEqual([20, 584, 565, 3]);
    const first = await r.readSlices(0, 1);
    const single = await readVolume(drive('images')[0]!);
    expect(Array.from(first.data.subarray(0, 5000))).toEqual(Array.from(single.data.subarray(0, 5000)));
    await r.close();
  });

  it('the MRI', async () => {
    const v = await readVolume(path.join(DATA, 'mri/inia19-t1-brain.nii.gz'));
    expect(v.shape).toEqual([128, 206, 168, 1]);
    expect(v.dtype).toBe('float32');
    expect(v.geometry.spacing).toEqual([0.5, 0.5, 0.5]);
  });
});

describe("Lumen's own strip decoders agree with geotiff on the real LZW files", () => {
  it('VesselNN and a DRIVE image decode identically', async () => {
    const { fromFile } = await import('geotiff');
    for (const f of [path.join(DATA, 'vesselnn/poon2015_BBB_noLeakage_image.tif'), drive('images')[3]!]) {
      const ours = await readVolume(f);
      const t = await fromFile(f);
      const per = ours.shape[1] * ours.shape[2] * ours.shape[3];
      for (const z of [0, ours.shape[0] - 1]) {
        const theirs = (await (await t.getImage(z)).readRasters({ interleave: true })) as unknown as Uint8Array;
        expect(Buffer.compare(Buffer.from(theirs), Buffer.from(ours.data.subarray(z * per, (z + 1) * per) as Uint8Array))).toBe(0);
      }
      await t.close();
    }
  });
});
