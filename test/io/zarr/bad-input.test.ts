// Damaged or unsupported OME-Zarr input becomes one readable LumenError line naming the chunk or
// file; a write that fails or is aborted leaves nothing under the output's name, and a write that
// succeeds leaves no temporary files behind.
import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'fflate';
import { isLumenError } from '../../../src-shared/errors.ts';
import { convertVolume, openVolume, openVolumeWriter, readVolume, writeVolume } from '../../../src-shared/io/index.ts';
import { openOmeZarr } from '../../../src-shared/io/zarr/index.ts';
import { patternVolume, sameVoxels, tempDir } from '../helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Rejects with a LumenError of `code` whose one-line message matches `pattern`. */
async function expectLumenError(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(isLumenError(e), `not a LumenError: ${String(e)}`).toBe(true);
  const err = e as Error & { code: string };
  expect(err.code).toBe(code);
  expect(err.message).toMatch(pattern);
  expect(err.message).not.toContain('\n');
}

const vol = patternVolume([10, 40, 36, 1], 'uint16', 31);
let n = 0;
async function fresh(zarrFormat: 2 | 3 = 3): Promise<string> {
  const p = tmp.file(`img${n++}.zarr`);
  await writeVolume(p, vol, { zarrFormat, chunks: [4, 16, 16] });
  return p;
}
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));

describe('damaged chunks', () => {
  it('a missing chunk is an error naming its key, not a block of zeros (v3 and v2)', async () => {
    const p3 = await fresh(3);
    unlinkSync(path.join(p3, '0/c/1/2/0'));
    await expectLumenError(readVolume(p3), 'truncated', /chunk 0\/c\/1\/2\/0 .*is missing/);
    const p2 = await fresh(2);
    unlinkSync(path.join(p2, '0/2/0/1'));
    await expectLumenError(readVolume(p2), 'truncated', /chunk 0\/2\/0\/1 .*is missing/);
    // the rest of the image still reads: a box that avoids the hole
    const r = await openOmeZarr(p2);
    expect((await r.readRegion([0, 0, 0], [8, 16, 16])).shape).toEqual([8, 16, 16, 1]);
  });

  it('a chunk that does not decompress, and one of the wrong length, are named', async () => {
    const p = await fresh(3);
    writeFileSync(path.join(p, '0/c/0/1/1'), 'this is not gzip data at all');
    await expectLumenError(readVolume(p), 'bad-input', /chunk 0\/c\/0\/1\/1 of .* cannot be decoded/);
    const q = await fresh(3);
    writeFileSync(path.join(q, '0/c/2/0/0'), gzipSync(new Uint8Array(100)));
    await expectLumenError(readVolume(q), 'bad-input', /chunk 0\/c\/2\/0\/0 of .* holds 50 values where its shape needs 1024/);
  });
});

describe('unsupported or foreign metadata', () => {
  it('a codec zarrita does not know (v3 and v2) is refused at open, naming it', async () => {
    const p = await fresh(3);
    const meta = json(path.join(p, '0/zarr.json'));
    meta.codecs[1] = { name: 'fancy-squeeze', configuration: {} };
    writeFileSync(path.join(p, '0/zarr.json'), JSON.stringify(meta));
    await expectLumenError(openVolume(p), 'unsupported', /codec 'fancy-squeeze'/);
    const q = await fresh(2);
    const za = json(path.join(q, '0/.zarray'));
    za.compressor = { id: 'lzma', preset: 1 };
    writeFileSync(path.join(q, '0/.zarray'), JSON.stringify(za));
    await expectLumenError(openVolume(q), 'unsupported', /0\/\.zarray uses the codec 'lzma'/);
  });

  it('complex voxels are refused', async () => {
    const p = await fresh(2);
    const za = json(path.join(p, '0/.zarray'));
    za.dtype = '<c8';
    writeFileSync(path.join(p, '0/.zarray'), JSON.stringify(za));
    await expectLumenError(openVolume(p), 'unsupported', /stores <c8 voxels/);
  });

  it('folders that are not OME-Zarr images', async () => {
    const empty = tmp.file('empty.zarr');
    mkdirSync(empty);
    await expectLumenError(openVolume(empty), 'bad-input', /is not an OME-Zarr image \(no zarr\.json, \.zgroup or \.zattrs/);
    const plain = tmp.file('plain-group.zarr');
    mkdirSync(plain);
    writeFileSync(path.join(plain, 'zarr.json'), JSON.stringify({ zarr_format: 3, node_type: 'group', attributes: {} }));
    await expectLumenError(openVolume(plain), 'bad-input', /without OME-Zarr multiscales/);
    const p = await fresh(3);
    await expectLumenError(openVolume(path.join(p, '0')), 'bad-input', /single Zarr array/);
    writeFileSync(path.join(p, 'zarr.json'), '{ not json');
    await expectLumenError(openVolume(p), 'bad-input', /zarr\.json is not valid JSON/);
  });

  it('more than one time point is refused in one line', async () => {
    const p = tmp.file('movie.zarr');
    mkdirSync(path.join(p, '0'), { recursive: true });
    const axes = [{ name: 't', type: 'time' }, { name: 'z', type: 'space' }, { name: 'y', type: 'space' }, { name: 'x', type: 'space' }];
    writeFileSync(path.join(p, 'zarr.json'), JSON.stringify({ zarr_format: 3, node_type: 'group', attributes: { ome: { version: '0.5', multiscales: [{ axes, datasets: [{ path: '0', coordinateTransformations: [{ type: 'scale', scale: [1, 1, 1, 1] }] }] }] } } }));
    writeFileSync(path.join(p, '0/zarr.json'), JSON.stringify({
      zarr_format: 3, node_type: 'array', shape: [3, 4, 8, 8], data_type: 'uint8', fill_value: 0,
      chunk_grid: { name: 'regular', configuration: { chunk_shape: [1, 4, 8, 8] } },
      chunk_key_encoding: { name: 'default', configuration: { separator: '/' } }, codecs: [{ name: 'bytes' }],
    }));
    await expectLumenError(openVolume(p), 'unsupported', /has 3 time points/);
  });
});

describe('writing leaves nothing behind on failure, and no temporaries on success', () => {
  const listing = () => readdirSync(tmp.dir);

  it('abort() after some slices removes everything it wrote', () => {
    const before = listing();
    const out = tmp.file('aborted.zarr');
    const w = openVolumeWriter(out, vol, { chunks: [4, 16, 16] });
    w.writeSlices({ ...vol, shape: [5, 40, 36, 1], data: vol.data.subarray(0, 5 * 40 * 36) });
    w.abort();
    expect(existsSync(out)).toBe(false);
    expect(listing()).toEqual(before);
  });

  it('a reader that fails midway (convertVolume) leaves no output', async () => {
    const before = listing();
    const out = tmp.file('failed.zarr');
    const failing = {
      info: { shape: vol.shape, dtype: vol.dtype, geometry: vol.geometry, format: 'tiff' as const, source: { format: 'generated' as const } },
      async readSlices(z0: number, z1: number) {
        if (z0 >= 6) throw new Error('disk went away');
        const plane = 40 * 36;
        return { ...vol, shape: [z1 - z0, 40, 36, 1] as [number, number, number, number], data: vol.data.slice(z0 * plane, z1 * plane) };
      },
      async close() {},
    };
    await expect(convertVolume(failing, out, { slabBytes: 40 * 36 * 4 * 3 })).rejects.toThrow(/disk went away/);
    expect(listing()).toEqual(before);
  });

  it('closing with slices missing is refused and leaves nothing', () => {
    const before = listing();
    const out = tmp.file('short.zarr');
    const w = openVolumeWriter(out, vol);
    w.writeSlices({ ...vol, shape: [3, 40, 36, 1], data: vol.data.subarray(0, 3 * 40 * 36) });
    expect(() => w.close()).toThrow(/only 3 were written/);
    w.abort();
    expect(listing()).toEqual(before);
  });

  it('a successful write leaves no temporary or partial files; rewriting an OME-Zarr replaces it', async () => {
    const out = tmp.file('clean.zarr');
    await writeVolume(out, patternVolume([10, 40, 36, 1], 'uint16', 1));
    await writeVolume(out, vol, { zarrFormat: 2 });
    const all = readdirSync(out, { recursive: true, encoding: 'utf8' });
    expect(all.filter((f) => /tmp-|partial|\.old/.test(f))).toEqual([]);
    expect(readdirSync(tmp.dir).filter((f) => /tmp-|partial|\.old/.test(f))).toEqual([]);
    expect(existsSync(path.join(out, 'zarr.json'))).toBe(false); // the v3 image was replaced, not mixed in
    expect(sameVoxels(vol, await readVolume(out))).toBe(true);
  });

  it('an existing folder that is not an OME-Zarr is never overwritten', () => {
    const out = tmp.file('precious.zarr');
    mkdirSync(out);
    writeFileSync(path.join(out, 'notes.txt'), 'keep me');
    expect(() => openVolumeWriter(out, vol)).toThrow(/exists and is not an OME-Zarr image/);
    expect(readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('keep me');
    rmSync(out, { recursive: true });
  });
});
