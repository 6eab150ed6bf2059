// Volumes of any size: training patches are multiples of the network's size multiple and pad where
// a volume is thinner than that; inference covers the same shapes; non-finite voxels and absurd
// sizes end in a readable line, not a crash.
import { describe, expect, it } from 'vitest';
import { samplePatch, trainingPatch, roundPatchToNetwork, type PatchSource } from '../../src-shared/train/patches.ts';
import { sizeMultiple, REFERENCE_UNET3D, type UNetConfig } from '../../src-shared/nn/unet.ts';
import { modelAnisotropic3d, modelSlices2d, model2d } from '../../src-shared/train/strategies/networks.ts';
import { fit } from '../../src-shared/train/fit.ts';
import { slidingWindowPredict, unetPatchModel } from '../../src-shared/infer/index.ts';
import { zscore } from '../../src-shared/train/normalize.ts';
import { checkFitsInMemory } from '../../src-shared/io/memory-budget.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';
import { failureLine } from '../../src-main/cli.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { checkVolumeOutput, readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../shared-data.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });
const iso3d: UNetConfig = { ...REFERENCE_UNET3D, channels: [4, 8, 16, 32] }; // halves every axis 3 times: multiple 8

describe('trainingPatch', () => {
  it('rounds to the network size multiple per axis and covers small volumes, as inference does', () => {
    // the reported crash: a 2D net (multiple 8) on 61×57 slices got a 57-wide patch
    expect(trainingPatch(modelSlices2d(1), [31, 61, 57], [1, 128, 128])).toEqual([1, 64, 64]);
    expect(trainingPatch(modelAnisotropic3d(1), [31, 61, 57], [8, 96, 96])).toEqual([8, 64, 60]);
    expect(trainingPatch(modelAnisotropic3d(1), [4, 40, 40], [8, 96, 96])).toEqual([4, 40, 40]);
    expect(trainingPatch(iso3d, [4, 40, 40], [8, 96, 96])).toEqual([8, 40, 40]);
    expect(trainingPatch(model2d(1), [1, 3000, 4000], [1, 128, 128])).toEqual([1, 128, 128]);
    // a 2D net on y-planes of a 15-slice stack (the axis moved to the front: planes are 15 × W)
    expect(trainingPatch(modelSlices2d(1), [61, 15, 57], [1, 128, 128])).toEqual([1, 16, 64]);
    expect(trainingPatch(model2d(3), [1, 1, 48], [1, 128, 128])).toEqual([1, 8, 48]);
  });

  it('gives every axis a positive multiple of the size multiple, never beyond the preferred size rounded up', () => {
    const rand = seededRandom(3);
    for (const config of [modelSlices2d(1), model2d(3), modelAnisotropic3d(1), iso3d]) {
      const m = config.dims === 3 ? sizeMultiple(config) : [1, ...sizeMultiple(config)];
      for (let t = 0; t < 200; t++) {
        const shape = [1 + Math.floor(rand() * 70), 1 + Math.floor(rand() * 300), 1 + Math.floor(rand() * 300)];
        const preferred = [1 + Math.floor(rand() * 16), 1 + Math.floor(rand() * 160), 1 + Math.floor(rand() * 160)];
        const p = trainingPatch(config, shape, preferred);
        p.forEach((v, i) => {
          expect(v % m[i]!, `${config.dims}D ${shape} → ${p}`).toBe(0);
          expect(v).toBeGreaterThanOrEqual(m[i]!);
          if (config.dims === 3 || i > 0) {
            expect(v).toBeLessThanOrEqual(Math.ceil(preferred[i]! / m[i]!) * m[i]!);
            // a patch shorter than the volume is never shorter than what was asked for
            expect(v >= shape[i]! || v >= preferred[i]!).toBe(true);
          }
        });
        if (config.dims === 2) expect(p[0]).toBe(1);
      }
    }
    expect(roundPatchToNetwork(modelSlices2d(1), [1, 57, 57])).toEqual([1, 64, 64]);
    expect(roundPatchToNetwork(modelAnisotropic3d(1), [3, 57, 40])).toEqual([3, 60, 40]);
  });
});

/** A D×H×W source whose image holds each voxel's 1-based index, so every patch voxel says where it came from. */
function indexedSource(D: number, H: number, W: number, channels = 1): PatchSource {
  const n = D * H * W;
  const image = new Float32Array(n * channels);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) image[c * n + i] = (c + 1) * 100000 + i + 1;
  return { shape: [D, H, W], channels, image, target: Float32Array.from({ length: n }, (_, i) => i % 2), weight: new Float32Array(n).fill(1) };
}

describe('samplePatch padding', () => {
  it('places the whole of a volume thinner than the patch inside it once, with image, target and weight 0 around it', () => {
    const [D, H, W] = [3, 5, 7], src = indexedSource(D, H, W, 2), n = D * H * W;
    const rand = seededRandom(11);
    for (let t = 0; t < 50; t++) {
      const size: [number, number, number] = [4, 8, 8];
      const p = samplePatch(src, { size, flips: true, rotations: true }, rand);
      const m = 4 * 8 * 8;
      const seen = new Set<number>();
      for (let k = 0; k < m; k++) {
        const id = p.image[k]!;
        if (p.weight[k] === 0) {
          expect([p.image[k], p.image[m + k], p.target[k]]).toEqual([0, 0, 0]);
          continue;
        }
        const i = id - 100001;
        expect(i >= 0 && i < n).toBe(true);
        expect(seen.has(i)).toBe(false);
        seen.add(i);
        expect(p.image[m + k]).toBe(200001 + i); // channels stay together
        expect(p.target[k]).toBe(i % 2);
      }
      expect(seen.size).toBe(n);
    }
  });

  it('crops along axes where the volume is larger and pads where it is smaller, keeping neighbours adjacent', () => {
    const [D, H, W] = [1, 40, 5], src = indexedSource(D, H, W);
    const rand = seededRandom(5);
    for (let t = 0; t < 30; t++) {
      const p = samplePatch(src, { size: [1, 16, 8], flips: false }, rand);
      for (let y = 0; y < 16; y++) {
        const row = Array.from(p.image.subarray(y * 8, y * 8 + 8));
        const inside = row.filter((v) => v > 0);
        expect(inside.length).toBe(5); // the 5 columns, somewhere in the 8
        for (let x = 1; x < 5; x++) expect(inside[x]! - inside[x - 1]!).toBe(1);
        if (y > 0) expect(inside[0]! - p.image.subarray((y - 1) * 8, y * 8).find((v) => v > 0)!).toBe(W);
      }
    }
  });

  it('finds labels too sparse for random draws: a 3×3 stroke on a 1×300×400 image', () => {
    const [H, W] = [300, 400], src = indexedSource(1, H, W);
    src.weight.fill(0);
    for (let y = 200; y < 203; y++) for (let x = 310; x < 313; x++) src.weight[y * W + x] = 1;
    const rand = seededRandom(2);
    for (let t = 0; t < 40; t++) {
      const p = samplePatch(src, { size: [1, 32, 32], flips: true, rotations: true, labeledFraction: 1 }, rand);
      expect(p.weight.some((w) => w > 0)).toBe(true);
    }
  });
});

describe('networks on volumes thinner than their size multiple', () => {
  /** A few real training steps on `shape` (labels everywhere) with the patch trainingPatch picks, then whole-volume inference. */
  async function trainAndPredict(model: UNetConfig, shape: [number, number, number], preferred: [number, number, number], predictPatch: number[]) {
    const n = shape[0] * shape[1] * shape[2];
    const rand = seededRandom(9);
    const image = Float32Array.from({ length: n * model.inChannels }, () => rand() - 0.5);
    const src: PatchSource = { shape, channels: model.inChannels, image, target: Float32Array.from(image.subarray(0, n), (v) => (v > 0 ? 1 : 0)), weight: new Float32Array(n).fill(1) };
    const patch = trainingPatch(model, shape, preferred);
    const r = await fit(runtime.factory, { model, train: [src], validation: [src], patch, batch: 2, steps: 4, evalEvery: 2, seed: 1 });
    expect(r.history.every((h) => Number.isFinite(h.loss))).toBe(true);
    const vol = makeVolume([...shape, model.inChannels], 'float32', model.inChannels === 1 ? image : interleave(image, n, model.inChannels));
    const out = await slidingWindowPredict(unetPatchModel(runtime.factory, { config: model, params: r.params }), vol, { patch: predictPatch, normalize: 'none' });
    expect(out.shape).toEqual([...shape, 1]);
    expect((out.data as Float32Array).every((p) => p >= 0 && p <= 1)).toBe(true);
    return patch;
  }

  it('a 2D net on 15-pixel-high planes and on a 1-pixel-high image; a 3D net that halves z on 4 slices', async () => {
    expect(await trainAndPredict(modelSlices2d(1), [3, 15, 57], [1, 128, 128], [1, 256, 256])).toEqual([1, 16, 64]);
    expect(await trainAndPredict({ ...modelSlices2d(3), channels: [4, 8] }, [1, 1, 30], [1, 128, 128], [1, 256, 256])).toEqual([1, 2, 30]);
    expect(await trainAndPredict(iso3d, [4, 40, 40], [8, 96, 96], [64, 64, 64])).toEqual([8, 40, 40]);
  }, 120_000);
});

function interleave(planar: Float32Array, n: number, c: number): Float32Array {
  const out = new Float32Array(n * c);
  for (let k = 0; k < c; k++) for (let i = 0; i < n; i++) out[i * c + k] = planar[k * n + i]!;
  return out;
}

describe('values and sizes a user can bring', () => {
  it('z-scores around NaN and ±Infinity voxels, which become 0, the mean', () => {
    const z = zscore([1, NaN, 3, Infinity, 5, -Infinity]);
    expect(Array.from(z).every(Number.isFinite)).toBe(true);
    expect([z[1], z[3], z[5]]).toEqual([0, 0, 0]);
    expect(z[0]).toBeCloseTo(-Math.sqrt(1.5), 5);
    expect(z[2]).toBeCloseTo(0, 5);
  });

  it('refuses a volume too large to hold before allocating it, as too-large', () => {
    const expectTooLarge = (f: () => void, message: RegExp) => {
      try { f(); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'too-large'), String(e)).toBe(true); expect((e as Error).message).toMatch(message); }
    };
    expectTooLarge(() => checkFitsInMemory({ shape: [5000, 40000, 40000, 1], dtype: 'uint8' }, 'huge.tif'), /huge.tif is 5000×40000×40000 voxels, more than one array can hold/);
    expectTooLarge(() => checkFitsInMemory({ shape: [100, 1000, 1000, 3], dtype: 'uint16' }, 'big.nii', { workingBytesPerVoxel: (c) => 12 * c + 40, budget: 1e9 }), /big.nii is 100×1000×1000×3 voxels and needs about 7[0-9.]* GB/);
    expect(() => checkFitsInMemory({ shape: [1, 3000, 4000, 1], dtype: 'uint16' }, 'wide.tif', { workingBytesPerVoxel: (c) => 12 * c + 40 })).not.toThrow();
  });

  it('readVolume checks the budget from the header, before reading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-sizes-'));
    try {
      const path = join(dir, 'small.tif');
      await writeVolume(path, makeVolume([2, 30, 40, 1], 'uint16'));
      await expect(readVolume(path, { workingBytesPerVoxel: 52, budget: 2 * 30 * 40 * 50 })).rejects.toMatchObject({ code: 'too-large' });
      expect((await readVolume(path, { workingBytesPerVoxel: 52, budget: 2 * 30 * 40 * 52 })).shape).toEqual([2, 30, 40, 1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks an output name and folder before any work', () => {
    expect(() => checkVolumeOutput('result.png')).toThrow(/cannot tell which format to write from the name result.png/);
    expect(() => checkVolumeOutput(join(tmpdir(), 'no-such-folder-7f3a', 'pred.tif'))).toThrow(/the folder .*no-such-folder-7f3a does not exist/);
    expect(() => checkVolumeOutput(join(tmpdir(), 'pred.nii.gz'))).not.toThrow();
  });

  it('lumen segment on an image of nothing but NaN: one readable line, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumen-sizes-'));
    try {
      const image = join(dir, 'nan.tif'), labels = join(dir, 'labels.tif');
      await writeVolume(image, makeVolume([2, 16, 16, 1], 'float32', new Float32Array(512).fill(NaN)));
      await writeVolume(labels, makeVolume([2, 16, 16, 1], 'uint8', Uint8Array.from({ length: 512 }, (_, i) => (i < 256 ? 1 + (i % 2) : 0))));
      const r = spawnSync('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), 'segment', '--image', image, '--labels', labels, '--out', join(dir, 'out.tif')], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('lumen'))).toEqual([expect.stringMatching(/^lumen segment: .*nan.tif contains no usable numbers: all 512 voxels are NaN or infinite$/)]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints one line for every failure: the reason for a user error, "internal error" and where to report otherwise', () => {
    const bug = failureLine('segment', new Error('cannot broadcast [4,1,64,64]\n with [4,1,57,57]'));
    expect(bug.split('\n')).toHaveLength(1);
    expect(bug).toMatch(/^lumen segment: internal error: cannot broadcast \[4,1,64,64\] with \[4,1,57,57\]\. This is a bug in Lumen.*report it.*LUMEN_DEBUG=1/);
    expect(failureLine('predict', new RangeError('Array buffer allocation failed'))).toMatch(/^lumen predict: not enough memory/);
    try { checkFitsInMemory({ shape: [5000, 40000, 40000, 1], dtype: 'uint8' }, 'huge.tif'); } catch (e) {
      expect(failureLine('segment', e)).toMatch(/^lumen segment: huge.tif is 5000×40000×40000 voxels/);
    }
  });
});
