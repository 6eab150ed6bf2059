// A whole inference job over a streamed volume: sliding window → probabilities or labels →
// optional post-processing → a sink, with progress and cancellation throughout.
//
// Post-processing that needs the whole volume (fill holes, drop small objects, keep the largest,
// instance labels) works in passes over a temporary uint8 mask file, so memory stays bounded:
//   pass 0 (during prediction): threshold each finished slice, append it to the mask file, and
//          scan the first component stage (components.ts keeps only one previous slice);
//   pass j: read the mask back slice by slice, replay the stages already finished (each turns the
//          mask into its result: holes filled, small objects dropped), scan the next stage;
//   last:   the same replays, then write the final slices to the sink.
// Stage order: fill holes (background, 6-connected), then objects (foreground, 26-connected by
// default): filling first lets a hole join its object before objects are measured.
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DType, Shape4, TypedArray } from '../volume.ts';
import { makeVolume } from '../volume.ts';
import type { PatchModel } from './patch-model.ts';
import type { SlabSource, SliceSink } from './source.ts';
import { streamSlidingWindow, type SlidingWindowOptions, type SlidingWindowRun } from './sliding-window.ts';
import { thresholdSlice } from './postprocess/threshold.ts';
import { uncertaintySlice } from './uncertainty.ts';
import { ComponentScanner, keptComponents, type ComponentTable, type Connectivity } from './postprocess/components.ts';
import { throwIfCancelled, type InferPhase, type InferProgress } from './cancel.ts';
import { LumenError } from '../errors.ts';

export interface PostprocessOptions {
  /** probability at or above which a voxel is foreground (default 0.5) */
  threshold?: number;
  /** value written for foreground in binary label output (default 1; 255 for viewers) */
  value?: number;
  /**
   * Multi-class models (several output channels): the label value written for each channel, the
   * model's classes (background first, so it is written as 1); default k + 1 for channel k.
   */
  classValues?: number[];
  fillHoles?: boolean;
  /** drop objects with fewer voxels */
  minSize?: number;
  /** keep only the k largest objects */
  keepLargest?: number;
  /** write instance ids 1..n (uint16, or uint32 past 65535 objects) instead of a binary mask */
  instances?: boolean;
  /** object connectivity (default 26) */
  connectivity?: Connectivity;
}

export interface PredictJobOptions extends Omit<SlidingWindowOptions, 'onProgress'> {
  /** 'labels' (default): uint8 mask / class map / instance ids; 'probabilities': float32, one channel per output */
  output?: 'labels' | 'probabilities';
  post?: PostprocessOptions;
  /** folder for the temporary mask of whole-volume post-processing (default: the OS temp folder) */
  tempDir?: string;
  /**
   * A second output: how unsure the model is at each voxel (uncertainty.ts; float32 [D, H, W, 1],
   * 0 = sure, 1 = the classes equally likely), from the same blended probabilities the labels come
   * from, written slice by slice beside them, so the volume is never held twice.
   */
  uncertainty?: OpenSink;
  onProgress?: (p: InferProgress) => void;
}

export interface ObjectStats { count: number; /** voxels per object, by id - 1 */ sizes: number[] }

export interface PredictJobResult {
  shape: Shape4;
  dtype: DType;
  run: SlidingWindowRun;
  objects?: ObjectStats;
  seconds: number;
}

export type OpenSink = (spec: { shape: Shape4; dtype: DType }) => SliceSink;

type Stage = { kind: 'fill'; scanner: ComponentScanner; table?: ComponentTable }
  | { kind: 'objects'; scanner: ComponentScanner; table?: ComponentTable; keep?: Uint8Array; newId?: Int32Array };

export async function predictToSink(model: PatchModel, source: SlabSource, openSink: OpenSink, opts: PredictJobOptions = {}): Promise<PredictJobResult> {
  const t0 = performance.now();
  const [D, H, W] = source.info.shape;
  const HW = H * W, V = D * HW;
  const outC = model.outChannels;
  const post = opts.post ?? {};
  const probabilities = opts.output === 'probabilities';
  const value = post.value ?? 1;
  const wantsObjects = !probabilities && (post.minSize !== undefined || post.keepLargest !== undefined || post.instances === true);
  const stages: Stage[] = [];
  if (!probabilities && post.fillHoles) stages.push({ kind: 'fill', scanner: new ComponentScanner(H, W, D, 6, 'zero') });
  if (wantsObjects) stages.push({ kind: 'objects', scanner: new ComponentScanner(H, W, D, post.connectivity ?? 26, 'nonzero') });
  if (post.instances && outC > 1) throw new LumenError('bad-input', 'instance labels need a single-output model');
  // the object stages see "non-zero = foreground", which a class map (background = 1) is not
  if (!probabilities && outC > 1 && (post.fillHoles || post.minSize !== undefined || post.keepLargest !== undefined)) {
    throw new LumenError('bad-input', `hole filling and object filters (--fill-holes, --min-size, --keep-largest) apply to binary models; this one has ${outC} classes`);
  }
  if (post.classValues && post.classValues.length !== outC && outC > 1) {
    throw new LumenError('bad-input', `the model has ${outC} output channels but ${post.classValues.length} class values`);
  }

  // progress over the whole job: prediction counts V voxels, each post-processing pass V more
  const total = V * (1 + stages.length);
  let phase: InferPhase = 'stats', phaseStart = performance.now(), phaseBase = 0, lastDone = 0;
  const report = (p: InferPhase, done: number) => {
    if (p !== phase) { phase = p; phaseStart = performance.now(); phaseBase = lastDone; }
    done = Math.max(lastDone, Math.min(total, done));
    lastDone = done;
    const inPhase = done - phaseBase;
    const phaseEnd = p === 'predict' ? V : total;
    const rate = inPhase / ((performance.now() - phaseStart) / 1000);
    opts.onProgress?.({ phase: p, done, total, etaSeconds: inPhase > 0 ? (phaseEnd - done) / rate : NaN });
  };
  report('stats', 0);

  let sink: SliceSink | undefined;
  let uncertaintySink: SliceSink | undefined;
  let maskFd: number | undefined;
  const maskPath = stages.length > 0 ? join(opts.tempDir ?? tmpdir(), `lumen-mask-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.raw`) : undefined;
  const geometry = source.info.geometry;
  const write = async (data: TypedArray, dtype: DType, c: number) => {
    await sink!.writeSlices(makeVolume([1, H, W, c], dtype, data, geometry));
  };

  try {
    let finalDtype: DType = probabilities ? 'float32' : 'uint8';
    if (stages.length === 0) sink = openSink({ shape: [D, H, W, probabilities ? outC : 1], dtype: finalDtype });
    else maskFd = openSync(maskPath!, 'w+');
    const mask = new Uint8Array(HW);
    const inter = probabilities && outC > 1 ? new Float32Array(HW * outC) : undefined;
    if (opts.uncertainty) uncertaintySink = opts.uncertainty({ shape: [D, H, W, 1], dtype: 'float32' });
    const unsure = uncertaintySink ? new Float32Array(HW) : undefined;

    const run = await streamSlidingWindow(model, source, async (z, probs) => {
      if (unsure) await uncertaintySink!.writeSlices(makeVolume([1, H, W, 1], 'float32', uncertaintySlice(probs, outC, HW, unsure), geometry));
      if (probabilities) {
        if (!inter) await write(probs, 'float32', 1);
        else {
          for (let c = 0; c < outC; c++) for (let i = 0; i < HW; i++) inter[i * outC + c] = probs[c * HW + i]!;
          await write(inter, 'float32', outC);
        }
      } else {
        thresholdSlice(probs, outC, HW, post.threshold ?? 0.5, mask, value, post.classValues);
        if (maskFd === undefined) await write(mask, 'uint8', 1);
        else {
          writeSync(maskFd, mask, 0, HW, z * HW);
          stages[0]!.scanner.scan(mask);
        }
      }
    }, { ...opts, onProgress: (done) => report('predict', done) });
    report('predict', V);

    let objects: ObjectStats | undefined;
    const finishStage = (s: Stage) => {
      s.table = s.scanner.finish();
      if (s.kind === 'objects') {
        s.keep = keptComponents(s.table.sizes, { minSize: post.minSize, keepLargest: post.keepLargest });
        s.newId = new Int32Array(s.table.count + 1);
        const sizes: number[] = [];
        for (let id = 1; id <= s.table.count; id++) if (s.keep[id]) { sizes.push(s.table.sizes[id - 1]!); s.newId[id] = sizes.length; }
        objects = { count: sizes.length, sizes };
      }
    };

    for (let pass = 1; pass <= stages.length; pass++) {
      finishStage(stages[pass - 1]!);
      for (let t = 0; t < pass; t++) stages[t]!.scanner.replay();
      const last = pass === stages.length;
      const objectsStage = stages.find((s) => s.kind === 'objects');
      let outDtype: DType = 'uint8';
      if (last && post.instances && objectsStage) outDtype = objects!.count <= 65535 ? 'uint16' : 'uint32';
      if (last) { sink = openSink({ shape: [D, H, W, 1], dtype: outDtype }); finalDtype = outDtype; }
      const ids = outDtype === 'uint16' ? new Uint16Array(HW) : outDtype === 'uint32' ? new Uint32Array(HW) : undefined;
      for (let z = 0; z < D; z++) {
        throwIfCancelled(opts.signal);
        const got = readSync(maskFd!, mask, 0, HW, z * HW);
        if (got !== HW) throw new LumenError('truncated', 'the temporary mask file was cut short');
        for (let t = 0; t < pass; t++) {
          const s = stages[t]!;
          const prov = s.scanner.scan(mask);
          const idOf = s.table!.idOf;
          if (s.kind === 'fill') {
            const border = s.table!.touchesBorder;
            for (let i = 0; i < HW; i++) { const l = prov[i]!; if (l !== 0 && !border[idOf[l]! - 1]) mask[i] = value; }
          } else if (ids && last) {
            for (let i = 0; i < HW; i++) { const l = prov[i]!; ids[i] = l === 0 ? 0 : s.newId![idOf[l]!]!; }
          } else {
            const keep = s.keep!;
            for (let i = 0; i < HW; i++) { const l = prov[i]!; if (l !== 0 && !keep[idOf[l]!]) mask[i] = 0; }
          }
        }
        if (last) await write(ids ?? mask, outDtype, 1);
        else stages[pass]!.scanner.scan(mask);
        report('postprocess', V * pass + (z + 1) * HW);
      }
    }
    // a cancel that arrived during the last network run is delivered on a macrotask: let it in
    await new Promise((resolve) => setImmediate(resolve));
    throwIfCancelled(opts.signal);
    // the uncertainty first: should it fail, the labels are still open and are aborted with it
    if (uncertaintySink) { await uncertaintySink.close(); uncertaintySink = undefined; }
    await sink!.close();
    sink = undefined;
    report(phase, total);
    return { shape: [D, H, W, probabilities ? outC : 1], dtype: finalDtype, run, objects, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    if (sink) await sink.abort();
    if (uncertaintySink) await uncertaintySink.abort();
    throw e;
  } finally {
    if (maskFd !== undefined) closeSync(maskFd);
    if (maskPath) try { unlinkSync(maskPath); } catch { /* never created */ }
  }
}
