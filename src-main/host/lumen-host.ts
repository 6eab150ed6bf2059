// The services behind api.ts, shared by both transports (the WebSocket server and Electron IPC).
// `call` validates the request against REQUEST_SCHEMAS, then dispatches; errors leave as
// ApiError {code, message} with the LumenError's readable sentence. Long work (import, training,
// inference) reports through `emit`; training and inference run in worker threads so this
// thread, and with it every transport, keeps answering.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  checkSchema, DEFAULT_CLASS_COLORS, EFFORT_FACTOR, isMethod, REQUEST_SCHEMAS,
  type Api, type AppInfo, type Download, type ExperimentMeta, type FileHandle, type HostEvent, type LabelChange, type LabelOp, type LabelsMeta,
  type Method, type CandidateRow, type ModelMeta, type ProjectState, type ProjectSummary, type Req, type Res, type RunMeta, type TrainRequest, type VoxelData,
  type VolumeMeta,
} from '../../src-shared/api.ts';
import { FEW_HELD_OUT } from '../../src-shared/train/auto/score.ts';
import { LumenError, isLumenError } from '../../src-shared/errors.ts';
import { memoryBudget, openVolume, readVolume, writeVolume, type VolumeReader } from '../../src-shared/io/index.ts';
import { finestLevelThatFits, openOmeZarr } from '../../src-shared/io/zarr/index.ts';
import { BYTES_PER_VOXEL, type Shape4 } from '../../src-shared/volume.ts';
import {
  copySliceToNeighbour, DeltaBuilder, encodeDelta, floodFill, paintStroke, planeToVolume, type LabelDelta,
} from '../../src-shared/labels/index.ts';
import { importSegmenterOnnx } from '../../src-shared/segmenter/model-file.ts';
import { segmenterSummary } from '../../src-shared/segmenter/segmenter.ts';
import { parseExperimentResult, type ExperimentResult } from '../../src-shared/eval/experiment-result.ts';
import { makeVolume, type Volume } from '../../src-shared/volume.ts';
import { LabelSession, ProjectStore, PROJECT_EXTENSION, type ExperimentInfo, type PredictionInfo } from '../store/index.ts';
import { startInference, type InferenceHandle } from '../inference-service.ts';
import { detectDevices, runtimeDevice } from './devices.ts';
import { FileRegistry } from './files.ts';
import { InstanceService } from './instance-service.ts';
import { PreviewService } from './preview-service.ts';
import { UncertaintyService } from './uncertainty-service.ts';
import { listPretrained } from '../pretrained.ts';
import type { TrainJob } from './train-worker.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const SAMPLE_IMAGE = join(ROOT, 'resources/samples/vesselnn-burgess2014-crop_image.tif');
const BOOT = new URL('../workers/boot.mjs', import.meta.url);
const TRAIN_ENTRY = new URL('./train-worker.ts', import.meta.url).href;
const MAX_EXPERIMENT_BYTES = 5e6; // 10,000 runs (the parser's limit) take about 1 MB
const PROJECT_ID = /^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,99}$/;

export interface HostOptions {
  /** where projects live; the renderer picks among them by id (file name without extension) */
  projectsDir: string;
  transport: 'electron' | 'websocket';
  files: FileRegistry;
  /** ORT threads for the training/inference workers (default: all cores) */
  threads?: number;
  /** multiplies every effort's step count (tests and demos on slow machines use < 1) */
  effortScale?: number;
  /** memory the app may plan to hold an image in (default: memoryBudget()); an OME-Zarr
   * pyramid opens at the finest level that fits */
  memoryBudgetBytes?: number;
}

/**
 * What the app holds per voxel beside the image: labels, probabilities, training's float copies,
 * object ids (drawn and found), marked regions, the live preview's float copy and label snapshot,
 * and the uncertainty map (float, kept while the overlay is shown: 4) with its uint8 copy for the window (1).
 */
const APP_WORKING_BYTES_PER_VOXEL = 43;

interface Training { runId: number; worker?: Worker; inference?: InferenceHandle; stopped: boolean }

function readable(e: unknown): { code: string; message: string } {
  if (isLumenError(e)) return { code: e.code, message: e.message };
  if (e instanceof RangeError) return { code: 'bad-input', message: e.message };
  return { code: 'internal', message: (e as Error)?.message ?? String(e) };
}

export class ApiFailure extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

export class LumenHost {
  private store: ProjectStore | null = null;
  private projectId = '';
  private session: LabelSession | null = null;
  private imageCache: { id: number; vol: Volume } | null = null;
  private predictionCache: { id: number; vol: Volume } | null = null;
  private training: Training | null = null;
  private importing = false;
  private readonly listeners = new Set<(e: HostEvent) => void>();
  private readonly scratch: string;
  /** instance mode: drawn objects, instance training, object export */
  private readonly instances: InstanceService;
  /** the live preview of the views while painting */
  private readonly preview: PreviewService;
  /** where the newest prediction is unsure, and the slices worth painting next */
  private readonly uncertainty: UncertaintyService;

  constructor(private readonly opts: HostOptions) {
    mkdirSync(opts.projectsDir, { recursive: true });
    this.scratch = mkdtempSync(join(tmpdir(), 'lumen-host-'));
    this.instances = new InstanceService({
      store: () => this.requireStore(), volumeId: () => this.currentVolume(), image: (id) => this.image(id), projectName: () => this.projectId,
      emit: (e) => this.emit(e), state: () => this.state(), classTrainingBusy: () => this.training !== null,
      resolveFile: (f) => this.opts.files.resolve(f), scratch: this.scratch,
      ...(opts.threads ? { threads: opts.threads } : {}), ...(opts.effortScale ? { effortScale: opts.effortScale } : {}),
    });
    this.preview = new PreviewService({
      target: () => {
        const volumeId = this.store ? this.currentVolume() : null;
        return this.store && volumeId !== null ? { project: this.store.path, volumeId } : null;
      },
      labels: () => {
        const id = this.store ? this.currentLabels() : null;
        if (id === null) return null;
        const s = this.labels(id);
        return { dense: s.labels.toDense(), revision: s.info().revision };
      },
      painted: () => {
        const id = this.store ? this.currentLabels() : null;
        return id !== null && this.labels(id).labels.labeledVoxelCount() > 0;
      },
      trainingBusy: () => this.training !== null || this.instances.busy,
      emit: (e) => this.emit(e),
      ...(opts.threads ? { threads: opts.threads } : {}),
    });
    this.uncertainty = new UncertaintyService({
      store: () => this.requireStore(),
      prediction: () => this.currentPrediction(),
      labels: () => { const id = this.currentLabels(); return id === null ? null : this.labels(id).labels.toDense(); },
    });
  }

  onEvent(fn: (e: HostEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: HostEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  /** Validate and run one request. Throws ApiFailure with a readable message. */
  async call(method: unknown, req: unknown): Promise<unknown> {
    if (!isMethod(method)) throw new ApiFailure('bad-request', `unknown method ${String(method)}`);
    const problem = checkSchema(REQUEST_SCHEMAS[method], req);
    if (problem) throw new ApiFailure('bad-request', problem);
    try {
      const fn = this.handlers[method] as (r: unknown) => unknown;
      return await fn(req);
    } catch (e) {
      const r = readable(e);
      throw new ApiFailure(r.code, r.message);
    }
  }

  async close(): Promise<void> {
    this.stopTraining();
    this.closeProject();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private readonly handlers: { [M in Method]: (req: Req<M>) => Res<M> | Promise<Res<M>> } = {
    'app.info': () => this.info(),
    'app.ping': (r) => ({ t: r.t }),
    'project.create': (r) => this.create(r.name),
    'project.open': (r) => this.open(r.id),
    'project.openSample': () => this.openSample(),
    'project.state': () => this.state(),
    'project.close': () => { this.stopTraining(); this.closeProject(); return { ok: true as const }; },
    'project.import': (r) => this.importFiles(r.files),
    'runs.steps': (r) => this.runCharts(r.runId),
    'project.delete': (r) => this.remove(r.id),
    'project.rename': (r) => this.rename(r.id, r.name),
    'volume.read': (r) => this.readImage(r.volumeId),
    'labels.read': (r) => {
      const s = this.labels(r.labelId);
      const [d, h, w] = s.labels.shape;
      return { shape: [d, h, w], dtype: 'uint8', data: s.labels.toDense(), min: 0, max: 255 };
    },
    'labels.edit': (r) => this.edit(r.labelId, r.op),
    'labels.undo': (r) => this.change(this.labels(r.labelId).undo(), 'backward'),
    'labels.redo': (r) => this.change(this.labels(r.labelId).redo(), 'forward'),
    'labels.addClass': (r) => {
      const s = this.labels(r.labelId);
      const classes = s.info().classes;
      const value = Math.max(...classes.map((c) => c.value)) + 1;
      if (value > 255) throw new LumenError('bad-input', 'a project holds at most 254 classes');
      this.requireStore().setLabelClasses(s.labelId, [...classes, { value, name: r.name.trim() || `class ${value - 1}`, color: DEFAULT_CLASS_COLORS[value % DEFAULT_CLASS_COLORS.length]! }]);
      return this.labelsMeta(s.labelId);
    },
    'prediction.read': (r) => {
      const vol = this.prediction(r.volumeId);
      return { shape: [vol.shape[0], vol.shape[1], vol.shape[2]], dtype: 'uint8', data: new Uint8Array(vol.data.buffer, vol.data.byteOffset, vol.data.byteLength), min: 0, max: 1 };
    },
    'prediction.readUncertainty': (r) => this.uncertainty.read(r.volumeId),
    'prediction.suggestSlices': (r) => this.uncertainty.suggest(r.axis, r.count),
    'train.start': (r) => this.startTraining(r),
    'train.stop': () => { this.stopTraining(); return { ok: true as const }; },
    'models.exportOnnx': (r) => {
      const m = this.requireStore().getModel(r.modelId);
      return { url: null, fileName: `${m.name.replace(/[^\w.-]+/g, '_')}.onnx`, bytes: m.onnx };
    },
    'models.importOnnx': (r) => this.importModel(r.file),
    'experiments.import': (r) => this.importExperiment(r.file),
    'export.volume': (r) => this.exportVolume(r.what, r.format),
    'instances.read': () => this.instances.read(),
    'instances.edit': (r) => this.instances.edit(r.op),
    'instances.undo': () => this.instances.undo(),
    'instances.redo': () => this.instances.redo(),
    'instances.import': (r) => this.instances.importLabels(r.file),
    'instances.readPrediction': () => this.instances.readPrediction(),
    'instances.train': (r) => this.instances.train(r),
    'export.instances': (r) => this.instances.exportLabels(r.what, r.format),
    'export.objects': (r) => this.instances.exportObjects(r.what),
    'preview.request': (r) => { this.preview.request(r.cursor); return { ok: true as const }; },
  };

  // ── projects ────────────────────────────────────────────────────────────────────────────

  private info(): AppInfo {
    return {
      version: '0.1.0', transport: this.opts.transport, recent: this.recent(), device: detectDevices(),
      bundledInstanceModels: listPretrained().filter((n) => /^nuclei-[23]d$/.test(n)),
      sample: existsSync(SAMPLE_IMAGE) ? { name: 'VesselNN two-photon vessels (crop)', shape: [15, 128, 128] } : null,
    };
  }

  private recent(): ProjectSummary[] {
    return readdirSync(this.opts.projectsDir).filter((f) => f.endsWith(PROJECT_EXTENSION)).map((f) => {
      const id = f.slice(0, -PROJECT_EXTENSION.length);
      return { id, name: id, modifiedAt: statSync(join(this.opts.projectsDir, f)).mtime.toISOString() };
    }).sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt)).slice(0, 20);
  }

  private pathOf(id: string): string {
    if (!PROJECT_ID.test(id) || id.includes('..')) throw new LumenError('bad-input', `"${id}" is not a usable project name: use letters, digits, spaces, . _ - ( )`);
    return join(this.opts.projectsDir, `${id}${PROJECT_EXTENSION}`);
  }

  private create(name: string): ProjectState {
    const id = name.trim();
    const path = this.pathOf(id);
    // refuse before closing the open project, so a taken name leaves the user where they were
    if (existsSync(path)) throw new LumenError('bad-input', `a project named "${id}" already exists; open it or choose another name`);
    this.stopTraining();
    this.closeProject();
    ProjectStore.create(path).close();
    return this.open(id);
  }

  private open(id: string): ProjectState {
    const path = this.pathOf(id);
    if (!existsSync(path)) throw new LumenError('bad-input', `there is no project "${id}"`);
    this.stopTraining();
    this.closeProject();
    this.store = ProjectStore.open(path);
    this.projectId = id;
    const lab = this.currentLabels();
    if (lab) this.session = new LabelSession(this.store, lab);
    return this.state();
  }

  /** The project file and the journal files SQLite may keep beside it. */
  private filesOf(id: string): string[] {
    const path = this.pathOf(id);
    return [path, `${path}-wal`, `${path}-shm`, `${path}-journal`];
  }

  private remove(id: string): ProjectSummary[] {
    if (!existsSync(this.pathOf(id))) throw new LumenError('bad-input', `there is no project "${id}"`);
    if (this.projectId === id) { this.stopTraining(); this.closeProject(); }
    for (const f of this.filesOf(id)) rmSync(f, { force: true });
    return this.recent();
  }

  private rename(id: string, name: string): ProjectSummary[] {
    const to = name.trim();
    const from = this.pathOf(id), target = this.pathOf(to);
    if (!existsSync(from)) throw new LumenError('bad-input', `there is no project "${id}"`);
    if (to === id) return this.recent();
    // case-only renames are renames too on case-insensitive disks
    if (existsSync(target) && to.toLowerCase() !== id.toLowerCase()) throw new LumenError('bad-input', `a project named "${to}" already exists; choose another name`);
    const wasOpen = this.projectId === id;
    if (wasOpen) { this.stopTraining(); this.closeProject(); }
    renameSync(from, target);
    if (wasOpen) this.open(to);
    return this.recent();
  }

  private async openSample(): Promise<ProjectState> {
    let id = 'VesselNN sample';
    for (let i = 2; existsSync(this.pathOf(id)); i++) id = `VesselNN sample ${i}`;
    this.create(id);
    await this.importPaths([SAMPLE_IMAGE], basename(SAMPLE_IMAGE));
    return this.state();
  }

  private closeProject(): void {
    this.preview.close();
    this.session = null;
    this.instances.reset();
    this.imageCache = null;
    this.predictionCache = null;
    this.uncertainty.reset();
    this.store?.close();
    this.store = null;
    this.projectId = '';
  }

  private requireStore(): ProjectStore {
    if (!this.store) throw new LumenError('bad-input', 'open or create a project first');
    return this.store;
  }

  private currentVolume(): number | null {
    return this.requireStore().listVolumes('image')[0]?.id ?? null;
  }

  private currentLabels(): number | null {
    const vol = this.currentVolume();
    return this.requireStore().listLabels().find((l) => l.volumeId === vol)?.id ?? null;
  }

  /** The newest segmentation of the current volume, if any: a label prediction, never a map beside one (its uncertainty). */
  private currentPrediction(): PredictionInfo | undefined {
    const vol = this.currentVolume();
    return this.requireStore().listPredictions().filter((p) => p.sourceVolumeId === vol && p.kind === 'labels').at(-1);
  }

  private labelsMeta(id: number): LabelsMeta {
    const i = this.requireStore().labelInfo(id);
    return {
      id: i.id, volumeId: i.volumeId, shape: [i.shape[0], i.shape[1], i.shape[2]], revision: i.revision, canUndo: i.canUndo, canRedo: i.canRedo,
      classes: i.classes.map((c) => ({ value: c.value, name: c.name, color: c.color ?? DEFAULT_CLASS_COLORS[c.value % DEFAULT_CLASS_COLORS.length]! })),
    };
  }

  state(): ProjectState {
    const store = this.requireStore();
    const vid = this.currentVolume();
    const v = vid !== null ? store.volumeInfo(vid) : null;
    const lid = this.currentLabels();
    const pred = this.currentPrediction();
    return {
      id: this.projectId, name: this.projectId,
      volume: v ? { id: v.id, name: v.name, shape: v.shape, dtype: v.dtype, spacing: v.geometry.spacing, unit: v.geometry.unit, format: v.source?.format ?? null, ...(v.geometry.affine ? { affine: v.geometry.affine } : {}), pyramid: pyramidOf(v.source?.header) } : null,
      labels: lid !== null ? this.labelsMeta(lid) : null,
      prediction: pred ? { volumeId: pred.volumeId, name: pred.name, modelId: pred.modelId, createdAt: pred.createdAt, uncertaintyVolumeId: this.uncertainty.volumeIdOf(pred) } : null,
      instances: this.instances.meta(),
      instancePrediction: this.instances.predictionMeta(),
      models: store.listModels().map((m) => this.modelMeta(m.id, m.name, m.provenance, m.createdAt)),
      runs: store.listRuns().map((r): RunMeta => {
        const c = (r.config ?? {}) as Record<string, unknown>, m = (r.metrics ?? {}) as Record<string, unknown>;
        return {
          id: r.id, status: r.status, strategy: String(m.strategy ?? c.strategy ?? ''), effort: (c.effort as RunMeta['effort']) ?? null,
          labeledVoxels: (c.labeledVoxels as number) ?? null, validationDice: (m.validationDice as number) ?? null,
          seconds: (m.seconds as number) ?? null, startedAt: r.startedAt,
        };
      }),
      experiments: store.listExperiments().map((e) => this.experimentMeta(e)),
    };
  }

  private experimentMeta(e: ExperimentInfo): ExperimentMeta {
    const r = e.result as ExperimentResult;
    return { id: e.id, name: e.name, source: e.source, importedAt: e.importedAt, notes: r.notes, summary: r.summary };
  }

  private modelMeta(id: number, name: string, provenance: unknown, createdAt: string): ModelMeta {
    const p = (provenance ?? {}) as Record<string, unknown>;
    const report = (p.report ?? {}) as { chosen?: string; heldOut?: string; heldOutVoxels?: Record<string, number>; candidates?: Record<string, unknown>[] };
    const heldOutVoxels = report.heldOutVoxels ?? null;
    const candidates = (report.candidates ?? []).map((c): CandidateRow => ({
      name: String(c.name), model: String(c.model ?? c.name), validationDice: Number(c.validationDice ?? 0),
      perClass: (c.perClass ?? {}) as Record<string, number>, seconds: Number(c.seconds ?? 0), chosen: c.name === report.chosen,
      note: typeof c.error === 'string' ? `failed: ${c.error}` : typeof c.skipped === 'string' ? `not tried: ${c.skipped}` : null,
    }));
    return {
      id, name, createdAt, provenance, strategy: String(p.strategy ?? 'imported'), validationDice: typeof p.validationDice === 'number' ? p.validationDice : null,
      candidates, heldOut: typeof report.heldOut === 'string' ? report.heldOut : null,
      heldOutVoxels, tooFewToJudge: heldOutVoxels !== null && Math.min(...Object.values(heldOutVoxels)) < FEW_HELD_OUT,
      kind: p.kind === 'instances' ? 'instances' : 'classes', validationF1: typeof p.validationF1 === 'number' ? p.validationF1 : null,
    };
  }

  /** The charts of a run as the Train panel drew them live: one loss per step, Dice where a step measured it. */
  private runCharts(runId: number): { loss: number[]; dice: { step: number; value: number }[] } {
    const steps = this.requireStore().runSteps(runId);
    const loss: number[] = [], dice: { step: number; value: number }[] = [];
    for (const s of steps) {
      const raw = s.extra?.loss; // a diverged loss was kept as text
      loss.push(typeof raw === 'string' ? Number(raw) : s.loss);
      const d = s.extra?.validationDice;
      if (typeof d === 'number') dice.push({ step: loss.length, value: d });
    }
    return { loss, dice };
  }

  // ── import ──────────────────────────────────────────────────────────────────────────────

  private async importFiles(files: FileHandle[]): Promise<ProjectState> {
    let paths = files.map((f) => this.opts.files.resolve(f));
    let name = files.length === 1 ? files[0]!.name : `${files.length} slices`;
    const folder = pickedFolder(files, paths);
    if (folder) { paths = [folder.path]; name = folder.name; }
    try {
      await this.importPaths(paths, name);
    } catch (e) {
      // a dropped file lives under an upload folder the user never chose: name their file instead
      if (!isLumenError(e)) throw e;
      let message = e.message;
      paths.forEach((p, i) => { message = message.split(p).join(files[i]!.name); });
      throw new LumenError(e.code, message, { cause: e });
    }
    return this.state();
  }

  /**
   * Streams the file(s) into the project slab by slab inside one transaction: a bad file
   * (or a failure on its last page) leaves nothing behind.
   */
  private async importPaths(paths: string[], name: string): Promise<void> {
    const store = this.requireStore();
    if (this.currentVolume() !== null) throw new LumenError('bad-input', 'this project already has an image; create a new project for another one');
    if (this.importing) throw new LumenError('bad-input', 'an import is already running');
    this.importing = true;
    try {
      const reader = await this.openForDisplay(paths, name);
      try {
        const { shape, dtype, geometry, source } = reader.info;
        const w = store.beginVolume({ shape, dtype, geometry, source: { ...source, path: undefined } }, { name });
        try {
          const depth = shape[0];
          const step = Math.max(1, Math.floor((8 << 20) / Math.max(1, shape[1] * shape[2] * shape[3] * 4)));
          this.emit({ type: 'import.progress', progress: { file: name, done: 0, total: depth } });
          for (let z = 0; z < depth; z += step) {
            const z1 = Math.min(depth, z + step);
            const slab = await reader.readSlices(z, z1);
            w.writeSlices(slab.data);
            this.emit({ type: 'import.progress', progress: { file: name, done: z1, total: depth } });
          }
          const volumeId = w.commit();
          const labelId = store.createLabels({
            name: 'labels', shape: [shape[0], shape[1], shape[2]], volumeId,
            classes: [{ value: 1, name: 'background', color: DEFAULT_CLASS_COLORS[1] }, { value: 2, name: 'foreground', color: DEFAULT_CLASS_COLORS[2] }],
          });
          this.session = new LabelSession(store, labelId);
        } catch (e) {
          w.abort();
          throw e;
        }
      } finally {
        await reader.close();
      }
    } finally {
      this.importing = false;
    }
  }

  /** Opens the image; an OME-Zarr pyramid at its finest level that fits this machine. */
  private async openForDisplay(paths: string[], name: string): Promise<VolumeReader> {
    const reader = await openVolume(paths.length === 1 ? paths[0]! : paths);
    if (reader.info.format !== 'zarr') return reader;
    const levels = (reader.info.source.header?.levels ?? []) as { shape: Shape4 }[];
    const bytes = (c: number) => BYTES_PER_VOXEL[reader.info.dtype] * c + APP_WORKING_BYTES_PER_VOXEL;
    const level = finestLevelThatFits(levels, bytes, this.opts.memoryBudgetBytes ?? memoryBudget(), name);
    if (level === 0) return reader;
    await reader.close();
    return openOmeZarr(paths[0]!, { level });
  }

  // ── voxels ──────────────────────────────────────────────────────────────────────────────

  private image(volumeId: number): Volume {
    if (this.imageCache?.id !== volumeId) this.imageCache = { id: volumeId, vol: this.requireStore().readVolume(volumeId) };
    return this.imageCache.vol;
  }

  private prediction(volumeId: number): Volume {
    if (this.predictionCache?.id !== volumeId) this.predictionCache = { id: volumeId, vol: this.requireStore().readVolume(volumeId) };
    return this.predictionCache.vol;
  }

  /** Channel 0 as uint8, uint16 or float32 bytes, with its range for window/level. */
  private readImage(volumeId: number): VoxelData {
    const vol = this.image(volumeId);
    const [d, h, w, c] = vol.shape;
    const n = d * h * w;
    let out: Uint8Array | Uint16Array | Float32Array;
    let dtype: VoxelData['dtype'];
    if (vol.dtype === 'uint8') { out = new Uint8Array(n); dtype = 'uint8'; }
    else if (vol.dtype === 'uint16') { out = new Uint16Array(n); dtype = 'uint16'; }
    else { out = new Float32Array(n); dtype = 'float32'; }
    let min = Infinity, max = -Infinity;
    for (let i = 0, j = 0; i < n; i++, j += c) {
      const v = vol.data[j]!;
      out[i] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { shape: [d, h, w], dtype, data: new Uint8Array(out.buffer), min, max };
  }

  // ── labels ──────────────────────────────────────────────────────────────────────────────

  private labels(labelId: number): LabelSession {
    if (!this.session || this.session.labelId !== labelId) {
      const store = this.requireStore();
      store.labelInfo(labelId); // throws a readable error for a wrong id
      this.session = new LabelSession(store, labelId);
    }
    return this.session;
  }

  private change(c: { delta: LabelDelta } | null, direction: 'forward' | 'backward'): LabelChange {
    const s = this.session!;
    return { delta: c ? encodeDelta(c.delta) : null, direction, labels: this.labelsMeta(s.labelId) };
  }

  private edit(labelId: number, op: LabelOp): LabelChange {
    const s = this.labels(labelId);
    const labels = s.labels;
    const [Z, Y, X] = labels.shape;
    const classes = new Set(s.info().classes.map((c) => c.value));
    const checkValue = (v: number) => { if (v !== 0 && !classes.has(v)) throw new LumenError('bad-input', `the labels have no class ${v}`); };
    let delta: LabelDelta;
    switch (op.kind) {
      case 'stroke':
        checkValue(op.value);
        if (op.radius > 64) throw new LumenError('bad-input', 'the brush is at most 64 voxels wide');
        delta = paintStroke(labels, { axis: op.axis, index: op.index, points: op.points, radius: op.radius, value: op.value });
        break;
      case 'ball': {
        checkValue(op.value);
        if (op.radius > 32) throw new LumenError('bad-input', 'the 3D brush is at most 32 voxels wide');
        const b = new DeltaBuilder(labels);
        const r = op.radius, r2 = r * r;
        for (const [cz, cy, cx] of op.centers) {
          for (let z = Math.max(0, Math.ceil(cz - r)); z <= Math.min(Z - 1, Math.floor(cz + r)); z++)
            for (let y = Math.max(0, Math.ceil(cy - r)); y <= Math.min(Y - 1, Math.floor(cy + r)); y++)
              for (let x = Math.max(0, Math.ceil(cx - r)); x <= Math.min(X - 1, Math.floor(cx + r)); x++)
                if ((z - cz) ** 2 + (y - cy) ** 2 + (x - cx) ** 2 <= r2 || (z === Math.round(cz) && y === Math.round(cy) && x === Math.round(cx))) b.set(z, y, x, op.value);
        }
        delta = b.finish();
        break;
      }
      case 'flood': {
        checkValue(op.value);
        const vid = this.currentVolume();
        if (vid === null) throw new LumenError('bad-input', 'import an image first');
        const img = this.image(vid);
        const seed = planeToVolume(op.axis, op.index, Math.round(op.seed[0]), Math.round(op.seed[1]));
        delta = floodFill(labels, img, { seed, min: op.low, max: op.high, value: op.value, plane: op.axis, maxVoxels: Y * X * 2 });
        break;
      }
      case 'copy-slice':
        delta = copySliceToNeighbour(labels, op.axis, op.index, op.direction);
        break;
      case 'accept-prediction': {
        checkValue(op.value);
        const pred = this.currentPrediction();
        if (!pred) throw new LumenError('bad-input', 'train a model first: there is no prediction to accept');
        const p = this.prediction(pred.volumeId);
        const seed = planeToVolume(op.axis, op.index, Math.round(op.seed[0]), Math.round(op.seed[1]));
        if (!p.data[(seed[0] * Y + seed[1]) * X + seed[2]]) throw new LumenError('bad-input', 'click inside a predicted region to accept it');
        // the predicted object under the click, in 3D, written only where nobody has labeled yet
        delta = floodFill(labels, { data: p.data, shape: [Z, Y, X] }, { seed, min: 1, max: 255, value: op.value, onlyUnlabeled: true });
        break;
      }
    }
    return this.change(s.apply(delta, op.kind), 'forward');
  }

  // ── training + inference ────────────────────────────────────────────────────────────────

  private startTraining(r: TrainRequest): { runId: number } {
    const store = this.requireStore();
    if (this.training || this.instances.busy) throw new LumenError('bad-input', 'a training run is already going; stop it first');
    const volumeId = this.currentVolume();
    const labelId = this.currentLabels();
    if (volumeId === null || labelId === null) throw new LumenError('bad-input', 'import an image and paint some labels first');
    const counts = store.loadLabels(labelId).countByClass();
    const labeledVoxels = [...counts.entries()].reduce((a, [k, n]) => a + (k > 0 ? n : 0), 0);
    if (!counts.get(1) || ![...counts.keys()].some((k) => k >= 2)) throw new LumenError('bad-input', 'paint both background and foreground before training');
    const pretrainedModel = r.pretrainedModelId !== undefined ? store.getModel(r.pretrainedModelId) : undefined;
    if ((pretrainedModel?.provenance as { kind?: string } | undefined)?.kind === 'instances') throw new LumenError('bad-input', `model "${pretrainedModel!.name}" finds objects, not classes: start from a class model, or train instances`);
    const pretrainedOnnx = pretrainedModel?.onnx;
    const labelsRevision = store.labelInfo(labelId).revision;
    const runId = store.startRun({ config: { strategy: r.strategy, effort: r.effort, device: r.device, labeledVoxels, labelsRevision, pretrainedModelId: r.pretrainedModelId ?? null } });
    const job: TrainJob = {
      project: store.path, volumeId, labelId, strategy: r.strategy, effort: EFFORT_FACTOR[r.effort] * (this.opts.effortScale ?? 1), device: runtimeDevice(r.device),
      ...(pretrainedOnnx ? { pretrainedOnnx } : {}), ...(this.opts.threads ? { threads: this.opts.threads } : {}),
    };
    const t: Training = { runId, stopped: false };
    this.training = t;
    const started = performance.now();
    let strategy = r.strategy;
    let phaseStart = performance.now(), phase = '';
    const pending: { step: number; loss: number; extra?: Record<string, unknown> }[] = [];
    let stepNo = 0;
    const flush = () => { if (pending.length && this.store === store) { store.appendRunSteps(runId, pending.splice(0)); } };
    const fail = (message: string, cancelled: boolean) => {
      if (this.training !== t) return;
      this.training = null;
      try { flush(); if (this.store === store) store.finishRun(runId, { status: cancelled ? 'cancelled' : 'failed', metrics: { error: message, strategy } }); } catch { /* project closed */ }
      this.emit({ type: 'train.failed', runId, message, cancelled });
    };
    const worker = new Worker(BOOT, { workerData: { entry: TRAIN_ENTRY, job } });
    t.worker = worker;
    worker.on('message', (m: { type: string; [k: string]: unknown }) => {
      if (m.type === 'strategy') strategy = String(m.strategy);
      else if (m.type === 'progress') {
        const p = m.progress as { phase: string; step: number; steps: number; loss?: number; validationDice?: number };
        if (p.phase !== phase) { phase = p.phase; phaseStart = performance.now(); }
        const rate = p.step > 0 ? (performance.now() - phaseStart) / 1000 / p.step : NaN;
        if (p.loss !== undefined) pending.push({ step: ++stepNo, loss: p.loss, extra: { phase: p.phase, ...(p.validationDice !== undefined ? { validationDice: p.validationDice } : {}) } });
        if (pending.length >= 10) flush();
        this.emit({
          type: 'train.progress',
          progress: { runId, phase: p.phase, step: p.step, steps: p.steps, fraction: 0.9 * (p.steps ? p.step / p.steps : 0), etaSeconds: Number.isFinite(rate) ? rate * (p.steps - p.step) : null, ...(p.loss !== undefined ? { loss: p.loss } : {}), ...(p.validationDice !== undefined ? { validationDice: p.validationDice } : {}) },
        });
      } else if (m.type === 'error') fail(String(m.message), m.code === 'cancelled' || t.stopped);
      else if (m.type === 'done') {
        t.worker = undefined;
        void this.finishTraining(t, store, m as unknown as TrainDone, { volumeId, labelsRevision, strategy, started, flush }).catch((e) => fail(readable(e).message, t.stopped));
      }
    });
    worker.on('error', (e) => fail(e.message, t.stopped));
    worker.on('exit', () => { if (t.worker === worker) fail('training stopped', true); });
    return { runId };
  }

  private async finishTraining(t: Training, store: ProjectStore, m: TrainDone, c: { volumeId: number; labelsRevision: number; strategy: string; started: number; flush: () => void }): Promise<void> {
    if (t.stopped) throw new LumenError('cancelled', 'training was stopped');
    c.flush();
    const validationDice = Object.entries(m.report).filter(([k, v]) => /validationDice/i.test(k) && typeof v === 'number').map(([, v]) => v as number).at(-1) ?? null;
    const vol = store.volumeInfo(c.volumeId);
    const modelId = store.addModel({
      name: `${m.strategy} run ${t.runId}`, onnx: m.onnx, config: m.config,
      provenance: { ...m.provenance, strategy: m.strategy, report: m.report, validationDice, image: vol.name, labelsRevision: c.labelsRevision, device: m.device.used, trainedAt: new Date().toISOString() },
    });
    const out = join(this.scratch, `prediction-${t.runId}.tif`);
    // where the model is unsure, streamed beside the labels: the overlay and the "Paint next" slices
    const unsureOut = join(this.scratch, `uncertainty-${t.runId}.tif`);
    const inferStart = performance.now();
    t.inference = startInference({
      model: { bytes: m.onnx }, input: { kind: 'store', project: store.path, volumeId: c.volumeId }, output: { kind: 'file', path: out },
      uncertaintyOutput: { kind: 'file', path: unsureOut },
      device: m.device.used === 'cpu' ? 'cpu' : 'auto', background: true, ...(this.opts.threads ? { threads: this.opts.threads } : {}),
    }, {
      onProgress: (p) => this.emit({
        type: 'train.progress',
        progress: { runId: t.runId, phase: `predict`, step: p.done, steps: p.total, fraction: 0.9 + 0.1 * (p.total ? p.done / p.total : 0), etaSeconds: Number.isFinite(p.etaSeconds) ? p.etaSeconds : null },
      }),
    });
    let pred: Volume, unsure: Volume;
    try {
      await t.inference.result;
      pred = await readVolume(out);
      unsure = await readVolume(unsureOut);
    } finally {
      rmSync(out, { force: true });
      rmSync(unsureOut, { force: true });
    }
    if (this.store !== store || this.training !== t) return;
    const labelsPrediction = store.addPrediction({ name: `prediction run ${t.runId}`, kind: 'labels', modelId, sourceVolumeId: c.volumeId, volume: makeVolume(pred.shape, 'uint8', pred.data, vol.geometry) });
    store.addPrediction({
      name: `uncertainty run ${t.runId}`, kind: 'probabilities', modelId, sourceVolumeId: c.volumeId, labelsPredictionId: labelsPrediction.id,
      volume: makeVolume(unsure.shape, 'float32', unsure.data, vol.geometry),
    });
    const seconds = +((performance.now() - c.started) / 1000).toFixed(1);
    store.finishRun(t.runId, { status: 'finished', modelId, metrics: { strategy: m.strategy, validationDice, seconds, inferenceSeconds: +((performance.now() - inferStart) / 1000).toFixed(1), device: m.device.used, report: m.report } });
    this.training = null;
    this.emit({ type: 'train.done', runId: t.runId, state: this.state() });
  }

  private stopTraining(): void {
    this.instances.stop();
    const t = this.training;
    if (!t) return;
    t.stopped = true;
    t.worker?.postMessage({ type: 'stop' });
    t.inference?.cancel();
    // The worker stops itself between steps (strategies check shouldStop). It is never terminated
    // from here: terminating a thread while ONNX Runtime runs in it aborts the whole process when
    // the run returns (seen under load, when one step outlasted a 5 s grace period).
  }

  // ── models and export ───────────────────────────────────────────────────────────────────

  private importModel(file: FileHandle): ModelMeta {
    const store = this.requireStore();
    const bytes = new Uint8Array(readFileSync(this.opts.files.resolve(file)));
    const model = importSegmenterOnnx(bytes); // refuses non-ONNX and non-Lumen models with a readable message
    const provenance = { ...model.provenance, importedFrom: file.name, importedAt: new Date().toISOString() };
    const name = file.name.replace(/\.onnx$/i, '');
    const id = store.addModel({ name, onnx: bytes, config: segmenterSummary(model.segmenter, model.classes), provenance });
    const info = store.listModels().find((m) => m.id === id)!;
    return this.modelMeta(id, name, provenance, info.createdAt);
  }

  /** A `lumen experiment` results file, checked, into the project for the Results panel. */
  private importExperiment(file: FileHandle): ExperimentMeta {
    const store = this.requireStore();
    const path = this.opts.files.resolve(file);
    const size = statSync(path).size;
    if (size > MAX_EXPERIMENT_BYTES) throw new LumenError('bad-input', `${file.name} is ${(size / 1e6).toFixed(0)} MB; an experiment result is at most ${MAX_EXPERIMENT_BYTES / 1e6} MB`);
    const result = parseExperimentResult(readFileSync(path, 'utf8'), file.name);
    const id = store.addExperiment({ name: result.name, source: file.name, result });
    return this.experimentMeta(store.getExperiment(id));
  }

  private async exportVolume(what: 'labels' | 'prediction', format: 'tiff' | 'nifti'): Promise<Download> {
    const store = this.requireStore();
    const vid = this.currentVolume();
    if (vid === null) throw new LumenError('bad-input', 'import an image first');
    const { geometry, source, shape: [d, h, w] } = store.volumeInfo(vid);
    let data: Uint8Array;
    if (what === 'labels') data = this.labels(this.currentLabels()!).labels.toDense();
    else {
      const pred = this.currentPrediction();
      if (!pred) throw new LumenError('bad-input', 'there is no prediction yet: train a model first');
      data = this.prediction(pred.volumeId).data as Uint8Array;
    }
    const ext = format === 'tiff' ? '.tif' : '.nii.gz';
    const fileName = `${this.projectId.replace(/[^\w.-]+/g, '_')}-${what}${ext}`;
    const path = join(this.scratch, fileName);
    // a NIfTI export carries the imported file's header (qform, sform, codes) so it overlays the original exactly
    await writeVolume(path, { ...makeVolume([d, h, w, 1], 'uint8', data, geometry), ...(source?.format === 'nifti' && format === 'nifti' ? { source } : {}) }, { labels: true });
    const bytes = new Uint8Array(readFileSync(path));
    rmSync(path, { force: true });
    return { url: null, fileName, bytes };
  }
}

interface TrainDone {
  onnx: Uint8Array;
  config: Record<string, unknown>;
  provenance: Record<string, unknown>;
  report: Record<string, unknown>;
  strategy: string;
  device: { used: string };
}

export type { Api };

/** The pyramid level an OME-Zarr image was opened at, when it is not the full resolution. */
function pyramidOf(header: Record<string, unknown> | undefined): VolumeMeta['pyramid'] {
  const level = header?.level, levels = header?.levels as { shape: number[] }[] | undefined;
  if (typeof level !== 'number' || level === 0 || !levels?.[0]) return undefined;
  return { level, levels: levels.length, fullShape: levels[0].shape.slice(0, 3) as [number, number, number] };
}

/**
 * The folder a user picked (an OME-Zarr), when the files are its contents: every name is a path
 * below one top folder (the browser's webkitRelativePath) and the file lies at that path on disk.
 */
function pickedFolder(files: FileHandle[], paths: string[]): { path: string; name: string } | undefined {
  const top = files[0]?.name.split('/')[0];
  if (!top || !files.every((f) => f.name.includes('/') && f.name.split('/')[0] === top)) return undefined;
  const roots = new Set(paths.map((p, i) => (p.endsWith(`/${files[i]!.name}`) ? p.slice(0, p.length - files[i]!.name.length) : '')));
  const root = roots.size === 1 ? [...roots][0]! : '';
  return root ? { path: join(root, top), name: top } : undefined;
}
