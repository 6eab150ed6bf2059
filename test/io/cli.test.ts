// `lumen info` and `lumen convert` as a user runs them: a child process on bin/lumen.mjs.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readVolume } from '../../src-shared/io/index.ts';
import { DATA, REPO, sameVoxels, tempDir } from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function lumen(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/lumen.mjs'), ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

function oneJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

describe('lumen info', () => {
  it('MRI: shape, dtype, spacing, affine, orientation', () => {
    const r = lumen('info', path.join(DATA, 'mri/inia19-t1-brain.nii.gz'));
    expect(r.code).toBe(0);
    const j = oneJsonLine(r.stdout);
    expect(j).toMatchObject({ shape: [128, 206, 168], dtype: 'float32', spacing: [0.5, 0.5, 0.5], format: 'nifti', orientation: 'RAS' });
    expect(j.affine).toEqual([0.5, 0, 0, -42, 0, 0.5, 0, -57.5, 0, 0, 0.5, -30, 0, 0, 0, 1]);
  });

  it('VesselNN TIFF, DRIVE RGB TIFF, DRIVE GIF, a folder', () => {
    expect(oneJsonLine(lumen('info', path.join(DATA, 'vesselnn/burgess2014_tgMouse_image.tif')).stdout))
      .toMatchObject({ shape: [15, 512, 512], dtype: 'uint8', format: 'tiff', unit: 'unknown', compression: 'LZW' });
    expect(oneJsonLine(lumen('info', path.join(DATA, 'drive/images/22_training.tif')).stdout))
      .toMatchObject({ shape: [1, 584, 565, 3], dtype: 'uint8' });
    expect(oneJsonLine(lumen('info', path.join(DATA, 'drive/fov/22_training_mask.gif')).stdout))
      .toMatchObject({ shape: [1, 584, 565], format: 'gif' });
    expect(oneJsonLine(lumen('info', path.join(DATA, 'drive/labels')).stdout))
      .toMatchObject({ shape: [20, 584, 565], format: 'slices' });
  });

  it('bad input: non-zero exit and a one-line reason on stderr', () => {
    const f = tmp.file('junk.tif');
    writeFileSync(f, 'not an image at all');
    for (const args of [['info', f], ['info', tmp.file('missing.nii')], ['info']]) {
      const r = lumen(...args);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^lumen info: /);
    }
  });
});

describe('lumen convert', () => {
  it('TIFF → NIfTI.gz → TIFF keeps voxels', async () => {
    const src = path.join(DATA, 'vesselnn/poon2015_BBB_noLeakage_labels.tif');
    const nii = tmp.file('labels.nii.gz');
    const tif = tmp.file('labels.tif');
    expect(lumen('convert', src, nii).code).toBe(0);
    expect(lumen('convert', nii, tif, '--compression', 'deflate').code).toBe(0);
    const a = await readVolume(src);
    expect(sameVoxels(a, await readVolume(nii))).toBe(true);
    expect(sameVoxels(a, await readVolume(tif))).toBe(true);
  });

  it('NIfTI → TIFF keeps spacing; a folder of GIFs → one TIFF stack', async () => {
    const tif = tmp.file('mri.tif');
    expect(lumen('convert', path.join(DATA, 'mri/inia19-t1-brain.nii.gz'), tif).code).toBe(0);
    const info = oneJsonLine(lumen('info', tif).stdout);
    expect(info).toMatchObject({ shape: [128, 206, 168], dtype: 'float32', spacing: [0.5, 0.5, 0.5] });
    const stack = tmp.file('fov.tif');
    expect(lumen('convert', path.join(DATA, 'drive/fov'), stack).code).toBe(0);
    expect(oneJsonLine(lumen('info', stack).stdout)).toMatchObject({ shape: [20, 584, 565], dtype: 'uint8' });
  });

  it('--like copies the reference NIfTI geometry onto a TIFF label map', async () => {
    const mri = path.join(DATA, 'mri/inia19-t1-brain.nii.gz');
    const tif = tmp.file('mri-as-tif.tif');
    expect(lumen('convert', mri, tif).code).toBe(0);
    const out = tmp.file('aligned.nii');
    expect(lumen('convert', tif, out, '--like', mri).code).toBe(0);
    const j = oneJsonLine(lumen('info', out).stdout);
    expect(j.affine).toEqual([0.5, 0, 0, -42, 0, 0.5, 0, -57.5, 0, 0, 0.5, -30, 0, 0, 0, 1]);
  });

  it('bad requests exit non-zero with one line', () => {
    const src = path.join(DATA, 'vesselnn/burgess2014_tgMouse_labels.tif');
    for (const args of [['convert', src, tmp.file('out.jpg')], ['convert', src], ['convert', tmp.file('nothing.tif'), tmp.file('o.tif')], ['convert', src, tmp.file('o.tif'), '--compression', 'zip']]) {
      const r = lumen(...args);
      expect(r.code).not.toBe(0);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^lumen convert: /);
    }
  });
});
