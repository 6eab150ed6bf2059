// `lumen predict --blocks init | K/N | finish` on OME-Zarr: the three steps of a block-wise job.
//   init    creates the output (metadata and empty arrays) and records in it everything a task
//           needs: the model (path and SHA-256), the window, the whole volume's input statistics
//           and the block plan. Tasks read those settings instead of their own flags, so N
//           processes started at once cannot disagree, and the result says how it was made.
//   K/N     predicts block set K of N (skipping finished blocks) and leaves a task report.
//   finish  checks that every block is finished and builds the lower pyramid levels.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { LumenError } from '../../src-shared/errors.ts';
import { importSegmenterOnnx, type SegmenterFile } from '../../src-shared/segmenter/model-file.ts';
import { segmenterPatchModel, segmenterWindow } from '../../src-shared/segmenter/patch-model.ts';
import { estimateStats, type ChannelStats } from '../../src-shared/infer/normalize.ts';
import type { SlidingWindowOptions } from '../../src-shared/infer/sliding-window.ts';
import type { LabelOptions } from '../../src-shared/infer/postprocess/threshold.ts';
import type { Vec3 } from '../../src-shared/infer/window-part.ts';
import { blockPlaneFor, blocksOfSet, planBlocks, type BlockPlan } from '../../src-shared/infer/blocks/block-plan.ts';
import { outputDtype, predictBlocks, type BlockJob, type BlockMarkers } from '../../src-shared/infer/blocks/block-job.ts';
import { buildPyramid, createOmeZarr, openOmeZarr, openOmeZarrForWrite } from '../../src-shared/io/zarr/index.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { definedOnly } from '../args.ts';
import { fingerprintFile } from '../store/file-hash.ts';
import { fileBandCache, finishedBlocks, fileMarkers, readTaskReports, removeBandCache, writeTaskReport, type TaskReport } from './block-files.ts';

/** What init records under the output's `lumen` attribute. */
export interface BlockSettings {
  kind: 'lumen-block-prediction';
  version: 1;
  model: { path: string; sha256: string };
  image: { path: string; shape: number[] };
  output: BlockJob['output'];
  labels: LabelOptions;
  window: Pick<SlidingWindowOptions, 'patch' | 'overlap' | 'blend' | 'flips' | 'batch' | 'trim'>;
  stats: ChannelStats;
  plan: BlockPlan;
  createdAt: string;
  finishedAt?: string;
}

export interface InitOptions {
  model: string;
  image: string;
  out: string;
  output: BlockJob['output'];
  labels?: LabelOptions;
  window?: BlockSettings['window'];
  /** output chunks (default: the input's level-0 chunks) */
  chunks?: Vec3;
  zarrFormat?: 2 | 3;
  device?: DeviceChoice;
}

function loadModel(path: string): { bytes: Uint8Array; file: SegmenterFile } {
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(readFileSync(path)); } catch (e) {
    throw new LumenError('bad-input', `cannot read the model ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return { bytes, file: importSegmenterOnnx(bytes) };
}

export async function initBlocks(o: InitOptions): Promise<BlockSettings> {
  const { file } = loadModel(o.model);
  const reader = await openOmeZarr(o.image);
  try {
    const [D, H, W, C] = reader.info.shape;
    const runtime = createRuntime({ device: o.device ?? 'cpu', threads: 1 });
    const model = segmenterPatchModel(runtime.factory, file.segmenter);
    if (C !== model.inChannels) throw new LumenError('shape-mismatch', `the model expects ${model.inChannels} channel(s) but ${o.image} has ${C}`);
    const chunks = o.chunks ?? reader.chunks;
    const window = { ...segmenterWindow(file.segmenter, [D, H, W]), ...definedOnly(o.window ?? {}) };
    const plan = planBlocks([D, H, W], chunks, { maxPlane: blockPlaneFor(window.patch) });
    const classValues = model.outChannels > 1 ? file.classes : undefined;
    const settings: BlockSettings = {
      kind: 'lumen-block-prediction', version: 1,
      // absolute, so tasks started in another folder (a compute node's) find them
      model: { path: resolve(o.model), sha256: fingerprintFile(o.model).sha256 },
      image: { path: resolve(o.image), shape: reader.info.shape },
      output: o.output,
      labels: { ...o.labels, ...(classValues ? { classValues } : {}) },
      window,
      stats: await estimateStats(reader),
      plan,
      createdAt: new Date().toISOString(),
    };
    // an output prepared before with the same settings is resumed (its finished blocks are kept)
    if (existsSync(o.out)) {
      const before = readSettings(o.out);
      if (sameJob(before, settings)) return before;
      throw new LumenError('bad-input', `${o.out} already holds a block-wise prediction with other settings (model, image or options); delete it or choose another output`);
    }
    const channels = o.output === 'labels' ? 1 : model.outChannels;
    createOmeZarr(o.out, {
      shape: [D, H, W, channels], dtype: outputDtype(o.output), geometry: reader.info.geometry, chunks,
      zarrFormat: o.zarrFormat ?? 3, attributes: { lumen: settings },
    });
    return settings;
  } finally {
    await reader.close();
  }
}

/** Two preparations of the same job: same model bytes, image shape, output kind, labels, window and plan. */
function sameJob(a: BlockSettings, b: BlockSettings): boolean {
  const key = (s: BlockSettings) => JSON.stringify([s.model.sha256, s.image.shape, s.output, s.labels, s.window, s.stats, s.plan]);
  return key(a) === key(b);
}

export function readSettings(out: string): BlockSettings {
  let attrs: Record<string, unknown>;
  try { attrs = openOmeZarrForWrite(out).readAttributes(); } catch (e) {
    throw new LumenError('bad-input', `${out} is not an output prepared for block-wise prediction (run lumen predict --blocks init first): ${(e as Error).message}`);
  }
  const s = attrs.lumen as BlockSettings | undefined;
  if (s?.kind !== 'lumen-block-prediction') throw new LumenError('bad-input', `${out} was not prepared by lumen predict --blocks init; run that first`);
  return s;
}

export interface SetResult extends TaskReport { total: number }

export async function runBlockSet(out: string, k: number, n: number, opts: { image?: string; device?: DeviceChoice; threads?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<SetResult> {
  const settings = readSettings(out);
  const t0 = performance.now();
  // the image may be given under another path (a cluster mounts it elsewhere); its shape must agree
  const imagePath = opts.image ?? settings.image.path;
  let sha: string | undefined;
  try { sha = fingerprintFile(settings.model.path).sha256; } catch { /* reported by loadModel */ }
  if (sha !== undefined && sha !== settings.model.sha256) {
    throw new LumenError('bad-input', `the model ${settings.model.path} has changed since this output was prepared; start a new output`);
  }
  const { file } = loadModel(settings.model.path);
  const reader = await openOmeZarr(imagePath);
  try {
    if (reader.info.shape.join() !== settings.image.shape.join()) {
      throw new LumenError('shape-mismatch', `${imagePath} is ${reader.info.shape.join('×')} but the output was prepared for ${settings.image.shape.join('×')}`);
    }
    const runtime = createRuntime({ device: opts.device ?? 'cpu', threads: opts.threads });
    const model = segmenterPatchModel(runtime.factory, file.segmenter);
    const target = openOmeZarrForWrite(out);
    const blocks = blocksOfSet(settings.plan, k, n);
    const r = await predictBlocks({
      model, source: reader, plan: settings.plan, blocks, target, markers: withFaultInjection(fileMarkers(out), `${k}/${n}`),
      output: settings.output, labels: settings.labels,
      window: { ...settings.window, normalize: settings.stats, bandCache: fileBandCache(out) }, onProgress: opts.onProgress,
    });
    const report: TaskReport = {
      task: `${k}/${n}`, blocks, predicted: r.predicted, skipped: r.skipped, seconds: (performance.now() - t0) / 1000,
      peakRssBytes: process.resourceUsage().maxRSS * 1024, host: hostname(), finishedAt: new Date().toISOString(),
    };
    writeTaskReport(out, report);
    return { ...report, total: settings.plan.count };
  } finally {
    await reader.close();
  }
}

/**
 * Fault injection for the cluster tests: LUMEN_FAULT_KILL_TASK=K/N makes that block set's process
 * kill itself (SIGKILL, as the out-of-memory killer or a node failure would) right after its first
 * block is finished; with LUMEN_FAULT_ONCE=FILE only while FILE does not exist (it is created), so
 * the resubmitted task succeeds. Unset, the markers are returned untouched.
 */
function withFaultInjection(markers: BlockMarkers, task: string): BlockMarkers {
  if (process.env.LUMEN_FAULT_KILL_TASK !== task) return markers;
  const once = process.env.LUMEN_FAULT_ONCE;
  return {
    has: (b) => markers.has(b),
    mark: (b, info) => {
      markers.mark(b, info);
      if (once && existsSync(once)) return;
      if (once) writeFileSync(once, task);
      process.kill(process.pid, 'SIGKILL');
    },
  };
}

export interface FinishResult { blocks: number; levels: number; alreadyFinished: boolean; tasks: TaskReport[] }

export async function finishBlocks(out: string): Promise<FinishResult> {
  const settings = readSettings(out);
  const done = finishedBlocks(out);
  const missing = Array.from({ length: settings.plan.count }, (_, i) => i).filter((i) => !done.has(i));
  if (missing.length > 0) {
    throw new LumenError('bad-input', `${missing.length} of ${settings.plan.count} blocks of ${out} are not finished (first: block ${missing[0]}); run their block sets again`);
  }
  const target = openOmeZarrForWrite(out);
  if (settings.finishedAt) return { blocks: settings.plan.count, levels: target.levels.length, alreadyFinished: true, tasks: readTaskReports(out) };
  await buildPyramid(out, { labels: settings.output === 'labels' });
  removeBandCache(out);
  target.setAttributes({ ...target.readAttributes(), lumen: { ...settings, finishedAt: new Date().toISOString() } });
  return { blocks: settings.plan.count, levels: target.levels.length, alreadyFinished: false, tasks: readTaskReports(out) };
}
