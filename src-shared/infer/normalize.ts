// Input normalisation for inference. Models are trained on z-scored input (train/normalize.ts:
// zero mean, unit variance over the training volume), so inference z-scores too. A volume that
// does not fit in memory cannot be z-scored exactly before it is read, so the statistics come
// from a first pass over a subsample: up to 32 evenly spaced z-slices, and within each at most
// ~256k voxels on a regular stride. Volumes within both limits get exact statistics.
import type { SlabSource } from './source.ts';

export interface ChannelStats { mean: number[]; sd: number[] }

export const STATS_MAX_SLICES = 32;
export const STATS_MAX_VOXELS_PER_SLICE = 1 << 18;

export async function estimateStats(source: SlabSource, check?: () => void): Promise<ChannelStats> {
  const [d, h, w, c] = source.info.shape;
  const nz = Math.min(d, STATS_MAX_SLICES);
  const zs = new Set<number>();
  for (let i = 0; i < nz; i++) zs.add(nz === 1 ? 0 : Math.round((i * (d - 1)) / (nz - 1)));
  const stride = Math.max(1, Math.ceil((h * w) / STATS_MAX_VOXELS_PER_SLICE));
  const sum = new Float64Array(c), sum2 = new Float64Array(c), n = new Float64Array(c);
  let shift: number[] | undefined;
  for (const z of zs) {
    check?.();
    const data = (await source.readSlices(z, z + 1)).data;
    // sums of (v - first voxel): a one-pass variance that stays exact when sd ≪ mean
    shift ??= Array.from({ length: c }, (_, k) => firstFinite(data, k, c));
    for (let p = 0; p < h * w; p += stride) {
      for (let k = 0; k < c; k++) {
        // NaN/±Infinity voxels are left out (sliding-window inference feeds them as 0, the mean)
        const v = data[p * c + k]! - shift[k]!;
        if (!Number.isFinite(v)) continue;
        sum[k]! += v; sum2[k]! += v * v; n[k]!++;
      }
    }
  }
  const mean: number[] = [], sd: number[] = [];
  for (let k = 0; k < c; k++) {
    const m = sum[k]! / Math.max(1, n[k]!);
    const variance = Math.max(0, sum2[k]! / Math.max(1, n[k]!) - m * m);
    mean.push(m + shift![k]!);
    sd.push(Math.sqrt(variance) || 1);
  }
  return { mean, sd };
}

/** The first finite value of channel `k` (0 if none): the shift that keeps the one-pass variance exact. */
function firstFinite(data: ArrayLike<number>, k: number, c: number): number {
  for (let i = k; i < data.length; i += c) if (Number.isFinite(data[i]!)) return Number(data[i]);
  return 0;
}
