// Instance mode behind api.ts: the objects a user draws on the image (one id each), the regions
// marked as fully annotated, importing an existing label image, training an instance model in a
// worker and finding the objects of the whole image with it, and exporting the objects as a
// label image and a CSV of measurements. LumenHost owns the project and hands in what this needs.
//
// The drawn layer lives in memory beside the project, kept equal to what is committed: every edit
// is committed first (chunks + journal, one transaction) and applied in memory only after, as
// LabelSession does for the class labels. Object counts follow each delta, not a rescan.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type FileHandle, type HostEvent, type InstanceChange, type InstanceData, type InstanceOp, type InstancePredictionMeta, type InstancesMeta, type InstanceTrainRequest, type Download, type ExportFormat } from '../../src-shared/api.ts';
import { LumenError } from '../../src-shared/errors.ts';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import {
  InstanceLayer, MAX_INSTANCE_ID, clearAnnotated, deleteInstance, encodeInstanceDelta, eraseInstanceStroke, fillInstance, markAnnotatedBox,
  mergeInstances, narrowInstanceIds, nextInstanceId, paintInstanceStroke, planeToVolume, replaceInstanceIds,
  type InstanceDelta, type InstanceDirection,
} from '../../src-shared/labels/index.ts';
import { measureObjects, objectTableCsv } from '../../src-shared/eval/object-table.ts';
import { channelAsFloat32, makeVolume, type Volume } from '../../src-shared/volume.ts';
import type { ProjectStore, CommittedInstanceEdit } from '../store/index.ts';
import { runtimeDevice } from './devices.ts';
import type { InstanceTrainJob, InstanceTrainDone } from './instance-train-worker.ts';

const BOOT = new URL('../workers/boot.mjs', import.meta.url);
const WORKER_ENTRY = new URL('./instance-train-worker.ts', import.meta.url).href;

/** Training steps per effort at effort scale 1 (the engine's own default is 600 for 2D, 400 for 3D). */
const INSTANCE_STEPS: Record<InstanceTrainRequest['effort'], number> = { quick: 60, normal: 400, thorough: 1200 };

export interface InstanceContext {
  store(): ProjectStore;
  /** the project's image volume, if imported */
  volumeId(): number | null;
  image(volumeId: number): Volume;
  projectName(): string;
  emit(e: HostEvent): void;
  /** the host's state, sent with train.done */
  state(): unknown;
  /** a class training run is going */
  classTrainingBusy(): boolean;
  resolveFile(f: FileHandle): string;
  scratch: string;
  threads?: number;
  effortScale?: number;
}

/** Voxel counts per object id, kept up to date from each delta. */
class ObjectCounts {
  private readonly counts = new Map<number, number>();
  constructor(ids: Uint32Array) {
    let last = 0, run = 0;
    for (let i = 0; i < ids.length; i++) {
      const v = ids[i]!;
      if (v === last) { run++; continue; }
      if (last !== 0) this.add(last, run);
      last = v; run = 1;
    }
    if (last !== 0) this.add(last, run);
  }
  private add(id: number, n: number): void {
    const c = (this.counts.get(id) ?? 0) + n;
    if (c === 0) this.counts.delete(id); else this.counts.set(id, c);
  }
  apply(d: InstanceDelta, direction: InstanceDirection): void {
    if (d.plane !== 'ids') return;
    const from = direction === 'forward' ? d.before : d.after, to = direction === 'forward' ? d.after : d.before;
    for (let k = 0; k < d.offsets.length; k++) {
      if (from[k] !== 0) this.add(from[k]!, -1);
      if (to[k] !== 0) this.add(to[k]!, 1);
    }
  }
  get objects(): number { return this.counts.size; }
  has(id: number): boolean { return this.counts.has(id); }
  get maxId(): number { let m = 0; for (const k of this.counts.keys()) if (k > m) m = k; return m; }
}

interface Drawn { layerId: number | null; volumeId: number; layer: InstanceLayer; counts: ObjectCounts }
interface Found { layerId: number; layer: InstanceLayer; objects: number }
interface Training { runId: number; worker?: Worker; stopped: boolean }

export class InstanceService {
  private drawn: Drawn | null = null;
  private found: Found | null = null;
  private training: Training | null = null;

  constructor(private readonly ctx: InstanceContext) {}

  /** Forget what is held for the project (it is closing). Does not stop training: call stop() first. */
  reset(): void {
    this.drawn = null;
    this.found = null;
  }

  get busy(): boolean { return this.training !== null; }

  // ── layers ──────────────────────────────────────────────────────────────────────────────

  private requireVolume(): number {
    const v = this.ctx.volumeId();
    if (v === null) throw new LumenError('bad-input', 'import an image first');
    return v;
  }

  /** The drawn objects of the current image (loaded once; an empty layer until the first edit). */
  private drawnLayer(): Drawn {
    const volumeId = this.requireVolume();
    if (this.drawn?.volumeId === volumeId) return this.drawn;
    const store = this.ctx.store();
    const info = store.listInstanceLayers().find((l) => l.kind === 'drawn' && l.volumeId === volumeId);
    const [d, h, w] = store.volumeInfo(volumeId).shape;
    const layer = info ? store.loadInstanceLayer(info.id) : new InstanceLayer([d, h, w]);
    this.drawn = { layerId: info?.id ?? null, volumeId, layer, counts: new ObjectCounts(layer.ids) };
    return this.drawn;
  }

  /** The drawn layer's id in the project, created on the first edit. */
  private layerIdForWrite(): number {
    const dl = this.drawnLayer();
    if (dl.layerId === null) dl.layerId = this.ctx.store().createInstanceLayer({ name: 'objects', kind: 'drawn', shape: dl.layer.shape, volumeId: dl.volumeId });
    return dl.layerId;
  }

  private foundLayer(): Found | null {
    const volumeId = this.ctx.volumeId();
    if (volumeId === null) return null;
    const store = this.ctx.store();
    const info = store.listInstanceLayers().filter((l) => l.kind === 'predicted' && l.volumeId === volumeId).at(-1);
    if (!info) return null;
    if (this.found?.layerId !== info.id) {
      const layer = store.loadInstanceLayer(info.id);
      this.found = { layerId: info.id, layer, objects: new ObjectCounts(layer.ids).objects };
    }
    return this.found;
  }

  meta(): InstancesMeta | null {
    if (this.ctx.volumeId() === null) return null;
    const dl = this.drawnLayer();
    const info = dl.layerId !== null ? this.ctx.store().instanceLayerInfo(dl.layerId) : null;
    const max = dl.counts.maxId;
    return {
      layerId: dl.layerId, shape: [...dl.layer.shape] as [number, number, number],
      revision: info?.revision ?? 0, canUndo: info?.canUndo ?? false, canRedo: info?.canRedo ?? false,
      objects: dl.counts.objects, nextId: max < MAX_INSTANCE_ID ? max + 1 : nextInstanceId(dl.layer), markedVoxels: dl.layer.markedVoxels,
    };
  }

  predictionMeta(): InstancePredictionMeta | null {
    const f = this.foundLayer();
    if (!f) return null;
    const info = this.ctx.store().instanceLayerInfo(f.layerId);
    return { layerId: f.layerId, modelId: info.modelId, objects: f.objects, createdAt: info.createdAt };
  }

  read(): InstanceData {
    const dl = this.drawnLayer();
    return { shape: [...dl.layer.shape] as [number, number, number], ids: bytes(dl.layer.ids), annotated: dl.layer.hasRegions ? dl.layer.annotated : null, objects: dl.counts.objects };
  }

  readPrediction(): InstanceData {
    const f = this.foundLayer();
    if (!f) throw new LumenError('bad-input', 'no objects have been found yet: train instances first');
    return { shape: [...f.layer.shape] as [number, number, number], ids: bytes(f.layer.ids), annotated: null, objects: f.objects };
  }

  // ── edits ───────────────────────────────────────────────────────────────────────────────

  private change(c: CommittedInstanceEdit | null, direction: InstanceDirection, id: number | null = null): InstanceChange {
    return { delta: c ? encodeInstanceDelta(c.delta) : null, direction, instances: this.meta()!, id };
  }

  /** Commit, then show: a failed save never leaves memory ahead of the file. */
  private commit(delta: InstanceDelta, note: string, id: number | null = null): InstanceChange {
    const dl = this.drawnLayer();
    if (delta.offsets.length === 0) return this.change(null, 'forward', id);
    const c = this.ctx.store().saveInstanceEdit(this.layerIdForWrite(), delta, note);
    if (c) { dl.layer.applyDelta(c.delta, 'forward'); dl.counts.apply(c.delta, 'forward'); }
    return this.change(c, 'forward', id);
  }

  edit(op: InstanceOp): InstanceChange {
    const dl = this.drawnLayer();
    const layer = dl.layer;
    const [, Y, X] = layer.shape;
    const newId = () => { const m = dl.counts.maxId; return m < MAX_INSTANCE_ID ? m + 1 : nextInstanceId(layer); };
    const brush = (r: number) => { if (r > 64) throw new LumenError('bad-input', 'the brush is at most 64 voxels wide'); };
    switch (op.kind) {
      case 'paint': {
        brush(op.radius);
        if (!(op.id >= 1 && op.id <= MAX_INSTANCE_ID)) throw new LumenError('bad-input', `object ids run from 1 to ${MAX_INSTANCE_ID}, not ${op.id}`);
        return this.commit(paintInstanceStroke(layer, { axis: op.axis, index: op.index, points: op.points, radius: op.radius, id: op.id }), 'paint', op.id);
      }
      case 'paint-new': {
        brush(op.radius);
        const id = newId();
        return this.commit(paintInstanceStroke(layer, { axis: op.axis, index: op.index, points: op.points, radius: op.radius, id }), 'new object', id);
      }
      case 'erase':
        brush(op.radius);
        return this.commit(eraseInstanceStroke(layer, { axis: op.axis, index: op.index, points: op.points, radius: op.radius }), 'erase');
      case 'fill': {
        const id = newId();
        const seed = planeToVolume(op.axis, op.index, Math.round(op.seed[0]), Math.round(op.seed[1]));
        if (layer.idAt(...seed) !== 0) throw new LumenError('bad-input', 'click where no object is drawn yet to fill a new one');
        const image = this.ctx.image(dl.volumeId);
        return this.commit(fillInstance(layer, image, { seed, min: op.low, max: op.high, id, plane: op.axis, maxVoxels: Y * X * 2 }), 'fill', id);
      }
      case 'merge':
        for (const id of [op.into, op.from]) if (!dl.counts.has(id)) throw new LumenError('bad-input', `there is no object ${id} to merge`);
        return this.commit(mergeInstances(layer, op.into, [op.from]), `merge ${op.from} into ${op.into}`, op.into);
      case 'delete':
        if (!dl.counts.has(op.id)) throw new LumenError('bad-input', `there is no object ${op.id} to delete`);
        return this.commit(deleteInstance(layer, op.id), `delete ${op.id}`);
      case 'region': {
        const a = planeToVolume(op.axis, op.index, Math.round(op.from[0]), Math.round(op.from[1]));
        const b = planeToVolume(op.axis, op.index, Math.round(op.to[0]), Math.round(op.to[1]));
        return this.commit(markAnnotatedBox(layer, a, b, op.value), op.value ? 'mark annotated' : 'unmark annotated');
      }
      case 'clear-regions':
        return this.commit(clearAnnotated(layer), 'clear regions');
    }
  }

  private step(direction: InstanceDirection): InstanceChange {
    const dl = this.drawnLayer();
    if (dl.layerId === null) return this.change(null, direction);
    const store = this.ctx.store();
    const c = direction === 'backward' ? store.undoInstanceEdit(dl.layerId) : store.redoInstanceEdit(dl.layerId);
    if (c) { dl.layer.applyDelta(c.delta, direction); dl.counts.apply(c.delta, direction); }
    return this.change(c, direction);
  }

  undo(): InstanceChange { return this.step('backward'); }
  redo(): InstanceChange { return this.step('forward'); }

  /** An instance label image (TIFF, NIfTI, …) as the drawn objects, in one undoable edit. */
  async importLabels(file: FileHandle): Promise<InstanceChange> {
    const dl = this.drawnLayer();
    const path = this.ctx.resolveFile(file);
    let vol: Volume;
    try {
      vol = await readVolume(path);
    } catch (e) {
      const m = (e as Error).message ?? String(e);
      throw new LumenError('bad-input', m.split(path).join(file.name), { cause: e });
    }
    const [d, h, w, c] = vol.shape, [Z, Y, X] = dl.layer.shape;
    if (d !== Z || h !== Y || w !== X) {
      throw new LumenError('shape-mismatch', `${file.name} is ${d}×${h}×${w} but the image is ${Z}×${Y}×${X}: an instance label image must have the image's shape`);
    }
    if (c !== 1) throw new LumenError('bad-input', `${file.name} has ${c} channels; an instance label image has one (an id per voxel)`);
    return this.commit(replaceInstanceIds(dl.layer, vol.data, file.name), `import ${file.name}`);
  }

  // ── training ────────────────────────────────────────────────────────────────────────────

  train(r: InstanceTrainRequest): { runId: number } {
    const store = this.ctx.store();
    if (this.training || this.ctx.classTrainingBusy()) throw new LumenError('bad-input', 'a training run is already going; stop it first');
    const dl = this.drawnLayer();
    if (dl.counts.objects === 0 || dl.layerId === null) throw new LumenError('bad-input', 'draw some objects first (instance mode: Brush or Fill), or import an instance label image');
    let pretrained: Uint8Array | undefined;
    if (r.pretrainedModelId !== undefined) {
      const m = store.getModel(r.pretrainedModelId);
      if ((m.provenance as { kind?: string } | undefined)?.kind !== 'instances') throw new LumenError('bad-input', `model "${m.name}" segments classes, not objects: start from an instance model`);
      pretrained = m.onnx;
    }
    const layerRevision = store.instanceLayerInfo(dl.layerId).revision;
    const steps = Math.max(2, Math.round(INSTANCE_STEPS[r.effort] * (this.ctx.effortScale ?? 1)));
    const runId = store.startRun({ config: { kind: 'instances', strategy: 'instances', start: r.pretrainedModelId !== undefined ? 'model' : r.start ?? 'auto', effort: r.effort, device: r.device, steps, objects: dl.counts.objects, layerRevision, markedVoxels: dl.layer.markedVoxels, pretrainedModelId: r.pretrainedModelId ?? null } });
    const job: InstanceTrainJob = {
      project: store.path, volumeId: dl.volumeId, layerId: dl.layerId, steps, seed: 0, device: runtimeDevice(r.device),
      start: pretrained ? 'model' : r.start ?? 'auto', ...(pretrained ? { pretrained } : {}), ...(this.ctx.threads ? { threads: this.ctx.threads } : {}),
    };
    const t: Training = { runId, stopped: false };
    this.training = t;
    const started = performance.now();
    let phase = '', phaseStart = started, stepNo = 0;
    const pending: { step: number; loss: number; extra?: Record<string, unknown> }[] = [];
    const flush = () => { if (pending.length && this.isOpen(store)) store.appendRunSteps(runId, pending.splice(0)); };
    const fail = (message: string, cancelled: boolean) => {
      if (this.training !== t) return;
      this.training = null;
      try { flush(); store.finishRun(runId, { status: cancelled ? 'cancelled' : 'failed', metrics: { error: message, strategy: 'instances' } }); } catch { /* project closed */ }
      this.ctx.emit({ type: 'train.failed', runId, message, cancelled });
    };
    const worker = new Worker(BOOT, { workerData: { entry: WORKER_ENTRY, job } });
    t.worker = worker;
    worker.on('message', (m: { type: string; [k: string]: unknown }) => {
      if (m.type === 'progress') {
        const p = m.progress as { phase: string; step: number; steps: number; loss?: number; stage: 'train' | 'predict' };
        if (p.phase !== phase) { phase = p.phase; phaseStart = performance.now(); }
        const rate = p.step > 0 ? (performance.now() - phaseStart) / 1000 / p.step : NaN;
        if (p.loss !== undefined) pending.push({ step: ++stepNo, loss: p.loss, extra: { phase: p.phase } });
        if (pending.length >= 10) { try { flush(); } catch { /* closed */ } }
        const within = p.steps ? p.step / p.steps : 0;
        this.ctx.emit({
          type: 'train.progress',
          progress: {
            runId, phase: p.phase, step: p.step, steps: p.steps, fraction: p.stage === 'train' ? 0.9 * within : 0.9 + 0.1 * within,
            etaSeconds: Number.isFinite(rate) ? rate * (p.steps - p.step) : null, ...(p.loss !== undefined ? { loss: p.loss } : {}),
          },
        });
      } else if (m.type === 'error') fail(String(m.message), m.code === 'cancelled' || t.stopped);
      else if (m.type === 'done') {
        t.worker = undefined;
        try { this.finish(t, store, m as unknown as InstanceTrainDone, { started, layerRevision, flush }); } catch (e) { fail((e as Error).message, t.stopped); }
      }
    });
    worker.on('error', (e) => fail(e.message, t.stopped));
    worker.on('exit', () => { if (t.worker === worker) fail('training stopped', true); });
    return { runId };
  }

  private finish(t: Training, store: ProjectStore, m: InstanceTrainDone, c: { started: number; layerRevision: number; flush: () => void }): void {
    if (t.stopped) throw new LumenError('cancelled', 'training was stopped');
    if (this.training !== t) return;
    if (!this.isOpen(store)) throw new LumenError('cancelled', 'the project was closed');
    c.flush();
    const volumeId = this.requireVolume();
    const vol = store.volumeInfo(volumeId);
    const report = m.report as { mode?: string; validationF1?: number };
    const modelId = store.addModel({
      name: `objects run ${t.runId}`, onnx: m.model, config: { kind: 'instances', ...m.report },
      provenance: {
        kind: 'instances', strategy: `instances-${report.mode ?? 'scratch'}`, report: m.report, validationF1: report.validationF1 ?? null,
        image: vol.name, layerRevision: c.layerRevision, device: m.device, trainedAt: new Date().toISOString(), warnings: m.warnings, ...(m.from ? { from: m.from } : {}),
      },
    });
    const [d, h, w] = vol.shape;
    store.createInstanceLayer({ name: `objects found by run ${t.runId}`, kind: 'predicted', shape: [d, h, w], volumeId, modelId, ids: m.labels });
    const seconds = +((performance.now() - c.started) / 1000).toFixed(1);
    store.finishRun(t.runId, { status: 'finished', modelId, metrics: { strategy: 'instances', kind: 'instances', validationF1: report.validationF1 ?? null, objects: m.count, seconds, device: m.device, report: m.report } });
    this.training = null;
    this.ctx.emit({ type: 'train.done', runId: t.runId, state: this.ctx.state() as never });
  }

  /** `store` is still the open project (false once it was closed or another opened). */
  private isOpen(store: ProjectStore): boolean {
    try { return this.ctx.store() === store; } catch { return false; }
  }

  stop(): void {
    const t = this.training;
    if (!t) return;
    t.stopped = true;
    t.worker?.postMessage({ type: 'stop' });
  }

  // ── export ──────────────────────────────────────────────────────────────────────────────

  private idsOf(what: 'drawn' | 'predicted'): Uint32Array {
    if (what === 'drawn') return this.drawnLayer().layer.ids;
    const f = this.foundLayer();
    if (!f) throw new LumenError('bad-input', 'no objects have been found yet: train instances first');
    return f.layer.ids;
  }

  private fileStem(what: 'drawn' | 'predicted'): string {
    return `${this.ctx.projectName().replace(/[^\w.-]+/g, '_')}-${what === 'drawn' ? 'objects-drawn' : 'objects'}`;
  }

  /** The objects as a label image with the image's voxel size: uint16 when the ids fit, else uint32. */
  async exportLabels(what: 'drawn' | 'predicted', format: ExportFormat): Promise<Download> {
    const volumeId = this.requireVolume();
    const ids = narrowInstanceIds(this.idsOf(what));
    const { geometry, shape: [d, h, w] } = this.ctx.store().volumeInfo(volumeId);
    const fileName = `${this.fileStem(what)}${format === 'tiff' ? '.tif' : '.nii.gz'}`;
    const path = join(this.ctx.scratch, fileName);
    await writeVolume(path, makeVolume([d, h, w, 1], ids instanceof Uint16Array ? 'uint16' : 'uint32', ids, geometry), { labels: true });
    const out = new Uint8Array(readFileSync(path));
    rmSync(path, { force: true });
    return { url: null, fileName, bytes: out };
  }

  /** One CSV row per object: id, voxels, physical volume, centroid, bounding box, mean intensity (src-shared/eval/object-table.ts). */
  exportObjects(what: 'drawn' | 'predicted'): Download {
    const volumeId = this.requireVolume();
    const ids = this.idsOf(what);
    const vol = this.ctx.image(volumeId);
    const rows = measureObjects(ids, [vol.shape[0], vol.shape[1], vol.shape[2]], { spacing: vol.geometry.spacing, image: vol.shape[3] === 1 ? vol.data : channelAsFloat32(vol, 0) });
    return { url: null, fileName: `${this.fileStem(what)}.csv`, bytes: new TextEncoder().encode(objectTableCsv(rows, vol.geometry.unit)) };
  }
}

function bytes(a: Uint32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
