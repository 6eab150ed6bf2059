// Objects in an image of any size: a StarDist network's sliding window runs once over the source
// (streamSlidingWindow, blended across overlapping patches), each output slice is reduced to its
// candidates as it streams (candidates.ts), and only after the last slice are all candidates
// sorted and put through one global NMS (suppressSorted), whose kept shapes are then painted slab
// by slab into the sink (paint.ts). An object cut by a patch border is thus decided once, on the
// blended output, like any other: never duplicated by two tiles, never split between them.
//
// The sliding window blends only the voxels on the decoding grid (its `sample` option), the only
// ones decoding reads, with the values a full pass gives them: the result is exactly
// decodeStarOutput (train/predict-instances.ts) of the same network output, voxel for voxel.
// Memory: the candidates (about 4·(R + 4) bytes each), one band of the network's output on the grid
// (patch depth/gz × (1 + R) × ⌈H/gy⌉ × ⌈W/gx⌉ × 4 bytes), the kept shapes' masks, and one slab of
// labels; never the whole (1 + R)-channel output nor the whole label image.
import { LumenError } from '../../errors.ts';
import type { DType, Shape4 } from '../../volume.ts';
import { makeVolume } from '../../volume.ts';
import type { PatchModel } from '../../infer/patch-model.ts';
import type { SlabSource, SliceSink } from '../../infer/source.ts';
import type { OpenSink, ObjectStats } from '../../infer/pipeline.ts';
import { streamSlidingWindow, type SlidingWindowOptions, type SlidingWindowRun } from '../../infer/sliding-window.ts';
import { throwIfCancelled, type InferProgress } from '../../infer/cancel.ts';
import { suppressSorted, type NmsResult, type NmsStats } from '../nms.ts';
import type { Rays } from '../rays.ts';
import { StarPolygon } from '../polygon.ts';
import { StarPolyhedron } from '../polyhedron.ts';
import type { Shape3 } from '../shape.ts';
import type { StarShape } from '../star-shape.ts';
import { decodingRays, type InstanceDecoding } from '../train/decoding.ts';
import { CandidateStore } from './candidates.ts';
import { SlabPainter } from './paint.ts';

export type InstancePhase = 'stats' | 'predict' | 'nms' | 'write';

/** done/total: monotonic over the whole job, prediction counting the volume's voxels once, NMS once, writing once */
export interface InstanceProgress extends InferProgress { phase: InstancePhase }

export interface InstanceJobOptions extends Omit<SlidingWindowOptions, 'onProgress' | 'part' | 'bandCache'> {
  /** override the model's stored thresholds */
  probThreshold?: number;
  nmsThreshold?: number;
  /** candidates every [z, y, x] voxels instead of the model's decoding grid: a coarser grid means
   * proportionally fewer candidates and a faster NMS (3D: the bulk of decoding), each object still
   * being found from its best candidate on the coarser grid */
  candidateGrid?: readonly [number, number, number];
  /** slices handed to the sink at a time (default: about 16 M voxels' worth) */
  slabDepth?: number;
  onProgress?: (p: InstanceProgress) => void;
}

export interface InstanceStageSeconds {
  /** ONNX Runtime's runs */
  network: number;
  /** the sliding window around them: reading, z-scoring, gathering patches, blending */
  window: number;
  /** reading candidates from the streamed slices, then sorting them */
  candidates: number;
  nms: number;
  /** painting the kept shapes slab by slab and writing the slabs */
  write: number;
}

export interface InstanceJobResult {
  shape: Shape4;
  dtype: DType;
  run: SlidingWindowRun;
  /** objects found (ids 1..count, most probable first) and voxels per id */
  objects: ObjectStats;
  /** grid voxels above the probability threshold */
  candidates: number;
  probThreshold: number;
  nmsThreshold: number;
  /** the grid candidates were read on, z, y, x */
  candidateGrid: [number, number, number];
  stages: InstanceStageSeconds;
  /** CPU seconds of the process (all threads) while predicting (network, window, candidates read
   * as slices stream), then while sorting + NMS (one thread), then while writing: on a shared
   * machine the wall times above say as much about the neighbours as about the work */
  cpuSeconds: { predict: number; nms: number; write: number };
  nmsStats: NmsStats;
  /** peak bytes of the candidate store */
  candidateBytes: number;
  seconds: number;
}

/** The checks a model + decoding + image must pass; one readable line each. */
export function checkInstanceJob(model: PatchModel, shape: Shape4, d: InstanceDecoding): void {
  if (model.outChannels !== 1 + d.rays) throw new LumenError('damaged', `the instance model has ${model.outChannels} outputs but its decoding needs 1 + ${d.rays} (probability + rays)`);
  if (d.dims !== model.dims) throw new LumenError('damaged', `the instance model is a ${model.dims}D network but decodes ${d.dims}D objects`);
  if (d.dims === 2 && shape[0] > 1) throw new LumenError('bad-input', `a 2D instance model finds objects in single images; this is a stack of ${shape[0]} slices (use a 3D model, e.g. nuclei-3d)`);
  if (model.inChannels !== shape[3]) throw new LumenError('shape-mismatch', `the model takes ${model.inChannels}-channel images; this image has ${shape[3]}`);
}

const SLAB_VOXELS = 1 << 24;

/** suppressSorted over the store's candidates in `order`; `tick(j)` about every 1% of them. */
function suppressCandidates(store: CandidateStore, order: Int32Array, rays: Rays, image: Shape3, threshold: number, tick: (j: number) => void): NmsResult {
  const n = store.count, R = store.rays, centres = store.centres, dists = store.dists;
  const [, H, W] = image;
  const step = Math.max(1, Math.min(4096, Math.floor(n / 100)));
  const make = (j: number): StarShape => {
    if (j % step === 0) tick(j);
    const i = order[j]!, c = 3 * i, d = dists.subarray(i * R, i * R + R);
    return rays.dim === 2
      ? new StarPolygon([centres[c + 1]!, centres[c + 2]!], d, rays, [H, W])
      : new StarPolyhedron([centres[c]!, centres[c + 1]!, centres[c + 2]!], d, rays, image);
  };
  return suppressSorted(n, make, rays.dim === 2 ? [H, W] : image, threshold);
}

export async function predictInstancesToSink(model: PatchModel, source: SlabSource, decoding: InstanceDecoding, openSink: OpenSink,
  opts: InstanceJobOptions = {}): Promise<InstanceJobResult> {
  const t0 = performance.now();
  const info = source.info;
  checkInstanceJob(model, info.shape, decoding);
  const [D, H, W] = info.shape;
  const HW = H * W, V = D * HW;
  const image: Shape3 = [D, H, W];
  const rays = decodingRays(decoding);
  const R = decoding.rays;
  const cg = opts.candidateGrid ?? decoding.grid;
  if (cg.length !== 3 || !cg.every((g) => Number.isInteger(g) && g >= 1)) throw new LumenError('bad-input', `the candidate grid must be three positive integers z,y,x, not ${cg.join(',')}`);
  const grid: [number, number, number] = decoding.dims === 2 ? [1, cg[1]!, cg[2]!] : [cg[0]!, cg[1]!, cg[2]!];
  const probThreshold = opts.probThreshold ?? decoding.probThreshold;
  const nmsThreshold = opts.nmsThreshold ?? decoding.nmsThreshold;
  if (!(nmsThreshold >= 0 && nmsThreshold < 1)) throw new LumenError('bad-input', `the NMS threshold must be from 0 up to (not including) 1, not ${nmsThreshold}`);

  // progress: prediction V, NMS V (by candidates), writing V
  const total = 3 * V;
  let phase: InstancePhase = 'stats', phaseStart = performance.now(), phaseBase = 0, lastDone = 0;
  const report = (p: InstancePhase, done: number, phaseEnd: number) => {
    if (p !== phase) { phase = p; phaseStart = performance.now(); phaseBase = lastDone; }
    done = Math.max(lastDone, Math.min(total, done));
    lastDone = done;
    const inPhase = done - phaseBase;
    const rate = inPhase / ((performance.now() - phaseStart) / 1000);
    opts.onProgress?.({ phase: p, done, total, etaSeconds: inPhase > 0 ? (phaseEnd - done) / rate : NaN });
  };
  report('stats', 0, V);

  const cpu0 = process.cpuUsage();
  const cpuNow = () => { const c = process.cpuUsage(cpu0); return (c.user + c.system) / 1e6; };
  // 1. the network, once; candidates out of each finished slice
  const store = new CandidateStore(R);
  let extractMs = 0;
  const { onProgress: _drop, probThreshold: _p, nmsThreshold: _n, slabDepth: _s, candidateGrid: _g, ...window } = opts;
  const run = await streamSlidingWindow(model, source, (z, out, box) => {
    const t = performance.now();
    store.addSlice(z, out, box, grid, probThreshold);
    extractMs += performance.now() - t;
  }, { ...window, sample: grid, onProgress: (done) => report('predict', done, V) });
  report('predict', V, V);
  const cpuPredict = cpuNow();
  let t = performance.now();
  const order = store.order();
  const sortMs = performance.now() - t;
  // a cancel that arrived during the last network run is delivered on a macrotask: let it in
  await new Promise((resolve) => setImmediate(resolve));
  throwIfCancelled(opts.signal);

  // 2. one NMS over all candidates, most probable first; the kept shapes copy their distances,
  // so the candidates are let go before the labels are written
  const n = store.count, candidateBytes = store.bytes;
  const nms = suppressCandidates(store, order, rays, image, nmsThreshold, (j) => {
    throwIfCancelled(opts.signal);
    report('nms', V + (V * j) / n, 2 * V);
  });
  store.clear();
  report('nms', 2 * V, 2 * V);

  // 3. the label image, slab by slab
  const cpuNms = cpuNow();
  t = performance.now();
  const count = nms.kept.length;
  const dtype: DType = count > 0xffff ? 'uint32' : 'uint16';
  const slabDepth = Math.max(1, Math.min(D, opts.slabDepth ?? Math.floor(SLAB_VOXELS / HW)));
  const painter = new SlabPainter(nms.shapes, nms.masks, image, slabDepth);
  const labels = dtype === 'uint32' ? new Uint32Array(slabDepth * HW) : new Uint16Array(slabDepth * HW);
  let sink: SliceSink | undefined;
  try {
    sink = openSink({ shape: [D, H, W, 1], dtype });
    for (let k = 0; k < painter.slabs; k++) {
      throwIfCancelled(opts.signal);
      const [z0, z1] = painter.range(k);
      painter.paint(k, labels);
      await sink.writeSlices(makeVolume([z1 - z0, H, W, 1], dtype, labels.subarray(0, (z1 - z0) * HW), info.geometry));
      report('write', 2 * V + z1 * HW, total);
    }
    throwIfCancelled(opts.signal);
    await sink.close();
    sink = undefined;
  } catch (e) {
    if (sink) await sink.abort();
    throw e;
  }
  const writeSeconds = (performance.now() - t) / 1000;
  report('write', total, total);
  return {
    shape: [D, H, W, 1], dtype, run,
    objects: { count, sizes: Array.from(painter.sizes) },
    candidates: n, probThreshold, nmsThreshold, candidateGrid: grid,
    stages: {
      network: run.networkSeconds, window: Math.max(0, run.seconds - run.networkSeconds - extractMs / 1000),
      candidates: (extractMs + sortMs) / 1000, nms: nms.ms / 1000, write: writeSeconds,
    },
    cpuSeconds: { predict: cpuPredict, nms: cpuNms - cpuPredict, write: cpuNow() - cpuNms },
    nmsStats: nms.stats, candidateBytes, seconds: (performance.now() - t0) / 1000,
  };
}
