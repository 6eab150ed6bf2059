import { describe, it, expect, afterAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import omggif from 'omggif';
import { naturalSort, openVolume, readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { patternVolume, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function gif(w: number, h: number, indices: Uint8Array, palette: number[]): Uint8Array {
  const buf = new Uint8Array(w * h + 4096);
  const writer = new omggif.GifWriter(buf, w, h, { palette });
  writer.addFrame(0, 0, w, h, Array.from(indices));
  return buf.subarray(0, writer.end());
}

describe('natural sort', () => {
  it('orders numbers by value, not by character', () => {
    expect(naturalSort(['slice10.png', 'slice2.png', 'slice1.png', 'Slice3.png', 'slice20.png']))
      .toEqual(['slice1.png', 'slice2.png', 'Slice3.png', 'slice10.png', 'slice20.png']);
    expect(naturalSort(['z_0100.tif', 'z_099.tif', 'z_1.tif'])).toEqual(['z_1.tif', 'z_099.tif', 'z_0100.tif']);
  });
});

describe('folders and lists of 2D slices', () => {
  it('PNG folder: natural order, hidden/other files ignored', async () => {
    const dir = tmp.file('png8');
    mkdirSync(dir);
    const [w, h] = [7, 5];
    for (const z of [1, 2, 10, 3]) {
      writeFileSync(path.join(dir, `slice${z}.png`), encodePng({ width: w, height: h, data: new Uint8Array(w * h).fill(z), channels: 1, depth: 8 }));
    }
    writeFileSync(path.join(dir, '.DS_Store'), 'x');
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    const v = await readVolume(dir);
    expect(v.shape).toEqual([4, h, w, 1]);
    expect([0, 1, 2, 3].map((z) => v.data[z * w * h])).toEqual([1, 2, 3, 10]);
  });

  it('16-bit PNG, RGB PNG and palette PNG', async () => {
    const [w, h] = [4, 3];
    const p16 = tmp.file('a16.png');
    writeFileSync(p16, encodePng({ width: w, height: h, data: new Uint16Array(w * h).fill(40000), channels: 1, depth: 16 }));
    const v16 = await readVolume(p16);
    expect(v16.dtype).toBe('uint16');
    expect(v16.data[5]).toBe(40000);
    expect((await openVolume(p16)).info.format).toBe('png');

    const rgb = tmp.file('rgb.png');
    const data = new Uint8Array(w * h * 3).map((_, i) => i % 3 === 0 ? 200 : 10);
    writeFileSync(rgb, encodePng({ width: w, height: h, data, channels: 3, depth: 8 }));
    const vr = await readVolume(rgb);
    expect(vr.shape).toEqual([1, h, w, 3]);
    expect(Array.from(vr.data.subarray(0, 3))).toEqual([200, 10, 10]);

    const pal = tmp.file('pal.png');
    writeFileSync(pal, encodePng({ width: w, height: h, data: new Uint8Array(w * h).map((_, i) => i % 2), channels: 1, depth: 8, palette: [[0, 0, 0], [255, 255, 255]] }));
    const vp = await readVolume(pal);
    expect(vp.shape).toEqual([1, h, w, 1]); // grey palette collapses to one channel
    expect(Array.from(vp.data.subarray(0, 4))).toEqual([0, 255, 0, 255]);
  });

  it('GIF: grey palette → 1 channel, colour palette → RGB', async () => {
    const [w, h] = [6, 4];
    const idx = new Uint8Array(w * h).map((_, i) => i % 2);
    const grey = tmp.file('grey.gif');
    writeFileSync(grey, gif(w, h, idx, [0x000000, 0xffffff]));
    const vg = await readVolume(grey);
    expect(vg.shape).toEqual([1, h, w, 1]);
    expect(Array.from(vg.data.subarray(0, 3))).toEqual([0, 255, 0]);
    const colour = tmp.file('colour.gif');
    writeFileSync(colour, gif(w, h, idx, [0xff0000, 0x00ff00]));
    const vc = await readVolume(colour);
    expect(vc.shape).toEqual([1, h, w, 3]);
    expect(Array.from(vc.data.subarray(0, 6))).toEqual([255, 0, 0, 0, 255, 0]);
  });

  it('a list of TIFF slices (given out of order) is one volume', async () => {
    const files: string[] = [];
    for (const z of [3, 1, 2]) {
      const f = tmp.file(`t${z}.tif`);
      await writeVolume(f, { ...patternVolume([1, 6, 8, 1], 'uint16', z) });
      files.push(f);
    }
    const v = await readVolume(files);
    expect(v.shape).toEqual([3, 6, 8, 1]);
    expect(v.data[0]).toBe(patternVolume([1, 6, 8, 1], 'uint16', 1).data[0]);
  });

  it('slices of different sizes are a shape-mismatch error naming the file', async () => {
    const dir = tmp.file('mixed');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a1.png'), encodePng({ width: 4, height: 4, data: new Uint8Array(16), channels: 1, depth: 8 }));
    writeFileSync(path.join(dir, 'a2.png'), encodePng({ width: 5, height: 4, data: new Uint8Array(20), channels: 1, depth: 8 }));
    await expect(readVolume(dir)).rejects.toMatchObject({ code: 'shape-mismatch', message: expect.stringContaining('a2.png') });
  });

  it('an empty folder is bad input', async () => {
    const dir = tmp.file('empty');
    mkdirSync(dir);
    await expect(openVolume(dir)).rejects.toMatchObject({ code: 'bad-input' });
  });
});
