// Composite segmenters (a 2D network along y, the pixel classifier, their mean) as one ONNX graph:
// the graph's per-axis transposes must give exactly what the 2D network gives on the turned volume,
// and a model file must read back to the same predictions.
import { describe, expect, it } from 'vitest';
import { buildInferenceGraph } from '../../src-shared/nn/trainer.ts';
import type { UNetConfig } from '../../src-shared/nn/unet.ts';
import { unetPatchModel } from '../../src-shared/infer/patch-model.ts';
import { predictPlanar } from '../../src-shared/infer/predict-planar.ts';
import { fromAxisFront, toAxisFront, shapeAlong } from '../../src-shared/train/axis-view.ts';
import { predictSegmenter } from '../../src-shared/segmenter/predict.ts';
import { exportSegmenterOnnx, importSegmenterOnnx } from '../../src-shared/segmenter/model-file.ts';
import type { Segmenter } from '../../src-shared/segmenter/segmenter.ts';
import { predictPixelClassifier, trainPixelClassifier } from '../../src-shared/classic/index.ts';
import { stackChannels } from '../../src-shared/segmenter/stack.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';
import { createRuntime } from '../../src-main/runtime.ts';

const runtime = createRuntime({ device: 'cpu', threads: 2 });
const shape: [number, number, number] = [12, 24, 20];
const n = shape[0] * shape[1] * shape[2];

function randomUnet(outChannels: number, seed: number): { config: UNetConfig; params: Map<string, Float32Array> } {
  const config: UNetConfig = { dims: 2, inChannels: 1, outChannels, channels: [4, 8], norm: 'instance' };
  const rand = seededRandom(seed);
  const params = new Map(buildInferenceGraph(config, [1, 1, 8, 8]).specs.map((s) => [s.name, Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => (rand() - 0.5) * 0.8)]));
  return { config, params };
}

/** Weights for the same network with 2 input channels (image + forest), random like randomUnet's. */
function randomUnet2(net: { config: UNetConfig }, seed: number): Map<string, Float32Array> {
  const rand = seededRandom(seed);
  const config = { ...net.config, inChannels: 2 };
  return new Map(buildInferenceGraph(config, [1, 2, 8, 8]).specs.map((s) => [s.name, Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => (rand() - 0.5) * 0.8)]));
}

const image = (() => {
  const rand = seededRandom(3);
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i / 7) + (rand() - 0.5));
})();

describe('composite segmenters', () => {
  it('runs a 2D network along y exactly as on the turned volume', async () => {
    const net = randomUnet(3, 1);
    const s: Segmenter = { kind: 'unet', model: { ...net, provenance: {}, classes: [1, 2, 3] }, axis: 1 };
    const composite = await predictSegmenter(runtime.factory, s, image, shape, 1);
    const turned = toAxisFront(image, shape, 1, 1);
    const direct = await predictPlanar(unetPatchModel(runtime.factory, { ...net }), turned, shapeAlong(shape, 1), 1, { patch: [1, 64, 64] });
    const back = fromAxisFront(direct, shape, 3, 1);
    let worst = 0;
    for (let i = 0; i < back.length; i++) worst = Math.max(worst, Math.abs(back[i]! - composite[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('runs a network stacked on the pixel classifier as the network on the image and the forest\'s probabilities, also after saving', async () => {
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (i % 20 === 5) labels[i] = image[i]! > 0.3 ? 2 : 1;
    const forest = (await trainPixelClassifier([{ shape, channels: 1, image, labels }], { trees: 8, seed: 1 }, { factory: runtime.factory })).model;
    const net = randomUnet(1, 4);
    const then: Segmenter = { kind: 'unet', model: { config: { ...net.config, inChannels: 2 }, params: randomUnet2(net, 5), provenance: {}, classes: [1, 2] } };
    const s: Segmenter = { kind: 'stacked', first: { kind: 'pixel-classifier', model: forest }, then };
    const composite = await predictSegmenter(runtime.factory, s, image, shape, 1);
    const forestProb = await predictSegmenter(runtime.factory, { kind: 'pixel-classifier', model: forest }, image, shape, 1);
    const direct = await predictSegmenter(runtime.factory, then, stackChannels(image, forestProb), shape, 2);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(direct[i]! - composite[i]!));
    expect(worst).toBeLessThan(1e-4);
    const file = importSegmenterOnnx(exportSegmenterOnnx(s, [1, 2], { strategy: 'test' }, 1));
    expect(file.segmenter.kind).toBe('stacked');
    expect(await predictSegmenter(runtime.factory, file.segmenter, image, shape, 1)).toEqual(composite);
  });

  it('gives a pixel classifier with positions the voxels\' places inside a mean and a stack, also after saving', async () => {
    const labels = new Uint8Array(n);
    // class 2 where bright in the upper half of y only: the position forest needs its y feature
    for (let i = 0; i < n; i++) if (i % 13 === 3) labels[i] = image[i]! > 0.3 && Math.floor(i / shape[2]) % shape[1] < shape[1] / 2 ? 2 : 1;
    const train = [{ shape, channels: 1, image, labels }];
    const placed = (await trainPixelClassifier(train, { trees: 8, seed: 2, coordinates: true }, { factory: runtime.factory })).model;
    const plain = (await trainPixelClassifier(train, { trees: 8, seed: 2 }, { factory: runtime.factory })).model;
    const alone = await predictSegmenter(runtime.factory, { kind: 'pixel-classifier', model: placed }, image, shape, 1);
    const reference = await predictPixelClassifier(runtime.factory, placed, image, shape, 1);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(alone[i]! - reference[i]!));
    expect(worst).toBeLessThan(1e-4);
    const plainProb = await predictSegmenter(runtime.factory, { kind: 'pixel-classifier', model: plain }, image, shape, 1);
    const s: Segmenter = { kind: 'mean', members: [{ kind: 'pixel-classifier', model: plain }, { kind: 'pixel-classifier', model: placed }] };
    const mean = await predictSegmenter(runtime.factory, s, image, shape, 1);
    worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(mean[i]! - (plainProb[i]! + alone[i]!) / 2));
    expect(worst).toBeLessThan(1e-4);
    const net = randomUnet(1, 6);
    const stacked: Segmenter = { kind: 'stacked', first: { kind: 'pixel-classifier', model: placed }, then: { kind: 'unet', model: { config: { ...net.config, inChannels: 2 }, params: randomUnet2(net, 7), provenance: {}, classes: [1, 2] } } };
    for (const seg of [s, stacked]) {
      const before = await predictSegmenter(runtime.factory, seg, image, shape, 1);
      const file = importSegmenterOnnx(exportSegmenterOnnx(seg, [1, 2], { strategy: 'test' }, 1));
      expect(await predictSegmenter(runtime.factory, file.segmenter, image, shape, 1)).toEqual(before);
    }
  });

  it('saves a mean of a 2D network along x and the pixel classifier and reads it back to the same predictions', async () => {
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (i % 20 === 5) labels[i] = image[i]! > 0.3 ? 2 : 1;
    const forest = await trainPixelClassifier([{ shape, channels: 1, image, labels }], { trees: 8, seed: 1 }, { factory: runtime.factory });
    const s: Segmenter = { kind: 'mean', members: [{ kind: 'unet', model: { ...randomUnet(1, 2), provenance: {}, classes: [1, 2] }, axis: 2 }, { kind: 'pixel-classifier', model: forest.model }] };
    const before = await predictSegmenter(runtime.factory, s, image, shape, 1);
    const file = importSegmenterOnnx(exportSegmenterOnnx(s, [1, 2], { strategy: 'test' }, 1));
    expect(file.classes).toEqual([1, 2]);
    expect(file.provenance).toEqual({ strategy: 'test' });
    expect(file.segmenter.kind).toBe('mean');
    const after = await predictSegmenter(runtime.factory, file.segmenter, image, shape, 1);
    expect(after).toEqual(before);
    expect(before.some((p) => p > 0.5) && before.some((p) => p < 0.5)).toBe(true);
  });
});
