// A multi-page file is either a z-stack, whose neighbouring planes show the same structures a step
// apart, or a series of separate 2D images (photographs, time points, fields of view) kept in one
// file. Filters that reach across planes, and "how far from the labeled planes" (auto/coverage.ts),
// only make sense for a stack. The test: detail (each plane's 3×3 mean, so that pixel noise does
// not count, minus its 9×9 mean, clipped to a few robust deviations) of neighbouring planes
// correlates in a stack (VesselNN two-photon stacks and their crops: 0.47–0.78, the MRI 0.84–0.87)
// and not between separate images (DRIVE fundus photographs stacked in one TIFF: 0.02–0.03).

/** Below this median correlation of neighbouring planes' detail, the planes are separate images. */
export const SERIES_MAX_CORRELATION = 0.25;

/** Half-widths of the local means: the detail is the small one minus the large one (a band-pass). */
const SMOOTH_RADIUS = 1, DETAIL_RADIUS = 4;

/** Each plane, band-passed: its 3×3 box mean minus its 9×9 box mean, planar [D][H][W]. */
function planeDetail(image: Float32Array, [D, H, W]: readonly number[]): Float32Array {
  const out = new Float32Array(D * H * W);
  const r = DETAIL_RADIUS, sat = new Float64Array((H + 1) * (W + 1));
  for (let z = 0; z < D; z++) {
    const base = z * H * W;
    // summed-area table of the plane
    for (let y = 0; y < H; y++) {
      let row = 0;
      for (let x = 0; x < W; x++) {
        row += image[base + y * W + x]!;
        sat[(y + 1) * (W + 1) + x + 1] = sat[y * (W + 1) + x + 1]! + row;
      }
    }
    const mean = (y: number, x: number, radius: number) => {
      const y0 = Math.max(0, y - radius), y1 = Math.min(H, y + radius + 1), x0 = Math.max(0, x - radius), x1 = Math.min(W, x + radius + 1);
      return (sat[y1 * (W + 1) + x1]! - sat[y0 * (W + 1) + x1]! - sat[y1 * (W + 1) + x0]! + sat[y0 * (W + 1) + x0]!) / ((y1 - y0) * (x1 - x0));
    };
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) out[base + y * W + x] = mean(y, x, SMOOTH_RADIUS) - mean(y, x, r);
  }
  return out;
}

/**
 * Limits each value to ±CLIP_MADS robust standard deviations (1.4826 × the median absolute value):
 * a few strong edges that every image shares (the round field of view of fundus photographs) would
 * otherwise decide the correlation alone (DRIVE photographs 22 and 23: 0.65 unclipped).
 */
const CLIP_MADS = 3;

function clipped(a: Float32Array): Float32Array {
  // over the values that are not exactly 0: flat regions (the black around a fundus, the air
  // around a skull-stripped brain) would put the median at 0 and clip everything
  const abs = new Float32Array(a.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) abs[n++] = Math.abs(a[i]!);
  if (!n) return a;
  const limit = CLIP_MADS * 1.4826 * kthSmallest(abs.subarray(0, n), n >> 1);
  return a.map((v) => (v > limit ? limit : v < -limit ? -limit : v));
}

/**
 * The k-th smallest value (0-based), reordering `v` in place: Hoare's selection, linear on
 * average. A full sort of every plane's 262k values took 3.8 s of a 25×512×512 stack's 4 s.
 */
export function kthSmallest(v: Float32Array, k: number): number {
  let lo = 0, hi = v.length - 1;
  while (lo < hi) {
    const pivot = v[(lo + hi) >> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (v[i]! < pivot) i++;
      while (v[j]! > pivot) j--;
      if (i <= j) { const t = v[i]!; v[i] = v[j]!; v[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return v[k]!;
  }
  return v[k]!;
}

function correlation(a: Float32Array, b: Float32Array): number | undefined {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i]!; mb += b[i]!; }
  ma /= a.length; mb /= b.length;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) { const u = a[i]! - ma, v = b[i]! - mb; sab += u * v; saa += u * u; sbb += v * v; }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : undefined; // a blank plane says nothing
}

/** Median correlation of neighbouring z-planes' detail (of a one-channel planar image), or undefined for one plane or blank planes. */
export function neighbourPlaneCorrelation(image: Float32Array, shape: readonly [number, number, number]): number | undefined {
  const [D, H, W] = shape;
  if (D < 2) return undefined;
  const detail = planeDetail(image, shape), n = H * W, values: number[] = [];
  const planes = Array.from({ length: D }, (_, z) => clipped(detail.subarray(z * n, (z + 1) * n)));
  for (let z = 0; z + 1 < D; z++) {
    const c = correlation(planes[z]!, planes[z + 1]!);
    if (c !== undefined) values.push(c);
  }
  if (!values.length) return undefined;
  values.sort((a, b) => a - b);
  // the lower median: in a stack every pair correlates; among a few separate images one pair that
  // shares a mask's outline should not outvote the others
  return values[Math.floor((values.length - 1) / 2)]!;
}

/** Answers per image array: `auto` asks for the same image from several places (coverage, each forest it trains). */
const known = new WeakMap<Float32Array, boolean>();

/** Whether a volume's z-planes are separate 2D images rather than a stack (planar image; several channels are averaged). */
export function isImageSeries(v: { image: Float32Array; shape: [number, number, number]; channels?: number }): boolean {
  let answer = known.get(v.image);
  if (answer === undefined) known.set(v.image, (answer = measureImageSeries(v)));
  return answer;
}

function measureImageSeries(v: { image: Float32Array; shape: [number, number, number]; channels?: number }): boolean {
  const n = v.shape[0] * v.shape[1] * v.shape[2], C = v.channels ?? 1;
  let luminance = v.image.subarray(0, n);
  if (C > 1) {
    luminance = new Float32Array(n);
    for (let c = 0; c < C; c++) for (let i = 0; i < n; i++) luminance[i]! += v.image[c * n + i]! / C;
  }
  const c = neighbourPlaneCorrelation(luminance, v.shape);
  return c !== undefined && c < SERIES_MAX_CORRELATION;
}
