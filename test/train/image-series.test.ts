// A z-stack and separate images in one file: the pixel classifier must not filter across separate
// images, and `auto` must not treat them as planes far from the labeled one.
import { describe, expect, it } from 'vitest';
import { readVolume } from '../../src-shared/io/index.ts';
import { isImageSeries, kthSmallest, neighbourPlaneCorrelation, SERIES_MAX_CORRELATION } from '../../src-shared/train/image-series.ts';
import { trainPixelClassifier } from '../../src-shared/classic/index.ts';
import { runAuto } from '../../src-shared/train/auto/run-auto.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { dataPath } from '../shared-data.ts';
import { blobs, labelPlanes } from '../classic/synthetic.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });

/** Channel 0 of the first `depth` planes (or of several files stacked) as planar float. */
async function planes(paths: string[], depth = Infinity): Promise<{ image: Float32Array; shape: [number, number, number] }> {
  const vols = await Promise.all(paths.map((p) => readVolume(p)));
  const [, H, W, C] = vols[0]!.shape;
  const slices: Float32Array[] = [];
  for (const v of vols) for (let z = 0; z < Math.min(v.shape[0], depth); z++) {
    const s = new Float32Array(H * W);
    for (let i = 0; i < H * W; i++) s[i] = Number(v.data[(z * H * W + i) * C]);
    slices.push(s);
  }
  const image = new Float32Array(slices.length * H * W);
  slices.forEach((s, z) => image.set(s, z * H * W));
  return { image, shape: [slices.length, H, W] };
}

describe('image series or z-stack', () => {
  it('tells a two-photon stack from DRIVE photographs stacked in one file', async () => {
    const stack = await planes([dataPath('vesselnn/burgess2014_tgMouse_image.tif')], 6);
    const photos = await planes(['21', '22', '23', '24'].map((id) => dataPath('drive/images', `${id}_training.tif`)));
    expect(neighbourPlaneCorrelation(stack.image, stack.shape)!).toBeGreaterThan(1.5 * SERIES_MAX_CORRELATION);
    expect(neighbourPlaneCorrelation(photos.image, photos.shape)!).toBeLessThan(SERIES_MAX_CORRELATION / 2);
    expect(isImageSeries(stack)).toBe(false);
    expect(isImageSeries(photos)).toBe(true);
    // all three colour channels of photographs 21–23, two of which share the round field of view's outline
    const rgb = await Promise.all(['21', '22', '23'].map((id) => readVolume(dataPath('drive/images', `${id}_training.tif`))));
    const [, H, W, C] = rgb[0]!.shape, n = 3 * H * W;
    const planar = new Float32Array(C * n);
    rgb.forEach((v, z) => { for (let i = 0; i < H * W; i++) for (let c = 0; c < C; c++) planar[c * n + z * H * W + i] = Number(v.data[i * C + c]); });
    expect(isImageSeries({ image: planar, shape: [3, H, W], channels: C })).toBe(true);
  });

  it('a synthetic stack of blobs is a stack; the same blobs as separate images are a series, and the forest filters them plane by plane', async () => {
    const stack = labelPlanes(blobs([10, 40, 40], 2, 3), 0, [4]).volume;
    expect(isImageSeries(stack)).toBe(false);
    const images = [1, 2, 3, 4].map((seed) => blobs([1, 40, 40], 2, seed));
    const image = new Float32Array(4 * 1600), labels = new Uint8Array(4 * 1600);
    images.forEach((s, z) => image.set(s.volume.image, z * 1600));
    labels.set(images[0]!.truth); // one image labeled
    const series = { shape: [4, 40, 40] as [number, number, number], channels: 1, image, labels };
    expect(isImageSeries(series)).toBe(true);
    expect(isImageSeries({ image: new Float32Array(1600), shape: [1, 40, 40] })).toBe(false); // one plane: nothing to compare
    const { model } = await trainPixelClassifier([series], { seed: 1, trees: 10 }, { factory: runtime.factory });
    expect(model.features.dims).toBe(2);
    expect((await trainPixelClassifier([stack], { seed: 1, trees: 10 }, { factory: runtime.factory })).model.features.dims).toBe(3);
  });

  it('auto keeps networks out when one of four separate images is labeled, and says to label more images', async () => {
    const images = [5, 6, 7, 8].map((seed) => blobs([1, 40, 40], 2, seed));
    const image = new Float32Array(4 * 1600), labels = new Uint8Array(4 * 1600);
    images.forEach((s, z) => image.set(s.volume.image, z * 1600));
    labels.set(images[1]!.truth, 1600);
    const r = await runAuto([{ shape: [4, 40, 40], channels: 1, image, labels }], { effort: 0.05, seed: 1 }, { factory: runtime.factory });
    expect(r.report.chosen).toMatch(/pixel-classifier/);
    const skipped = r.report.candidates.filter((c) => c.skipped);
    expect(skipped.map((c) => c.name)).toEqual(expect.arrayContaining(['2d', '2d on pixel classifier']));
    expect(skipped[0]!.skipped).toMatch(/labeled images are 1 of the 4/);
  }, 120_000);
});

describe('kthSmallest', () => {
  it('picks what a full sort puts at k, with repeats, sorted and reversed runs', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const cases = [
      Float32Array.from({ length: 1001 }, () => rand()),
      Float32Array.from({ length: 500 }, () => Math.floor(rand() * 4)), // many ties
      Float32Array.from({ length: 300 }, (_, i) => i),
      Float32Array.from({ length: 300 }, (_, i) => -i),
      Float32Array.of(5),
    ];
    for (const v of cases) {
      const sorted = Float32Array.from(v).sort();
      for (const k of [0, 1, v.length >> 1, v.length - 1]) expect(kthSmallest(Float32Array.from(v), k)).toBe(sorted[k]);
    }
  });
});
