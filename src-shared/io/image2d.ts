// Single 2D images (PNG, GIF) decoded to a depth-1 Volume. Palette images are expanded to
// their colours and collapsed back to one grey channel when every colour is grey, which is
// how label and mask images (e.g. DRIVE's 0/255 GIFs) are normally saved. Alpha is dropped:
// segmentation works on intensity, and a mask's transparency is not a channel of the image.
import { readFileSync } from 'node:fs';
import { decode as decodePng, convertIndexedToRgb } from 'fast-png';
import omggif from 'omggif';
import type { Volume, TypedArray } from '../volume.ts';
import { LumenError } from '../errors.ts';

/** Largest 2D image we accept: far beyond any camera, small enough to never exhaust memory. */
const MAX_PIXELS = 1 << 30;

function fromRgba(rgba: Uint8Array | Uint16Array, w: number, h: number, channels: number, path: string, format: 'png' | 'gif'): Volume {
  const n = w * h;
  const colour = channels >= 3;
  let grey = true;
  if (colour) {
    for (let i = 0; i < n && grey; i++) {
      const p = i * channels;
      grey = rgba[p] === rgba[p + 1] && rgba[p] === rgba[p + 2];
    }
  }
  const outC = colour && !grey ? 3 : 1;
  const out: TypedArray = rgba instanceof Uint16Array ? new Uint16Array(n * outC) : new Uint8Array(n * outC);
  for (let i = 0; i < n; i++) for (let k = 0; k < outC; k++) out[i * outC + k] = rgba[i * channels + k]!;
  return {
    shape: [1, h, w, outC], dtype: out instanceof Uint16Array ? 'uint16' : 'uint8', data: out,
    geometry: { spacing: [1, 1, 1], unit: 'unknown' }, source: { format: 'slices', path, header: { format } },
  };
}

export function readPng(path: string, bytes = readFileSync(path)): Volume {
  let img: ReturnType<typeof decodePng>;
  try {
    img = decodePng(bytes);
  } catch (e) {
    throw new LumenError('damaged', `${path} is not a readable PNG (${(e as Error).message})`, { cause: e });
  }
  const { width: w, height: h } = img;
  if (!(w >= 1 && h >= 1) || w * h > MAX_PIXELS) throw new LumenError('too-large', `${path} claims ${w}×${h} pixels`);
  let data = img.data as Uint8Array | Uint16Array;
  let channels = img.channels;
  if (img.palette) {
    data = convertIndexedToRgb(img) as Uint8Array;
    channels = data.length / (w * h);
  } else if (img.depth < 8) {
    throw new LumenError('unsupported', `${path} is a ${img.depth}-bit PNG; save it as 8 or 16-bit`);
  }
  if (data.length < w * h * channels) throw new LumenError('truncated', `${path} holds fewer pixels than its size says`);
  // grey+alpha → grey; RGB(A) → colour or grey
  if (channels === 2) return fromRgba(data, w, h, 2, path, 'png');
  return fromRgba(data, w, h, channels, path, 'png');
}

export function readGif(path: string, bytes = readFileSync(path)): Volume {
  let reader: InstanceType<typeof omggif.GifReader>;
  try {
    reader = new omggif.GifReader(bytes);
  } catch (e) {
    throw new LumenError('damaged', `${path} is not a readable GIF (${(e as Error).message})`, { cause: e });
  }
  const { width: w, height: h } = reader;
  if (!(w >= 1 && h >= 1) || w * h > MAX_PIXELS) throw new LumenError('too-large', `${path} claims ${w}×${h} pixels`);
  if (reader.numFrames() < 1) throw new LumenError('bad-input', `${path} has no image in it`);
  const rgba = new Uint8Array(w * h * 4);
  try {
    reader.decodeAndBlitFrameRGBA(0, rgba);
  } catch (e) {
    throw new LumenError('damaged', `${path} could not be decoded (${(e as Error).message})`, { cause: e });
  }
  return fromRgba(rgba, w, h, 4, path, 'gif');
}
