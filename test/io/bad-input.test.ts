import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'fflate';
import { LumenError } from '../../src-shared/errors.ts';
import { openVolume, readVolume, writeVolume, writeTiff } from '../../src-shared/io/index.ts';
import { DATA, encodeTestTiff, encodeTestNifti2, patternVolume, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Patches the first directory's value of a SHORT/LONG tag in a classic little-endian TIFF. */
function patchTag(buf: Uint8Array, tag: number, value: number): Uint8Array {
  const out = buf.slice();
  const dv = new DataView(out.buffer);
  let ifd = dv.getUint32(4, true);
  const n = dv.getUint16(ifd, true);
  for (let i = 0; i < n; i++) {
    const p = ifd + 2 + i * 12;
    if (dv.getUint16(p, true) !== tag) continue;
    const type = dv.getUint16(p + 2, true);
    if (type === 3) dv.setUint16(p + 8, value, true); else dv.setUint32(p + 8, value, true);
    return out;
  }
  throw new Error(`tag ${tag} not found`);
}

async function expectLumen(p: Promise<unknown>, code: string, text?: RegExp) {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e, 'should have thrown').toBeInstanceOf(LumenError);
  expect((e as LumenError).code).toBe(code);
  if (text) expect((e as LumenError).message).toMatch(text);
  return e as LumenError;
}

const small = patternVolume([20, 16, 16, 1], 'uint8');

describe('bad TIFF input gives a LumenError with a readable message', () => {
  it('truncated stack: "this TIFF ends at slice k of N"', async () => {
    const f = tmp.file('whole.tif');
    writeTiff(f, small);
    const bytes = readFileSync(f);
    const cut = tmp.file('cut.tif');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.55)));
    const e = await expectLumen(openVolume(cut), 'truncated', /this TIFF ends at slice \d+ of 20/);
    expect(e.message).not.toMatch(/undefined|NaN/);
  });

  it('truncated pixel data of the last page', async () => {
    const bytes = encodeTestTiff({ width: 16, height: 16, dtype: 'uint16', pages: [new Uint16Array(256), new Uint16Array(256)], description: 'ImageJ=1.53\nimages=2\nslices=2\n' });
    // the encoder writes the last page's pixels, then its directory; shorten the counts' target by cutting mid-pixels is
    // not possible without losing the directory, so instead claim a larger strip
    const f = tmp.file('short-strip.tif');
    writeFileSync(f, patchTag(bytes, 279, 100000));
    await expectLumen(openVolume(f), 'truncated', /ends at slice 1 of 2/);
  });

  it('wrong magic: a text file named .tif', async () => {
    const f = tmp.file('text.tif');
    writeFileSync(f, 'hello, this is not an image\n'.repeat(10));
    await expectLumen(openVolume(f), 'bad-input', /not a TIFF, NIfTI, PNG or GIF/);
  });

  it('empty file and missing file', async () => {
    const f = tmp.file('empty.tif');
    writeFileSync(f, '');
    await expectLumen(openVolume(f), 'truncated', /empty/);
    await expectLumen(openVolume(tmp.file('nope.tif')), 'bad-input', /does not exist/);
  });

  it('page size claiming terabytes is refused before allocating (uncompressed and compressed)', async () => {
    const f = tmp.file('small.tif');
    writeTiff(f, small);
    const huge = tmp.file('huge.tif');
    let b = patchTag(readFileSync(f), 256, 1_000_000);
    b = patchTag(b, 257, 1_000_000);
    writeFileSync(huge, b);
    await expectLumen(openVolume(huge), 'too-large', /claims 1000000×1000000 pixels per page \(1\.0 TB\), more than the whole file/);
    // deflate: the claim is compared with the compressed size
    const g = tmp.file('small-z.tif');
    writeTiff(g, small, { compression: 'deflate' });
    let c = patchTag(readFileSync(g), 256, 1_000_000);
    c = patchTag(c, 257, 1_000_000);
    c = patchTag(c, 278, 1_000_000); // one strip per page, as the counts say
    writeFileSync(huge, c);
    await expectLumen(openVolume(huge), 'too-large', /claims 1000000×1000000/);
  });

  it('unsupported compression (JPEG) names the compression and what to do', async () => {
    const f = tmp.file('small.tif');
    writeTiff(f, small);
    const j = tmp.file('jpeg.tif');
    writeFileSync(j, patchTag(readFileSync(f), 259, 7));
    await expectLumen(openVolume(j), 'unsupported', /JPEG compression.*re-save/);
  });

  it('unsupported bit depth (1-bit, 12-bit)', async () => {
    const f = tmp.file('small.tif');
    writeTiff(f, small);
    const j = tmp.file('bits.tif');
    writeFileSync(j, patchTag(readFileSync(f), 258, 12));
    await expectLumen(openVolume(j), 'unsupported', /12-bit/);
  });

  for (const [label, spacing] of [['zero', '0'], ['negative', '-2'], ['NaN', 'NaN']] as const) {
    it(`${label} ImageJ spacing`, async () => {
      const f = tmp.file(`sp-${label}.tif`);
      writeFileSync(f, encodeTestTiff({ width: 4, height: 4, dtype: 'uint8', pages: [new Uint8Array(16), new Uint8Array(16)], description: `ImageJ=1.53\nimages=2\nslices=2\nunit=micron\nspacing=${spacing}\n` }));
      await expectLumen(openVolume(f), 'bad-input', /voxel size along z as (0|-2|NaN).*positive/);
    });
  }

  it('zero XResolution (division by zero) is bad spacing, not Infinity', async () => {
    const f = tmp.file('xres0.tif');
    writeFileSync(f, encodeTestTiff({ width: 4, height: 4, dtype: 'uint8', pages: [new Uint8Array(16)], description: 'ImageJ=1.53\nimages=1\nunit=micron\n', extraTags: [[282, 5, [0, 1]], [283, 5, [1, 1]]] }));
    await expectLumen(openVolume(f), 'bad-input', /voxel size along x/);
  });

  it('a directory chain that loops back does not hang', async () => {
    const f = tmp.file('small.tif');
    writeTiff(f, patternVolume([2, 4, 4, 1], 'uint8'));
    const b = readFileSync(f);
    const dv = new DataView(b.buffer, b.byteOffset);
    const first = dv.getUint32(4, true);
    const n = dv.getUint16(first, true);
    const second = dv.getUint32(first + 2 + n * 12, true);
    const n2 = dv.getUint16(second, true);
    dv.setUint32(second + 2 + n2 * 12, first, true); // page 2 → page 1 again
    const loop = tmp.file('loop.tif');
    writeFileSync(loop, b);
    const v = await readVolume(loop);
    expect(v.shape[0]).toBe(2);
  });

  it('pages of different sizes', async () => {
    const a = encodeTestTiff({ width: 4, height: 4, dtype: 'uint8', pages: [new Uint8Array(16), new Uint8Array(16)] });
    // make page 2 claim another width by patching its directory
    const dv = new DataView(a.buffer);
    const first = dv.getUint32(4, true);
    const n = dv.getUint16(first, true);
    const second = dv.getUint32(first + 2 + n * 12, true);
    for (let i = 0; i < dv.getUint16(second, true); i++) {
      const p = second + 2 + i * 12;
      if (dv.getUint16(p, true) === 256) dv.setUint32(p + 8, 2, true);
    }
    const f = tmp.file('mixed.tif');
    writeFileSync(f, a);
    await expectLumen(openVolume(f), 'shape-mismatch', /page 2 .* all slices of a stack must match/);
  });
});

describe('bad NIfTI input', () => {
  const vol = patternVolume([6, 8, 8, 1], 'int16');
  const good = tmp.file('good.nii');

  it('header lies about data length (.nii): "ends at slice k of N"', async () => {
    await writeVolume(good, vol);
    const b = readFileSync(good);
    const f = tmp.file('short.nii');
    writeFileSync(f, b.subarray(0, 352 + 3 * 128 + 10));
    await expectLumen(openVolume(f), 'truncated', /promises 8×8×6 voxels.*ends at slice 4 of 6/);
  });

  it('header lies about data length (.nii.gz, valid gzip of a short file)', async () => {
    await writeVolume(good, vol);
    const b = readFileSync(good);
    const f = tmp.file('short.nii.gz');
    writeFileSync(f, gzipSync(b.subarray(0, 352 + 2 * 128)));
    const r = await openVolume(f);
    await expectLumen(r.readSlices(0, 6), 'truncated', /ends at slice 3 of 6/);
    await r.close();
  });

  it('gzip stream cut short', async () => {
    const g = tmp.file('good.nii.gz');
    await writeVolume(g, patternVolume([20, 30, 30, 1], 'float32'));
    const b = readFileSync(g);
    const f = tmp.file('cut.nii.gz');
    writeFileSync(f, b.subarray(0, Math.floor(b.length / 2)));
    const e = await openVolume(f).then((r) => r.readSlices(0, 20)).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(LumenError);
    expect(['truncated', 'damaged']).toContain((e as LumenError).code);
  });

  it('dimensions claiming terabytes, plain and gzipped', async () => {
    await writeVolume(good, vol);
    const b = readFileSync(good);
    const dv = new DataView(b.buffer, b.byteOffset);
    dv.setInt16(42, 30000, true); dv.setInt16(44, 30000, true); dv.setInt16(46, 30000, true);
    const f = tmp.file('huge.nii');
    writeFileSync(f, b);
    await expectLumen(openVolume(f), 'truncated', /TB/);
    const g = tmp.file('huge.nii.gz');
    writeFileSync(g, gzipSync(b));
    await expectLumen(openVolume(g), 'too-large', /more than gzip can shrink/);
  });

  it('zero and NaN pixdim', async () => {
    for (const [name, v] of [['zero', 0], ['nan', NaN]] as const) {
      await writeVolume(good, vol);
      const b = readFileSync(good);
      new DataView(b.buffer, b.byteOffset).setFloat32(76 + 8, v, true); // pixdim[2] = y
      const f = tmp.file(`pix-${name}.nii`);
      writeFileSync(f, b);
      await expectLumen(openVolume(f), 'bad-input', /voxel size along y/);
    }
  });

  it('unsupported datatype (complex) and .hdr/.img pairs', async () => {
    await writeVolume(good, vol);
    const b = readFileSync(good);
    new DataView(b.buffer, b.byteOffset).setInt16(70, 32, true);
    const f = tmp.file('complex.nii');
    writeFileSync(f, b);
    await expectLumen(openVolume(f), 'unsupported', /complex/);
    const c = readFileSync(good);
    c.set([0x6e, 0x69, 0x31, 0], 344);
    const h = tmp.file('pair.hdr');
    writeFileSync(h, c.subarray(0, 348));
    await expectLumen(openVolume(h), 'unsupported', /\.hdr\/\.img/);
  });

  it('vox_offset inside the header and a bad dim[0]', async () => {
    await writeVolume(good, vol);
    const b = readFileSync(good);
    new DataView(b.buffer, b.byteOffset).setFloat32(108, 10, true);
    const f = tmp.file('voxoff.nii');
    writeFileSync(f, b);
    await expectLumen(openVolume(f), 'bad-input', /inside the header/);
    const c = readFileSync(good);
    new DataView(c.buffer, c.byteOffset).setInt16(40, 9, true);
    writeFileSync(f, c);
    await expectLumen(openVolume(f), 'bad-input', /9 dimensions/);
  });
});

describe('NaN-filled float data', () => {
  it('all NaN: reported as bad input, no crash', async () => {
    const f = tmp.file('nan.nii');
    writeFileSync(f, encodeTestNifti2({ shape: [2, 3, 3, 1], data: new Float32Array(18).fill(NaN), datatype: 16, bitpix: 32 }, { pixdim: [1, 1, 1] }));
    await expectLumen(readVolume(f), 'bad-input', /all 18 voxels are NaN/);
    // headers alone are fine: info works
    const r = await openVolume(f);
    expect(r.info.dtype).toBe('float32');
    await r.close();
  });

  it('some NaN: the volume is returned and the count recorded', async () => {
    const v = patternVolume([2, 4, 4, 1], 'float32');
    v.data[3] = NaN; v.data[9] = Infinity;
    const f = tmp.file('somenan.tif');
    await writeVolume(f, v);
    const back = await readVolume(f);
    expect((back.source?.header as { nonFinite: number }).nonFinite).toBe(2);
  });
});

describe('bad write requests', () => {
  it('unknown output extension and shape mismatch with "like"', async () => {
    await expectLumen(writeVolume(tmp.file('out.jpg'), small), 'bad-input', /\.tif, \.tiff, \.nii, \.nii\.gz or \.zarr/);
    const mri = await openVolume(path.join(DATA, 'mri/inia19-t1-brain.nii.gz'));
    await expectLumen(writeVolume(tmp.file('x.nii'), small, { like: mri.info }), 'shape-mismatch', /line up/);
    await mri.close();
  });

  it('zero spacing cannot be written', async () => {
    const v = patternVolume([1, 2, 2, 1], 'uint8');
    v.geometry.spacing = [1, 0, 1];
    await expectLumen(writeVolume(tmp.file('z.tif'), v), 'bad-input', /voxel size along y/);
    await expectLumen(writeVolume(tmp.file('z.nii'), v), 'bad-input', /voxel size along y/);
  });
});
