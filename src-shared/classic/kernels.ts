// Sampled 1-D Gaussian and Gaussian-derivative kernels, the building blocks of the filter
// features. Kernels are cross-correlation weights (what ONNX Conv applies): out[x] = Σ_j k[j]·in[x+j],
// j = -r…r. They are normalised the way vigra (ilastik's filter library) does, so a derivative
// filter is exact on polynomials: the smoothing kernel sums to 1, the first-derivative kernel gives
// 1 on the ramp f(x) = x, the second-derivative kernel gives 1 on f(x) = x²/2 and 0 on constants.

/** Below this many voxels of σ an axis is not smoothed: derivatives are plain central differences. */
export const MIN_SMOOTHING_SIGMA = 0.3;

export interface AxisKernels {
  /** half-width: each kernel has 2r+1 taps */
  radius: number;
  smooth: number[];
  first: number[];
  second: number[];
}

/** Half-width of the kernels for σ voxels: 3σ covers 99.7% of the Gaussian, +1 for the derivatives' wider tails. */
export function kernelRadius(sigma: number): number {
  return sigma < MIN_SMOOTHING_SIGMA ? 1 : Math.max(1, Math.ceil(3 * sigma + 1));
}

/**
 * The three kernels of one axis at `sigma` voxels, derivatives multiplied by `unit` per order
 * (unit = voxels per physical unit along this axis, so anisotropic axes give derivatives in the
 * same physical unit).
 */
export function axisKernels(sigma: number, unit = 1): AxisKernels {
  const r = kernelRadius(sigma);
  if (sigma < MIN_SMOOTHING_SIGMA) {
    return { radius: 1, smooth: [0, 1, 0], first: [-0.5 * unit, 0, 0.5 * unit], second: [unit * unit, -2 * unit * unit, unit * unit] };
  }
  const js = Array.from({ length: 2 * r + 1 }, (_, i) => i - r);
  const gauss = js.map((j) => Math.exp((-j * j) / (2 * sigma * sigma)));
  const gsum = gauss.reduce((a, b) => a + b, 0);
  const smooth = gauss.map((v) => v / gsum);
  // d/dx (f ⋆ G) at x = Σ_j f(x+j)·G'(-j), and G'(-j) ∝ j·G(j): scaled so that Σ_j j·k[j] = 1
  const first0 = js.map((j, i) => j * gauss[i]!);
  const m1 = js.reduce((s, j, i) => s + j * first0[i]!, 0);
  const first = first0.map((v) => (v / m1) * unit);
  // G''(j) ∝ (j²/σ² − 1)·G(j): mean removed (Σ k = 0), scaled so that Σ_j j²/2·k[j] = 1
  const second0 = js.map((j, i) => ((j * j) / (sigma * sigma) - 1) * gauss[i]!);
  const mean = second0.reduce((a, b) => a + b, 0) / second0.length;
  const centred = second0.map((v) => v - mean);
  const m2 = js.reduce((s, j, i) => s + (j * j * centred[i]!) / 2, 0);
  const second = centred.map((v) => (v / m2) * unit * unit);
  return { radius: r, smooth, first, second };
}
