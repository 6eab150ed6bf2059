// Renders the PNG previews in this folder: synthetic samples next to the real data they imitate.
// Run from the project root: node --import tsx docs/synth/preview.ts  (needs ../shared/data)
import { writeFileSync } from 'node:fs';
import { encode } from 'fast-png';
import { readVolume } from '../../src-shared/io/index.ts';
import { quantile, synthSample, type SynthKind } from '../../src-shared/synth/index.ts';

const DATA = '../shared/data/';
const OUT = 'docs/synth/';

/** A grey or RGB canvas assembled from panels. */
class Canvas {
  readonly data: Uint8Array;
  constructor(readonly width: number, readonly height: number) { this.data = new Uint8Array(width * height * 3); }
  /** `get(c, y, x)` in 0..1 for h × w pixels, placed at (top, left); `step` subsamples. */
  put(top: number, left: number, h: number, w: number, get: (c: number, y: number, x: number) => number): void {
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
      const v = get(c, y, x);
      this.data[((top + y) * this.width + left + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v * 255)));
    }
  }
  save(name: string): void { writeFileSync(OUT + name, encode({ width: this.width, height: this.height, data: this.data, channels: 3 })); }
}

/** Grey panel of slice z of a z×y×x array, window [q0.5%, q99.8%], crop (y0, x0, h, w). */
function grey(data: ArrayLike<number>, shape: readonly number[], z: number, y0: number, x0: number, h: number, w: number) {
  const [, Y, X] = shape;
  const plane = Array.from({ length: Y! * X! }, (_, i) => Number(data[z * Y! * X! + i]));
  const lo = quantile(plane, 0.005), hi = quantile(plane, 0.998);
  return (_c: number, y: number, x: number) => (plane[(y0 + y) * X! + x0 + x]! - lo) / (hi - lo || 1);
}

function labelPanel(label: ArrayLike<number>, shape: readonly number[], z: number, y0: number, x0: number) {
  const [, Y, X] = shape;
  return (_c: number, y: number, x: number) => (label[(z * Y! + y0 + y) * X! + x0 + x] ? 1 : 0);
}

// 1. two-photon: VesselNN crops (image, label) above synthetic vessels-2p samples
{
  const S = 256, cv = new Canvas(4 * S, 2 * S);
  const real = [['burgess2014_tgMouse', 7, 0, 0], ['poon2015_BBB_noLeakage', 12, 128, 128]] as const;
  for (let k = 0; k < 2; k++) {
    const [name, z, y0, x0] = real[k]!;
    const im = await readVolume(`${DATA}vesselnn/${name}_image.tif`), lb = await readVolume(`${DATA}vesselnn/${name}_labels.tif`);
    cv.put(0, 2 * k * S, S, S, grey(im.data, im.shape, z, y0, x0, S, S));
    cv.put(0, (2 * k + 1) * S, S, S, labelPanel(lb.data, lb.shape, z, y0, x0));
  }
  for (let k = 0; k < 2; k++) {
    const s = synthSample('vessels-2p', [16, S, S], [3, 8][k]!);
    cv.put(S, 2 * k * S, S, S, grey(s.image, s.shape, 8, 0, 0, S, S));
    cv.put(S, (2 * k + 1) * S, S, S, labelPanel(s.label, s.shape, 8, 0, 0));
  }
  cv.save('two-photon.png');
}

// 2. fundus: DRIVE image 21 next to a synthetic fundus at a third of the resolution (3 × 3 means),
//    labels below; then full-resolution 200 × 200 crops at the optic disc
{
  const im = await readVolume(`${DATA}drive/images/21_training.tif`);
  const lb = await readVolume(`${DATA}drive/labels/21_manual1.gif`);
  const [, H, W] = im.shape, n = H * W, f = 3;
  const h = Math.floor(H / f), w = Math.floor(W / f), cv = new Canvas(2 * w, 2 * h);
  const mean = (get: (y: number, x: number) => number, y: number, x: number) => {
    let s = 0;
    for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += get(f * y + dy, f * x + dx);
    return s / (f * f);
  };
  const s = synthSample('fundus', [1, H, W], 4);
  let hi = 0;
  for (let i = 0; i < 3 * n; i++) hi = Math.max(hi, s.image[i]!);
  cv.put(0, 0, h, w, (c, y, x) => mean((yy, xx) => Number(im.data[(yy * W + xx) * 3 + c]), y, x) / 255);
  cv.put(0, w, h, w, (c, y, x) => mean((yy, xx) => s.image[c * n + yy * W + xx]!, y, x) / hi);
  cv.put(h, 0, h, w, (_c, y, x) => mean((yy, xx) => (lb.data[(yy * W + xx) * lb.shape[3]] ? 1 : 0), y, x));
  cv.put(h, w, h, w, (_c, y, x) => mean((yy, xx) => s.label[yy * W + xx]!, y, x));
  cv.save('fundus.png');
  // crops around the disc: real disc near (y 255, x 85); the synthetic one from its parameters
  const C = 200, d = (s.params.imaging as { disc: { y: number; x: number } }).disc;
  const crop = new Canvas(2 * C, C);
  const clampTo = (v: number, n: number) => Math.max(0, Math.min(n - C, Math.round(v - C / 2)));
  const ry = clampTo(255, H), rx = clampTo(110, W), sy = clampTo(d.y, H), sx = clampTo(d.x + (d.x < W / 2 ? 25 : -25), W);
  crop.put(0, 0, C, C, (c, y, x) => Number(im.data[((ry + y) * W + rx + x) * 3 + c]) / 255);
  crop.put(0, C, C, C, (c, y, x) => s.image[c * n + (sy + y) * W + sx + x]! / hi);
  crop.save('fundus-disc.png');
}

// 3. the other kinds: middle slice, maximum projection and label
{
  const S = 128;
  const kinds: SynthKind[] = ['vessels-lightsheet', 'vessels-mra', 'neurites-lightsheet', 'nuclei'];
  const cv = new Canvas(3 * S, kinds.length * S);
  kinds.forEach((kind, row) => {
    const s = synthSample(kind, [32, S, S], 2 + row);
    const z = 16;
    cv.put(row * S, 0, S, S, grey(s.image, s.shape, z, 0, 0, S, S));
    const mip = new Float32Array(S * S);
    for (let zz = 0; zz < 32; zz++) for (let i = 0; i < S * S; i++) mip[i] = Math.max(mip[i]!, s.image[zz * S * S + i]!);
    cv.put(row * S, S, S, S, grey(mip, [1, S, S], 0, 0, 0, S, S));
    cv.put(row * S, 2 * S, S, S, labelPanel(s.label, s.shape, z, 0, 0));
  });
  cv.save('gallery.png');
}
