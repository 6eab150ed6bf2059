// Planar network-order images ([c][z][y][x]) ↔ Volumes (z, y, x, c interleaved).
import { makeVolume, type Volume } from '../volume.ts';

export function planarToVolume(image: Float32Array, shape: [number, number, number], channels: number): Volume {
  const n = shape[0] * shape[1] * shape[2];
  if (channels === 1) return makeVolume([...shape, 1], 'float32', image);
  const data = new Float32Array(n * channels);
  for (let c = 0; c < channels; c++) for (let i = 0; i < n; i++) data[i * channels + c] = image[c * n + i]!;
  return makeVolume([...shape, channels], 'float32', data);
}

/** Volume → planar float32 channels, each z-scored on its own (the network's input convention). */
export function volumeToPlanar(vol: Volume, normalize: (values: Float32Array) => Float32Array): Float32Array {
  const [D, H, W, C] = vol.shape;
  const n = D * H * W;
  const out = new Float32Array(n * C);
  for (let c = 0; c < C; c++) {
    const channel = new Float32Array(n);
    for (let i = 0; i < n; i++) channel[i] = vol.data[i * C + c]!;
    out.set(normalize(channel), c * n);
  }
  return out;
}
