// Whole-volume probabilities of a patch model over an in-memory, already normalised planar image:
// planar [Kout][D][H][W], the layout training candidates and their scores work in
// (slidingWindowPredict gives the interleaved [z][y][x][c] of volumes).
import type { PatchModel } from './patch-model.ts';
import { streamSlidingWindow, type SlidingWindowOptions } from './sliding-window.ts';
import { memorySource } from './source.ts';
import { planarToVolume } from '../train/volume-convert.ts';

export async function predictPlanar(model: PatchModel, image: Float32Array, shape: [number, number, number], channels: number,
  opts: Omit<SlidingWindowOptions, 'normalize'> = {}): Promise<Float32Array> {
  const [D, H, W] = shape, HW = H * W, n = D * HW;
  const outC = model.outChannels;
  const out = new Float32Array(outC * n);
  await streamSlidingWindow(model, memorySource(planarToVolume(image, shape, channels)), (z, probs) => {
    for (let c = 0; c < outC; c++) out.set(probs.subarray(c * HW, (c + 1) * HW), c * n + z * HW);
  }, { ...opts, normalize: 'none' });
  return out;
}
