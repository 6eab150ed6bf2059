// `lumen convert` to and from OME-Zarr and `lumen info` on one, as a user runs them.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { readVolume } from '../../../src-shared/io/index.ts';
import { DATA, REPO, sameVoxels, tempDir } from '../helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function lumen(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/lumen.mjs'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

describe('lumen convert / info with OME-Zarr', () => {
  it('VesselNN TIFF → OME-Zarr v2 with chunks → TIFF; info reports format, version, chunks, levels', async () => {
    const src = path.join(DATA, 'vesselnn/burgess2014_tgMouse_image.tif');
    const z = tmp.file('vessels.ome.zarr');
    const back = tmp.file('vessels.tif');
    const c = lumen('convert', src, z, '--zarr-format', '2', '--chunks', '8,128,128');
    expect(c.code, c.stderr).toBe(0);
    const info = JSON.parse(lumen('info', z).stdout);
    expect(info).toMatchObject({
      shape: [15, 512, 512], dtype: 'uint8', format: 'zarr', ngffVersion: '0.4', zarrFormat: 2, chunks: [8, 128, 128], codecs: ['zlib'],
      levels: [[15, 512, 512], [8, 256, 256]], // no voxel size in the file: isotropic, so z halves too
    });
    expect(lumen('convert', z, back).code).toBe(0);
    expect(sameVoxels(await readVolume(src), await readVolume(back))).toBe(true);
  });

  it('DRIVE RGB TIFF → OME-Zarr (v3, default) keeps the three channels', async () => {
    const src = path.join(DATA, 'drive/images/22_training.tif');
    const z = tmp.file('fundus.zarr');
    expect(lumen('convert', src, z).code).toBe(0);
    expect(JSON.parse(lumen('info', z).stdout)).toMatchObject({ shape: [1, 584, 565, 3], format: 'zarr', ngffVersion: '0.5', levels: [[1, 584, 565, 3], [1, 292, 283, 3], [1, 146, 142, 3]] });
    expect(sameVoxels(await readVolume(src), await readVolume(z))).toBe(true);
  });

  it('bad flags and damaged input: non-zero exit and one line on stderr', async () => {
    const src = path.join(DATA, 'vesselnn/poon2015_BBB_noLeakage_labels.tif');
    const z = tmp.file('labels.zarr');
    expect(lumen('convert', src, z, '--labels', '--chunks', '16,64,64').code).toBe(0);
    unlinkSync(path.join(z, '0/c/0/1/1'));
    for (const args of [
      ['convert', src, tmp.file('x.zarr'), '--zarr-format', '4'],
      ['convert', src, tmp.file('x.zarr'), '--chunks', '8,8'],
      ['convert', src, tmp.file('x.tif'), '--zarr-format', '2'],
      ['convert', z, tmp.file('y.tif')],
      ['info', tmp.file('nothing.zarr')],
    ]) {
      const r = lumen(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.split('\n'), r.stderr).toHaveLength(1);
    }
    expect(lumen('convert', z, tmp.file('y.tif')).stderr).toMatch(/chunk 0\/c\/0\/1\/1 .*missing/);
    expect(existsSync(tmp.file('x.zarr')) || existsSync(tmp.file('y.tif'))).toBe(false);
  });
});
