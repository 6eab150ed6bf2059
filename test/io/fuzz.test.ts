// Mutation fuzzing of every reader on small real files: each mutated file must either read as
// a consistent Volume or fail with a LumenError — never another exception, crash or hang.
// Seeded and bounded (ITERATIONS per format); seeds that ever failed live in
// regressions/seeds.json and are replayed first.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import omggif from 'omggif';
import { isLumenError } from '../../src-shared/errors.ts';
import type { Volume } from '../../src-shared/volume.ts';
import { readVolume, writeVolume, writeTiff } from '../../src-shared/io/index.ts';
import { DATA, encodeTestNifti2, encodeTestTiff, mutate, tempDir } from './helpers.ts';

const ITERATIONS = Number(process.env.LUMEN_FUZZ_ITERATIONS ?? 200);
const tmp = tempDir();
afterAll(() => tmp.cleanup());
const seeds = JSON.parse(readFileSync(path.join(__dirname, 'regressions', 'seeds.json'), 'utf8')) as Record<string, number[]>;

/** A 3×48×40 crop of a real VesselNN stack (and of the MRI, a DRIVE label) as test subjects. */
async function subjects(): Promise<Record<string, { bytes: Uint8Array; ext: string }>> {
  const stack = await readVolume(path.join(DATA, 'vesselnn/poon2015_BBB_noLeakage_image.tif'));
  const [d, h, w] = [3, 48, 40];
  const crop = new Uint8Array(d * h * w);
  for (let z = 0; z < d; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    crop[(z * h + y) * w + x] = stack.data[((z + 10) * 512 + y + 200) * 512 + x + 200]!;
  }
  const small: Volume = { shape: [d, h, w, 1], dtype: 'uint8', data: crop, geometry: { spacing: [2, 0.5, 0.5], unit: 'um' } };
  const pages = [0, 1, 2].map((z) => crop.slice(z * h * w, (z + 1) * h * w));
  const out: Record<string, { bytes: Uint8Array; ext: string }> = {};
  out['tiff-lzw'] = { ext: '.tif', bytes: encodeTestTiff({ width: w, height: h, dtype: 'uint8', pages, compression: 'lzw', rowsPerStrip: 16, description: 'ImageJ=1.53t\nimages=3\nslices=3\nunit=micron\nspacing=2\n' }) };
  for (const [name, opts] of [['tiff-deflate', { compression: 'deflate' }], ['tiff-raw', {}], ['bigtiff', { bigTiff: true }]] as const) {
    const f = tmp.file(`${name}.tif`);
    writeTiff(f, small, opts);
    out[name] = { ext: '.tif', bytes: new Uint8Array(readFileSync(f)) };
  }
  const mri = await readVolume(path.join(DATA, 'mri/inia19-t1-brain.nii.gz'));
  const m = new Float32Array(4 * 20 * 16);
  for (let z = 0; z < 4; z++) for (let y = 0; y < 20; y++) for (let x = 0; x < 16; x++) m[(z * 20 + y) * 16 + x] = mri.data[((z + 60) * 206 + y + 90) * 168 + x + 80]!;
  const mv: Volume = { shape: [4, 20, 16, 1], dtype: 'float32', data: m, geometry: mri.geometry, source: mri.source };
  for (const ext of ['.nii', '.nii.gz']) {
    const f = tmp.file(`m${ext}`);
    await writeVolume(f, mv);
    out[ext === '.nii' ? 'nifti' : 'nifti-gz'] = { ext, bytes: new Uint8Array(readFileSync(f)) };
  }
  out.nifti2 = { ext: '.nii', bytes: encodeTestNifti2({ shape: [4, 20, 16, 1], data: m, datatype: 16, bitpix: 32 }, { pixdim: [0.5, 0.5, 0.5], srow: [0.5, 0, 0, 1, 0, 0.5, 0, 2, 0, 0, 0.5, 3], sformCode: 1 }) };
  const label = await readVolume(path.join(DATA, 'drive/labels/21_manual1.gif'));
  const lw = 32, lh = 24;
  const lab = new Uint8Array(lw * lh);
  for (let y = 0; y < lh; y++) for (let x = 0; x < lw; x++) lab[y * lw + x] = label.data[(y + 280) * 565 + x + 280]!;
  out.png = { ext: '.png', bytes: encodePng({ width: lw, height: lh, data: lab, channels: 1, depth: 8 }) };
  const gbuf = new Uint8Array(lw * lh * 2 + 2048);
  const gw = new omggif.GifWriter(gbuf, lw, lh, { palette: [0x000000, 0xffffff] });
  gw.addFrame(0, 0, lw, lh, Array.from(lab, (v) => (v > 0 ? 1 : 0)));
  out.gif = { ext: '.gif', bytes: gbuf.slice(0, gw.end()) };
  return out;
}

function consistent(v: Volume): boolean {
  const n = v.shape.reduce((a, x) => a * x, 1);
  return v.shape.every((x) => Number.isInteger(x) && x >= 1) && v.data.length === n && v.geometry.spacing.every((s) => Number.isFinite(s) && s > 0);
}

describe('fuzz: mutated real files give a Volume or a LumenError, nothing else', async () => {
  const subs = await subjects();
  for (const [name, { bytes, ext }] of Object.entries(subs)) {
    it(`${name}: ${ITERATIONS} mutations (+${(seeds[name] ?? []).length} recorded seeds)`, async () => {
      // the unmutated subject itself must read
      const f0 = tmp.file(`${name}-orig${ext}`);
      writeFileSync(f0, bytes);
      expect(consistent(await readVolume(f0))).toBe(true);
      const failures: string[] = [];
      let ok = 0, refused = 0;
      const runSeeds = [...(seeds[name] ?? []), ...Array.from({ length: ITERATIONS }, (_, i) => 1000 + i)];
      for (const seed of runSeeds) {
        const f = tmp.file(`${name}-${seed}${ext}`);
        writeFileSync(f, mutate(bytes, seed * 7919 + name.length));
        try {
          const v = await readVolume(f);
          if (!consistent(v)) failures.push(`seed ${seed}: inconsistent volume ${v.shape.join('×')} with ${v.data.length} voxels`);
          else ok++;
        } catch (e) {
          if (isLumenError(e)) {
            refused++;
            if (!e.message || /undefined|\[object/.test(e.message)) failures.push(`seed ${seed}: unreadable message "${e.message}"`);
          } else failures.push(`seed ${seed}: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
        }
      }
      expect(failures, `${name} failures (add the seed to regressions/seeds.json once fixed)`).toEqual([]);
      expect(ok + refused).toBe(runSeeds.length);
    });
  }
});
