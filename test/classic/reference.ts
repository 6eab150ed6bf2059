// A direct, unoptimised JavaScript reference for the filter features: the full (non-separable)
// 3-D correlation with outer-product kernels over an edge-padded volume, and eigenvalues by
// Jacobi rotations. Independent of the graph's separable convolutions, slices and closed forms.
import { axisKernels, kernelRadius } from '../../src-shared/classic/kernels.ts';
import { axisSigmas, type FeatureSpec } from '../../src-shared/classic/features.ts';

/** Eigenvalues of a symmetric matrix (row-major n×n), descending, by cyclic Jacobi. */
export function symmetricEigenvalues(m: number[], n: number): number[] {
  const a = [...m];
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-24) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      const apq = a[p * n + q]!;
      if (Math.abs(apq) < 1e-30) continue;
      const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) { // columns p, q
        const akp = a[k * n + p]!, akq = a[k * n + q]!;
        a[k * n + p] = c * akp - s * akq; a[k * n + q] = s * akp + c * akq;
      }
      for (let k = 0; k < n; k++) { // rows p, q
        const apk = a[p * n + k]!, aqk = a[q * n + k]!;
        a[p * n + k] = c * apk - s * aqk; a[q * n + k] = s * apk + c * aqk;
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => y - x);
}

/**
 * Features of one channel volume [D][H][W] (3D spec) as the graph defines them, computed directly:
 * returns per feature (featureNames order for one channel) a Float64Array of D·H·W.
 */
export function referenceFeatures3(vol: Float32Array, shape: [number, number, number], spec: FeatureSpec): Float64Array[] {
  const [D, H, W] = shape;
  const units = (() => { const f = Math.min(...spec.spacing); return spec.spacing.map((s) => f / s); })();
  const at = (z: number, y: number, x: number) =>
    vol[(Math.min(D - 1, Math.max(0, z)) * H + Math.min(H - 1, Math.max(0, y))) * W + Math.min(W - 1, Math.max(0, x))]!;
  const out: Float64Array[] = [Float64Array.from(vol)];
  for (const sigma of spec.scales) {
    const ks = axisSigmas(spec, sigma).map((s, a) => axisKernels(s, units[a]));
    const rs = axisSigmas(spec, sigma).map(kernelRadius);
    const kern = (a: number, order: number) => [ks[a]!.smooth, ks[a]!.first, ks[a]!.second][order]!;
    const deriv = (oz: number, oy: number, ox: number) => {
      const r = new Float64Array(D * H * W);
      const kz = kern(0, oz), ky = kern(1, oy), kx = kern(2, ox);
      for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        let s = 0;
        for (let i = -rs[0]!; i <= rs[0]!; i++) for (let j = -rs[1]!; j <= rs[1]!; j++) for (let k = -rs[2]!; k <= rs[2]!; k++) {
          s += kz[i + rs[0]!]! * ky[j + rs[1]!]! * kx[k + rs[2]!]! * at(z + i, y + j, x + k);
        }
        r[(z * H + y) * W + x] = s;
      }
      return r;
    };
    const g = deriv(0, 0, 0), dz = deriv(1, 0, 0), dy = deriv(0, 1, 0), dx = deriv(0, 0, 1);
    const zz = deriv(2, 0, 0), yy = deriv(0, 2, 0), xx = deriv(0, 0, 2), yz = deriv(1, 1, 0), xz = deriv(1, 0, 1), xy = deriv(0, 1, 1);
    const n = D * H * W;
    const grad = new Float64Array(n), lap = new Float64Array(n), e1 = new Float64Array(n), e2 = new Float64Array(n), e3 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      grad[i] = Math.hypot(dz[i]!, dy[i]!, dx[i]!);
      lap[i] = zz[i]! + yy[i]! + xx[i]!;
      const e = symmetricEigenvalues([zz[i]!, yz[i]!, xz[i]!, yz[i]!, yy[i]!, xy[i]!, xz[i]!, xy[i]!, xx[i]!], 3);
      e1[i] = e[0]!; e2[i] = e[1]!; e3[i] = e[2]!;
    }
    out.push(g, grad, lap, e1, e2, e3);
  }
  return out;
}
