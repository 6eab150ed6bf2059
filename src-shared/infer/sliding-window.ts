// Sliding-window inference, streaming along z. The volume is covered by a grid of overlapping
// patches (tiles.ts); patch outputs are weighted (blend-weights.ts), summed and normalised, so the
// result has no seams. The grid is walked band by band in z: a band is all patches sharing one
// z-start, and needs only the input slices [zs, zs + patch depth). Input slices are read (and
// z-scored) once, kept while a band needs them and dropped after; output slices accumulate in
// float32 and are handed to `onSlice` as soon as no later band can touch them. Peak memory is
// therefore about (patch depth) input slices + (patch depth) output slices + the network's own
// working memory, whatever the volume's depth.
import { LumenError } from '../errors.ts';
import type { Volume } from '../volume.ts';
import { makeVolume } from '../volume.ts';
import { patchGrid, fitPatch, type PatchGrid } from './tiles.ts';
import { profile1d, patchProfile, weightSum, type BlendMode } from './blend-weights.ts';
import type { PatchModel, PatchRunner } from './patch-model.ts';
import { COORDINATE_CHANNELS, fillCoordinates } from './coordinates.ts';
import { memorySource, type SlabSource } from './source.ts';
import { estimateStats, type ChannelStats } from './normalize.ts';
import { boxSource, isRegionSource, partInput, type WindowPart } from './window-part.ts';
import { throwIfCancelled, type CancelSignal } from './cancel.ts';

export interface SlidingWindowOptions {
  /** patch extent z, y, x (2D models: y, x or 1, y, x); rounded up to the network's size multiple
   * and shrunk to the volume on short axes (anisotropic patches for thin stacks). Default 64³ / 256². */
  patch?: readonly number[];
  /** fraction of a patch shared with each neighbour, for all axes or per axis (default 0.25) */
  overlap?: number | readonly number[];
  /** 'gaussian' (default, seamless) or 'constant' (plain average) */
  blend?: BlendMode;
  /** Gaussian σ as a fraction of the patch (default 1/8) */
  sigmaScale?: number;
  /** patches per network run (default 1) */
  batch?: number;
  /** test-time flips: true = every combination of spatial axes, or explicit axis sets ([[], [2]] = identity + x) */
  flips?: boolean | readonly (readonly number[])[];
  /** voxels discarded at each patch side inside the volume (weight 0); for networks whose zero
   * padding would otherwise leak into the blend. Neighbours then overlap by at least 2·trim. */
  trim?: number | readonly number[];
  /** 'zscore' (default, statistics from a subsample: normalize.ts), 'none', or given statistics */
  normalize?: 'zscore' | 'none' | ChannelStats;
  signal?: CancelSignal;
  /** predict only this box of the volume (block-wise jobs; the source must read regions): the
   * slices handed on are those of the box's input, which equal one whole pass inside the box */
  part?: WindowPart;
  /** with `part`: where bands shared with neighbouring parts keep their network outputs, so the
   * part that reaches such a band second reuses them instead of running the network again */
  bandCache?: BandCache;
  /** prediction progress: patches done / total, as voxels of the volume */
  onProgress?: (done: number, total: number) => void;
  /** only voxels whose z, y, x are multiples of these are wanted (a StarDist decoding grid):
   * only they are blended and handed on, as planes [outC][ceil(H/gy)][ceil(W/gx)] of the slices
   * z % gz = 0 (SliceBox.step says so). Their values are those of the full output. Not with `part`. */
  sample?: readonly [number, number, number];
}

export interface SlidingWindowRun {
  patch: number[];
  grid: PatchGrid;
  stats: ChannelStats;
  patches: number;
  networkRuns: number;
  seconds: number;
  networkSeconds: number;
}

interface Item { ys: number; xs: number; flip: [boolean, boolean, boolean] }

function flipSets(flips: SlidingWindowOptions['flips'], dims: 2 | 3): [boolean, boolean, boolean][] {
  if (!flips) return [[false, false, false]];
  const axes = dims === 3 ? [0, 1, 2] : [1, 2];
  let sets: readonly (readonly number[])[];
  if (flips === true) {
    const all: number[][] = [];
    for (let m = 0; m < 1 << axes.length; m++) all.push(axes.filter((_, i) => m & (1 << i)));
    sets = all;
  } else {
    sets = flips;
  }
  return sets.map((s) => {
    for (const a of s) if (!axes.includes(a)) throw new LumenError('bad-input', `cannot flip axis ${a} of a ${dims}D patch`);
    return [s.includes(0), s.includes(1), s.includes(2)];
  });
}

/**
 * Network outputs of whole bands, by key (the band's z start, its patches' y and x starts, the
 * flips). Reading gives exactly what running the network would, so results do not depend on
 * whether a band was reused; a missing or wrong-sized entry is simply computed.
 */
export interface BandCache {
  read(key: string, length: number): Float32Array | undefined;
  write(key: string, outputs: Float32Array): void;
}

/**
 * Where the slices handed on lie: z is the volume's, the plane [h][w] starts at (y0, x0). With
 * `sample`, the plane holds every step-th voxel (step = [gy, gx]) and h, w count those.
 */
export interface SliceBox { y0: number; x0: number; h: number; w: number; step?: readonly [number, number] }

/**
 * Streams predictions of `model` over `source`: `onSlice(z, probs, box)` receives each output
 * z-slice once, in order, as planar float32 [outC][h][w] (the array is not reused; keep it if
 * needed). Without `part` the plane is the whole slice.
 */
export async function streamSlidingWindow(model: PatchModel, source: SlabSource,
  onSlice: (z: number, probs: Float32Array, box: SliceBox) => void | Promise<void>, opts: SlidingWindowOptions = {}): Promise<SlidingWindowRun> {
  const t0 = performance.now();
  const full = source.info.shape;
  const C = full[3];
  if (C !== model.inChannels) throw new LumenError('shape-mismatch', `the model expects ${model.inChannels} channel(s) but the image has ${C}`);
  const outC = model.outChannels;
  const multiple = model.dims === 3 ? model.sizeMultiple : [1, ...model.sizeMultiple];
  let wanted = opts.patch ?? (model.dims === 3 ? [64, 64, 64] : [1, 256, 256]);
  if (model.dims === 2 && wanted.length === 2) wanted = [1, ...wanted] as readonly number[];
  if (wanted.length !== 3) throw new LumenError('bad-input', `the patch needs 3 sizes (z,y,x), got ${wanted.join(',')}`);
  if (model.dims === 2 && wanted[0] !== 1) throw new LumenError('bad-input', 'a 2D model takes patches of depth 1');
  const patch = fitPatch(wanted, multiple, full.slice(0, 3));
  const [pd, ph, pw] = patch as [number, number, number];
  const overlap = opts.overlap ?? 0.25;
  const trim = opts.trim ?? 0;
  const trims = [0, 1, 2].map((i) => (typeof trim === 'number' ? trim : trim[i] ?? 0));
  const grid = patchGrid(full.slice(0, 3), patch, model.dims === 2 ? (typeof overlap === 'number' ? [0, overlap, overlap] : overlap) : overlap, model.dims === 2 ? [0, trims[1]!, trims[2]!] : trims);
  // a part runs the whole grid's patches that meet it, over its input box; indices below are the box's
  if (opts.part && !isRegionSource(source)) throw new LumenError('unsupported', 'this input cannot be read box by box; predict it whole');
  const box = opts.part ? partInput(grid, opts.part) : { origin: [0, 0, 0], size: full.slice(0, 3), starts: grid.axes.map((a) => a.starts) };
  const boxed = opts.part ? boxSource(source as never, box as never) : source;
  const [D, H, W] = box.size as [number, number, number];
  const [oz, oy, ox] = box.origin as [number, number, number];
  const local = box.starts.map((st, i) => st.map((s) => s - box.origin[i]!));
  const [zStarts, yStarts, xStarts] = local as [number[], number[], number[]];
  const blend = opts.blend ?? 'gaussian';
  const base = patch.map((p) => profile1d(p, blend, opts.sigmaScale));
  const profiles = grid.axes.map((a, i) => new Map(box.starts[i]!.map((s) => [s - box.origin[i]!, patchProfile(base[i]!, a, s, trims[i]!)])));
  const inv = grid.axes.map((a, i) => Float32Array.from(weightSum(base[i]!, a, trims[i]!), (s) => 1 / s).subarray(box.origin[i]!, box.origin[i]! + box.size[i]!));
  const [invZ, invY, invX] = inv as [Float32Array, Float32Array, Float32Array];
  // sampled output: accumulators hold the grid voxels only (index y/gy, x/gx), slices z % gz = 0
  const [gz, gy, gx] = opts.sample ?? [1, 1, 1];
  if (![gz, gy, gx].every((g) => Number.isInteger(g) && g >= 1)) throw new LumenError('bad-input', `the sample grid must be positive integers, not ${[gz, gy, gx].join(',')}`);
  const sampled = gz * gy * gx > 1;
  if (sampled && opts.part) throw new LumenError('unsupported', 'a sampled prediction covers the whole volume; it cannot be run by parts');
  const flips = flipSets(opts.flips, model.dims);
  const flipScale = 1 / flips.length;
  const batch = Math.max(1, Math.floor(opts.batch ?? 1));

  // statistics for z-scoring (a first pass over a subsample)
  const norm = opts.normalize ?? 'zscore';
  const stats: ChannelStats = norm === 'zscore' ? await estimateStats(source, () => throwIfCancelled(opts.signal))
    : norm === 'none' ? { mean: new Array(C).fill(0), sd: new Array(C).fill(1) } : norm;

  // input slices, planar [C][H][W], z-scored; output accumulators planar [outC][SH][SW]
  const HW = H * W;
  const SH = Math.ceil(H / gy), SW = Math.ceil(W / gx), SHW = SH * SW;
  const input = new Map<number, Float32Array>();
  const acc = new Map<number, Float32Array>();
  const need = async (z0: number, z1: number) => {
    for (const z of [...input.keys()]) if (z < z0) input.delete(z);
    let a = z0;
    while (a < z1 && input.has(a)) a++;
    if (a >= z1) return;
    const slab = await boxed.readSlices(a, z1);
    const data = slab.data;
    for (let z = a; z < z1; z++) {
      const s = new Float32Array(C * HW);
      const off = (z - a) * HW * C;
      for (let c = 0; c < C; c++) {
        const m = stats.mean[c]!, r = 1 / stats.sd[c]!;
        const dst = c * HW;
        // NaN/±Infinity voxels become 0 (the mean): one would make its whole patch NaN through the norms
        for (let i = 0, j = off + c; i < HW; i++, j += C) { const v = (data[j]! - m) * r; s[dst + i] = Number.isFinite(v) ? v : 0; }
      }
      input.set(z, s);
    }
  };

  const runners = new Map<number, PatchRunner>();
  const runner = async (b: number) => {
    let r = runners.get(b);
    if (!r) {
      const shape = model.dims === 3 ? [b, CI, pd, ph, pw] : [b, CI, ph, pw];
      r = await model.open(shape);
      runners.set(b, r);
    }
    return r;
  };
  const patchLen = pd * ph * pw;
  // the model's input channels: the image's, then the voxels' positions where it wants them
  const CI = C + (model.coordinates ? COORDINATE_CHANNELS : 0);
  const buffers = new Map<number, Float32Array>();
  const totalItems = zStarts.length * yStarts.length * xStarts.length * flips.length;
  const V = D * H * W;
  let itemsDone = 0, runs = 0, netMs = 0;

  const gather = (zs: number, it: Item, dst: Float32Array, at: number) => {
    const [fz, fy, fx] = it.flip;
    for (let c = 0; c < C; c++) {
      for (let z = 0; z < pd; z++) {
        const srcZ = zs + (fz ? pd - 1 - z : z);
        const slice = input.get(srcZ);
        for (let y = 0; y < ph; y++) {
          const o = at + ((c * pd + z) * ph + y) * pw;
          const gyy = it.ys + (fy ? ph - 1 - y : y);
          if (!slice || gyy >= H) { dst.fill(0, o, o + pw); continue; }
          const row = c * HW + gyy * W + it.xs;
          const n = Math.min(pw, W - it.xs);
          if (!fx) {
            dst.set(slice.subarray(row, row + n), o);
            if (n < pw) dst.fill(0, o + n, o + pw);
          } else {
            // flipped x: dst[x] = src[pw-1-x]; positions past the volume's end are padding
            for (let x = 0; x < pw; x++) {
              const sx = pw - 1 - x;
              dst[o + x] = sx < n ? slice[row + sx]! : 0;
            }
          }
        }
      }
    }
  };

  const scatter = (zs: number, it: Item, out: Float32Array, at: number) => {
    if (sampled) { scatterSampled(zs, it, out, at); return; }
    const [fz, fy, fx] = it.flip;
    const wz = profiles[0]!.get(zs)!, wy = profiles[1]!.get(it.ys)!, wx = profiles[2]!.get(it.xs)!;
    const nz = Math.min(pd, D - zs), ny = Math.min(ph, H - it.ys), nx = Math.min(pw, W - it.xs);
    for (let z = 0; z < nz; z++) {
      const a = acc.get(zs + z)!;
      const oz = fz ? pd - 1 - z : z;
      for (let oc = 0; oc < outC; oc++) {
        for (let y = 0; y < ny; y++) {
          const oy = fy ? ph - 1 - y : y;
          const wzy = wz[z]! * wy[y]! * flipScale;
          if (wzy === 0) continue;
          const src = at + ((oc * pd + oz) * ph + oy) * pw;
          const dst = oc * HW + (it.ys + y) * W + it.xs;
          if (!fx) for (let x = 0; x < nx; x++) a[dst + x]! += out[src + x]! * wzy * wx[x]!;
          else for (let x = 0; x < nx; x++) a[dst + x]! += out[src + pw - 1 - x]! * wzy * wx[x]!;
        }
      }
    }
  };

  // the same sums as scatter, on the grid voxels only: each gets the same terms in the same order
  const scatterSampled = (zs: number, it: Item, out: Float32Array, at: number) => {
    const [fz, fy, fx] = it.flip;
    const wz = profiles[0]!.get(zs)!, wy = profiles[1]!.get(it.ys)!, wx = profiles[2]!.get(it.xs)!;
    const nz = Math.min(pd, D - zs), ny = Math.min(ph, H - it.ys), nx = Math.min(pw, W - it.xs);
    const z0 = (gz - (zs % gz)) % gz, y0 = (gy - (it.ys % gy)) % gy, x0 = (gx - (it.xs % gx)) % gx;
    for (let z = z0; z < nz; z += gz) {
      const a = acc.get(zs + z)!;
      const oz = fz ? pd - 1 - z : z;
      for (let oc = 0; oc < outC; oc++) {
        for (let y = y0; y < ny; y += gy) {
          const oy = fy ? ph - 1 - y : y;
          const wzy = wz[z]! * wy[y]! * flipScale;
          if (wzy === 0) continue;
          const src = at + ((oc * pd + oz) * ph + oy) * pw;
          const dst = oc * SHW + ((it.ys + y) / gy) * SW + (it.xs + x0) / gx;
          if (!fx) for (let x = x0, j = dst; x < nx; x += gx, j++) a[j]! += out[src + x]! * wzy * wx[x]!;
          else for (let x = x0, j = dst; x < nx; x += gx, j++) a[j]! += out[src + pw - 1 - x]! * wzy * wx[x]!;
        }
      }
    }
  };

  const sliceBox: SliceBox = sampled ? { y0: oy, x0: ox, h: SH, w: SW, step: [gy, gx] } : { y0: oy, x0: ox, h: H, w: W };
  try {
    let flushed = 0;
    for (let k = 0; k < zStarts.length; k++) {
      throwIfCancelled(opts.signal);
      const zs = zStarts[k]!;
      await need(zs, Math.min(D, zs + pd));
      for (let z = zs; z < Math.min(D, zs + pd); z++) if (!acc.has(z) && z % gz === 0) acc.set(z, new Float32Array(outC * SHW));
      const items: Item[] = [];
      for (const ys of yStarts) for (const xs of xStarts) for (const flip of flips) items.push({ ys, xs, flip });
      // a band shared with a neighbouring part: its network outputs may already be on disk
      const itemLen = outC * patchLen;
      const shared = opts.part && opts.bandCache && (oz + zs < opts.part.start[0] || oz + zs + pd > opts.part.end[0])
        ? `z${oz + zs}-y${box.starts[1]!.join('.')}-x${box.starts[2]!.join('.')}-f${flips.length}` : undefined;
      const reused = shared ? opts.bandCache!.read(shared, items.length * itemLen) : undefined;
      if (reused) {
        items.forEach((it, j) => scatter(zs, it, reused, j * itemLen));
        itemsDone += items.length;
        opts.onProgress?.(Math.round((V * itemsDone) / totalItems), V);
      }
      const band = shared && !reused ? new Float32Array(items.length * itemLen) : undefined;
      for (let i = 0; i < (reused ? 0 : items.length); i += batch) {
        throwIfCancelled(opts.signal);
        const group = items.slice(i, i + batch);
        const b = group.length;
        let buf = buffers.get(b);
        if (!buf) { buf = new Float32Array(b * CI * patchLen); buffers.set(b, buf); }
        group.forEach((it, j) => {
          gather(zs, it, buf!, j * CI * patchLen);
          if (CI > C) fillCoordinates(buf!, j * CI * patchLen + C * patchLen, [oz + zs, oy + it.ys, ox + it.xs], patch, full.slice(0, 3), it.flip);
        });
        const r = await runner(b);
        const t = performance.now();
        const out = await r.run(buf);
        netMs += performance.now() - t;
        runs++;
        group.forEach((it, j) => scatter(zs, it, out, j * itemLen));
        band?.set(out.subarray(0, b * itemLen), i * itemLen);
        itemsDone += b;
        opts.onProgress?.(Math.round((V * itemsDone) / totalItems), V);
      }
      if (band) opts.bandCache!.write(shared!, band);
      // slices no later band touches are final
      const until = k + 1 < zStarts.length ? zStarts[k + 1]! : D;
      for (let z = flushed; z < until; z++) {
        if (z % gz !== 0) continue;
        const a = acc.get(z)!;
        acc.delete(z);
        const sz = invZ[z]!;
        for (let oc = 0; oc < outC; oc++) {
          for (let y = 0, j = 0; y < H; y += gy, j++) {
            const s = sz * invY[y]!;
            const row = oc * SHW + j * SW;
            for (let x = 0, i = 0; x < W; x += gx, i++) a[row + i]! *= s * invX[x]!;
          }
        }
        await onSlice(oz + z, a, sliceBox);
      }
      flushed = Math.max(flushed, until);
    }
  } finally {
    for (const r of runners.values()) await r.release();
  }
  return { patch, grid, stats, patches: grid.count, networkRuns: runs, seconds: (performance.now() - t0) / 1000, networkSeconds: netMs / 1000 };
}

/** Sliding-window prediction of an in-memory volume → float32 probabilities [z, y, x, outC]. */
export async function slidingWindowPredict(model: PatchModel, volume: Volume, opts: SlidingWindowOptions = {}): Promise<Volume & { run: SlidingWindowRun }> {
  const [D, H, W] = volume.shape;
  const outC = model.outChannels;
  const out = makeVolume([D, H, W, outC], 'float32', undefined, volume.geometry);
  const data = out.data as Float32Array;
  const HW = H * W;
  const run = await streamSlidingWindow(model, memorySource(volume), (z, probs) => {
    const off = z * HW * outC;
    if (outC === 1) data.set(probs, off);
    else for (let c = 0; c < outC; c++) for (let i = 0; i < HW; i++) data[off + i * outC + c] = probs[c * HW + i]!;
  }, opts);
  return Object.assign(out, { run });
}
