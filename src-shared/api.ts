// The one contract between the renderer and the host. Both transports (Electron IPC and the local
// WebSocket server) carry exactly these requests, responses and events; the host validates every
// request against REQUEST_SCHEMAS before a service sees it. Pure TypeScript: no Node, no DOM.
//
// Files: the renderer never names a path. A file the user dropped or picked becomes a FileHandle
// (an opaque id the host issued when it received the file's bytes, or, in Electron, the path the
// OS gave the drop); every method that reads a file takes a handle, so the renderer can reach only
// what the user handed over.

import type { CurveSummaryRow } from './eval/learning-curve.ts';
import type { SliceSuggestion } from './eval/suggest-slices.ts';

export type { SliceSuggestion };

export type Axis = 'z' | 'y' | 'x';
export type DeviceChoice = 'auto' | 'gpu' | 'cpu';
export type Effort = 'quick' | 'normal' | 'thorough';
export type ExportFormat = 'tiff' | 'nifti';

/** effort in the panel → the strategies' step multiplier */
export const EFFORT_FACTOR: Record<Effort, number> = { quick: 0.05, normal: 0.5, thorough: 1.5 };

export interface FileHandle { handle: string; name: string; size: number }

export interface ProjectSummary { id: string; name: string; modifiedAt: string }

export interface VolumeMeta {
  id: number;
  name: string;
  shape: [number, number, number, number];
  dtype: string;
  spacing: [number, number, number];
  unit: string;
  /** the file format it was imported from (NIfTI: MRI, CT; TIFF and slices: microscopy, mostly) */
  format: 'tiff' | 'nifti' | 'slices' | 'zarr' | 'generated' | null;
  /** voxel (i = x, j = y, k = z) → world (RAS+, mm) affine, row-major 4×4, when the file has one (NIfTI sform/qform):
   * the slice views then show anatomical planes in the radiological convention (orientation/) */
  affine?: number[];
  /** an OME-Zarr too large for this machine, opened at a coarser pyramid level (0 = full resolution) */
  pyramid?: { level: number; levels: number; fullShape: [number, number, number] };
}

export interface LabelClassInfo { value: number; name: string; color: string }

export interface LabelsMeta {
  id: number;
  volumeId: number | null;
  shape: [number, number, number];
  classes: LabelClassInfo[];
  revision: number;
  canUndo: boolean;
  canRedo: boolean;
}

export interface PredictionMeta {
  volumeId: number;
  name: string;
  modelId: number | null;
  createdAt: string;
  /** the map of where the model is unsure, made with this prediction (prediction.readUncertainty); null for predictions made before Lumen kept one */
  uncertaintyVolumeId: number | null;
}

/** The objects drawn on the image in instance mode (one id per object, 0 = nothing drawn). */
export interface InstancesMeta {
  /** the drawn layer in the project; null until the first edit or import */
  layerId: number | null;
  shape: [number, number, number];
  revision: number;
  canUndo: boolean;
  canRedo: boolean;
  /** objects drawn (distinct ids) */
  objects: number;
  /** the id the next new object gets */
  nextId: number;
  /** voxels marked as fully annotated; 0 = none marked, so the whole image counts as annotated */
  markedVoxels: number;
}

/** The objects the newest instance model found in the image. */
export interface InstancePredictionMeta { layerId: number; modelId: number | null; objects: number; createdAt: string }

/** An instance layer's voxels: ids as uint32 (little-endian), the fully-annotated regions as 0/1 bytes. */
export interface InstanceData { shape: [number, number, number]; ids: Uint8Array; annotated: Uint8Array | null; objects: number }

export interface ModelMeta {
  id: number;
  name: string;
  strategy: string;
  createdAt: string;
  validationDice: number | null;
  provenance: unknown;
  /** how `auto` chose: every candidate it compared (empty for other strategies and imported models) */
  candidates: CandidateRow[];
  /** what the candidates were scored on ("whole planes held out: z 17", "bands across the labeled planes held out") */
  heldOut: string | null;
  /** held-out labeled voxels per class value the Dice rests on (null: not reported) */
  heldOutVoxels: Record<string, number> | null;
  /** some class has too few held-out voxels for its Dice to mean much: say so instead of a bare 1.000 */
  tooFewToJudge: boolean;
  /** what it segments: classes (a segmenter) or objects (an instance model) */
  kind: 'classes' | 'instances';
  /** instance models: F1 at IoU 0.5 on held-out objects */
  validationF1: number | null;
}

/** One candidate of an `auto` run, from its report. */
export interface CandidateRow {
  name: string;
  /** what it is, in words ("2D U-Net along x") */
  model: string;
  validationDice: number;
  /** Dice per class value ≥ 2 */
  perClass: Record<string, number>;
  seconds: number;
  chosen: boolean;
  /** why it did not compete: it failed on this input, or the time budget passed it over */
  note: string | null;
}

/** A learning-curve result (`lumen experiment`'s JSON) imported into the project. */
export interface ExperimentMeta {
  id: number;
  name: string;
  /** the file it was imported from */
  source: string;
  importedAt: string;
  notes: string | null;
  /** mean (sd) Dice and IoU per N and strategy, recomputed from the runs */
  summary: CurveSummaryRow[];
}

export interface RunMeta {
  id: number;
  status: string;
  strategy: string;
  effort: Effort | null;
  labeledVoxels: number | null;
  validationDice: number | null;
  seconds: number | null;
  startedAt: string;
}

export interface ProjectState {
  id: string;
  name: string;
  volume: VolumeMeta | null;
  labels: LabelsMeta | null;
  prediction: PredictionMeta | null;
  /** instance mode: the objects drawn, and those the newest instance model found */
  instances: InstancesMeta | null;
  instancePrediction: InstancePredictionMeta | null;
  models: ModelMeta[];
  runs: RunMeta[];
  experiments: ExperimentMeta[];
}

export interface DeviceInfo { choices: DeviceChoice[]; detected: string; gpu: boolean }

export interface AppInfo {
  version: string;
  transport: 'electron' | 'websocket';
  sample: { name: string; shape: [number, number, number] } | null;
  recent: ProjectSummary[];
  device: DeviceInfo;
  /** bundled instance models installed (nuclei-2d, nuclei-3d): what instance training starts from by default */
  bundledInstanceModels: string[];
}

/** One label edit as the user made it; the host turns it into a delta and commits it. */
export type LabelOp =
  | { kind: 'stroke'; axis: Axis; index: number; points: [number, number][]; radius: number; value: number }
  | { kind: 'ball'; centers: [number, number, number][]; radius: number; value: number }
  | { kind: 'flood'; axis: Axis; index: number; seed: [number, number]; value: number; low: number; high: number }
  | { kind: 'copy-slice'; axis: Axis; index: number; direction: 1 | -1 }
  | { kind: 'accept-prediction'; axis: Axis; index: number; seed: [number, number]; value: number };

/**
 * One edit of the drawn objects. 'paint' extends object `id`, 'paint-new' and 'fill' draw a new
 * object (the host gives it the next free id); painting never covers another object. 'region'
 * marks (value 1) or unmarks (0) a rectangle on a plane as fully annotated.
 */
export type InstanceOp =
  | { kind: 'paint'; axis: Axis; index: number; points: [number, number][]; radius: number; id: number }
  | { kind: 'paint-new'; axis: Axis; index: number; points: [number, number][]; radius: number }
  | { kind: 'erase'; axis: Axis; index: number; points: [number, number][]; radius: number }
  | { kind: 'fill'; axis: Axis; index: number; seed: [number, number]; low: number; high: number }
  | { kind: 'merge'; into: number; from: number }
  | { kind: 'delete'; id: number }
  | { kind: 'region'; axis: Axis; index: number; from: [number, number]; to: [number, number]; value: 0 | 1 }
  | { kind: 'clear-regions' };

/** The result of an instance edit, undo, redo or import: the delta (encodeInstanceDelta bytes) to apply, and the object it drew. */
export interface InstanceChange { delta: Uint8Array | null; direction: 'forward' | 'backward'; instances: InstancesMeta; id: number | null }

/**
 * Where instance training starts: 'auto' (default) fine-tunes the bundled nuclei model where one is
 * installed and also trains a new network, keeping the one that scores better on held-out objects;
 * 'scratch' a new network only; `pretrainedModelId` fine-tunes that instance model of the project.
 */
export interface InstanceTrainRequest { effort: Effort; device: DeviceChoice; start?: 'auto' | 'scratch'; pretrainedModelId?: number }

/** The result of an edit, undo or redo: the delta (src-shared/labels encodeDelta bytes) to apply. */
export interface LabelChange { delta: Uint8Array | null; direction: 'forward' | 'backward'; labels: LabelsMeta }

export interface TrainRequest { strategy: string; effort: Effort; device: DeviceChoice; pretrainedModelId?: number }

/** Raw voxels: z,y,x order, little-endian, `dtype` as named. */
export interface VoxelData { shape: [number, number, number]; dtype: 'uint8' | 'uint16' | 'float32'; data: Uint8Array; min: number; max: number }

/**
 * One view's live preview: the window of plane `index` across `axis` it covers (the whole plane,
 * or a part around the cursor on very large planes) and a class value (1 background, 2… classes)
 * per voxel of the window, in its z, y, x raster order.
 */
export interface PreviewPlaneData { axis: Axis; index: number; start: [number, number, number]; extent: [number, number, number]; labels: Uint8Array }

/** What the live preview shows after a stroke: the views' planes, or why there is nothing to show yet. */
export interface PreviewUpdate {
  /** the labels revision the preview was trained on */
  labelsRevision: number;
  planes: PreviewPlaneData[];
  /** the user's next step when the labels cannot teach anything yet ("paint some background…"), or why the preview waits */
  message: string | null;
  /** seconds from the request to the result */
  seconds: number | null;
}

export interface Download { url: string | null; fileName: string; bytes: Uint8Array | null }

/** request → response, by method name */
export interface Api {
  'app.info': { req: Record<string, never>; res: AppInfo };
  'app.ping': { req: { t: number }; res: { t: number } };
  'project.create': { req: { name: string }; res: ProjectState };
  'project.open': { req: { id: string }; res: ProjectState };
  'project.openSample': { req: Record<string, never>; res: ProjectState };
  'project.state': { req: Record<string, never>; res: ProjectState };
  'project.close': { req: Record<string, never>; res: { ok: true } };
  'project.import': { req: { files: FileHandle[] }; res: ProjectState };
  /** deletes the project file (closing it first if it is open); the recent list without it */
  'project.delete': { req: { id: string }; res: ProjectSummary[] };
  /** renames the project file; the recent list with the new name */
  'project.rename': { req: { id: string; name: string }; res: ProjectSummary[] };
  /** a run's recorded steps, for the charts after reopening: loss, and validation Dice where measured */
  'runs.steps': { req: { runId: number }; res: { loss: number[]; dice: { step: number; value: number }[] } };
  'volume.read': { req: { volumeId: number }; res: VoxelData };
  'labels.read': { req: { labelId: number }; res: VoxelData };
  'labels.edit': { req: { labelId: number; op: LabelOp }; res: LabelChange };
  'labels.undo': { req: { labelId: number }; res: LabelChange };
  'labels.redo': { req: { labelId: number }; res: LabelChange };
  'labels.addClass': { req: { labelId: number; name: string }; res: LabelsMeta };
  'prediction.read': { req: { volumeId: number }; res: VoxelData };
  /** a prediction's uncertainty map (`volumeId` = PredictionMeta.uncertaintyVolumeId) as uint8: 0 sure … 255 the classes equally likely */
  'prediction.readUncertainty': { req: { volumeId: number }; res: VoxelData };
  /** the slices along `axis` most worth painting next (default 3), best first: where the newest prediction is least sure of what nobody labeled */
  'prediction.suggestSlices': { req: { axis: Axis; count?: number }; res: SliceSuggestion[] };
  'train.start': { req: TrainRequest; res: { runId: number } };
  'train.stop': { req: Record<string, never>; res: { ok: true } };
  'models.exportOnnx': { req: { modelId: number }; res: Download };
  'models.importOnnx': { req: { file: FileHandle }; res: ModelMeta };
  'experiments.import': { req: { file: FileHandle }; res: ExperimentMeta };
  'export.volume': { req: { what: 'labels' | 'prediction'; format: ExportFormat }; res: Download };
  /** instance mode: the drawn objects (and regions), edits on them, undo/redo, an imported label image */
  'instances.read': { req: Record<string, never>; res: InstanceData };
  'instances.edit': { req: { op: InstanceOp }; res: InstanceChange };
  'instances.undo': { req: Record<string, never>; res: InstanceChange };
  'instances.redo': { req: Record<string, never>; res: InstanceChange };
  'instances.import': { req: { file: FileHandle }; res: InstanceChange };
  /** the objects the newest instance model found */
  'instances.readPrediction': { req: Record<string, never>; res: InstanceData };
  /** trains an instance model on the drawn objects in a worker, then finds the objects in the whole image (train.* events) */
  'instances.train': { req: InstanceTrainRequest; res: { runId: number } };
  /** the drawn or found objects as a label image (uint16, or uint32 beyond 65535 ids), or their measurements as CSV */
  'export.instances': { req: { what: 'drawn' | 'predicted'; format: ExportFormat }; res: Download };
  'export.objects': { req: { what: 'drawn' | 'predicted' }; res: Download };
  /** live preview of the views through `cursor` (z, y, x) from the labels as they are now; the answer comes as a preview.result event */
  'preview.request': { req: { cursor: [number, number, number] }; res: { ok: true } };
}

export type Method = keyof Api;
export type Req<M extends Method> = Api[M]['req'];
export type Res<M extends Method> = Api[M]['res'];

export interface ImportProgress { file: string; done: number; total: number }
export interface TrainProgress {
  runId: number;
  phase: string;
  step: number;
  steps: number;
  /** 0..1 over the whole run (training then inference) */
  fraction: number;
  etaSeconds: number | null;
  loss?: number;
  validationDice?: number;
}

/** host → renderer, unsolicited */
export type HostEvent =
  | { type: 'import.progress'; progress: ImportProgress }
  | { type: 'train.progress'; progress: TrainProgress }
  | { type: 'train.done'; runId: number; state: ProjectState }
  | { type: 'train.failed'; runId: number; message: string; cancelled: boolean }
  | { type: 'preview.result'; preview: PreviewUpdate };

/** What the renderer calls; each transport provides one. */
export interface LumenClient {
  call<M extends Method>(method: M, req: Req<M>): Promise<Res<M>>;
  onEvent(fn: (e: HostEvent) => void): () => void;
  /** hand a dropped/picked file to the host; returns the handle methods take */
  /** `batch`: the files of one picked folder (webkitRelativePath set) share it, so they keep their tree */
  sendFile(file: File, onProgress?: (sent: number, total: number) => void, batch?: string): Promise<FileHandle>;
  /** save a Download the host produced */
  save(d: Download): void;
}

/** Error shape crossing the boundary: a stable code and a sentence for the user. */
export interface ApiError { code: string; message: string }

// ── validation ────────────────────────────────────────────────────────────────────────────
// A tiny schema language: enough to refuse malformed or hostile messages before any service runs.

export type Schema =
  | 'string' | 'number' | 'int' | 'bytes' | 'boolean'
  | { enum: readonly (string | number)[] }
  | { obj: Record<string, Schema>; optional?: readonly string[] }
  | { arr: Schema; max: number; min?: number }
  | { tuple: Schema[] }
  | { oneOf: string; cases: Record<string, { obj: Record<string, Schema>; optional?: readonly string[] }> };

const AXIS: Schema = { enum: ['z', 'y', 'x'] };
const POINT2: Schema = { tuple: ['number', 'number'] };
const EMPTY: Schema = { obj: {} };
const HANDLE: Schema = { obj: { handle: 'string', name: 'string', size: 'int' } };

export const REQUEST_SCHEMAS: Record<Method, Schema> = {
  'app.info': EMPTY,
  'app.ping': { obj: { t: 'number' } },
  'project.create': { obj: { name: 'string' } },
  'project.open': { obj: { id: 'string' } },
  'project.openSample': EMPTY,
  'project.state': EMPTY,
  'project.close': EMPTY,
  'project.import': { obj: { files: { arr: HANDLE, max: 10_000, min: 1 } } },
  'project.delete': { obj: { id: 'string' } },
  'project.rename': { obj: { id: 'string', name: 'string' } },
  'runs.steps': { obj: { runId: 'int' } },
  'volume.read': { obj: { volumeId: 'int' } },
  'labels.read': { obj: { labelId: 'int' } },
  'labels.edit': {
    obj: {
      labelId: 'int',
      op: {
        oneOf: 'kind',
        cases: {
          stroke: { obj: { axis: AXIS, index: 'int', points: { arr: POINT2, max: 100_000, min: 1 }, radius: 'number', value: 'int' } },
          ball: { obj: { centers: { arr: { tuple: ['number', 'number', 'number'] }, max: 100_000, min: 1 }, radius: 'number', value: 'int' } },
          flood: { obj: { axis: AXIS, index: 'int', seed: POINT2, value: 'int', low: 'number', high: 'number' } },
          'copy-slice': { obj: { axis: AXIS, index: 'int', direction: { enum: [1, -1] } } },
          'accept-prediction': { obj: { axis: AXIS, index: 'int', seed: POINT2, value: 'int' } },
        },
      },
    },
  },
  'labels.undo': { obj: { labelId: 'int' } },
  'labels.redo': { obj: { labelId: 'int' } },
  'labels.addClass': { obj: { labelId: 'int', name: 'string' } },
  'prediction.read': { obj: { volumeId: 'int' } },
  'prediction.readUncertainty': { obj: { volumeId: 'int' } },
  'prediction.suggestSlices': { obj: { axis: AXIS, count: 'int' }, optional: ['count'] },
  'train.start': {
    obj: { strategy: 'string', effort: { enum: ['quick', 'normal', 'thorough'] }, device: { enum: ['auto', 'gpu', 'cpu'] }, pretrainedModelId: 'int' },
    optional: ['pretrainedModelId'],
  },
  'train.stop': EMPTY,
  'models.exportOnnx': { obj: { modelId: 'int' } },
  'models.importOnnx': { obj: { file: HANDLE } },
  'experiments.import': { obj: { file: HANDLE } },
  'export.volume': { obj: { what: { enum: ['labels', 'prediction'] }, format: { enum: ['tiff', 'nifti'] } } },
  'instances.read': EMPTY,
  'instances.edit': {
    obj: {
      op: {
        oneOf: 'kind',
        cases: {
          paint: { obj: { axis: AXIS, index: 'int', points: { arr: POINT2, max: 100_000, min: 1 }, radius: 'number', id: 'int' } },
          'paint-new': { obj: { axis: AXIS, index: 'int', points: { arr: POINT2, max: 100_000, min: 1 }, radius: 'number' } },
          erase: { obj: { axis: AXIS, index: 'int', points: { arr: POINT2, max: 100_000, min: 1 }, radius: 'number' } },
          fill: { obj: { axis: AXIS, index: 'int', seed: POINT2, low: 'number', high: 'number' } },
          merge: { obj: { into: 'int', from: 'int' } },
          delete: { obj: { id: 'int' } },
          region: { obj: { axis: AXIS, index: 'int', from: POINT2, to: POINT2, value: { enum: [0, 1] } } },
          'clear-regions': { obj: {} },
        },
      },
    },
  },
  'instances.undo': EMPTY,
  'instances.redo': EMPTY,
  'instances.import': { obj: { file: HANDLE } },
  'instances.readPrediction': EMPTY,
  'instances.train': {
    obj: { effort: { enum: ['quick', 'normal', 'thorough'] }, device: { enum: ['auto', 'gpu', 'cpu'] }, start: { enum: ['auto', 'scratch'] }, pretrainedModelId: 'int' },
    optional: ['start', 'pretrainedModelId'],
  },
  'export.instances': { obj: { what: { enum: ['drawn', 'predicted'] }, format: { enum: ['tiff', 'nifti'] } } },
  'export.objects': { obj: { what: { enum: ['drawn', 'predicted'] } } },
  'preview.request': { obj: { cursor: { tuple: ['int', 'int', 'int'] } } },
};

/** A stable, readable colour per object id (hashed hue, golden-ratio steps so neighbouring ids differ): [r, g, b] 0..255. */
export function instanceColor(id: number): [number, number, number] {
  const h = ((id * 0.618033988749895) % 1) * 6;
  const s = 0.8, l = 0.58;
  const c = (1 - Math.abs(2 * l - 1)) * s, x = c * (1 - Math.abs((h % 2) - 1)), m = l - c / 2;
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Returns null when `v` fits `s`, else where and why it does not. Extra object keys are refused. */
export function checkSchema(s: Schema, v: unknown, at = 'request'): string | null {
  if (s === 'string') return typeof v === 'string' && v.length <= 4096 ? null : `${at} must be a string`;
  if (s === 'number') return typeof v === 'number' && Number.isFinite(v) ? null : `${at} must be a finite number`;
  if (s === 'int') return Number.isSafeInteger(v) ? null : `${at} must be an integer`;
  if (s === 'boolean') return typeof v === 'boolean' ? null : `${at} must be true or false`;
  if (s === 'bytes') return v instanceof Uint8Array ? null : `${at} must be bytes`;
  if ('enum' in s) return s.enum.includes(v as string) ? null : `${at} must be one of ${s.enum.join(', ')}`;
  if ('arr' in s) {
    if (!Array.isArray(v)) return `${at} must be a list`;
    if (v.length > s.max || v.length < (s.min ?? 0)) return `${at} must hold ${s.min ?? 0} to ${s.max} items`;
    for (let i = 0; i < v.length; i++) { const e = checkSchema(s.arr, v[i], `${at}[${i}]`); if (e) return e; }
    return null;
  }
  if ('tuple' in s) {
    if (!Array.isArray(v) || v.length !== s.tuple.length) return `${at} must be a list of ${s.tuple.length}`;
    for (let i = 0; i < v.length; i++) { const e = checkSchema(s.tuple[i]!, v[i], `${at}[${i}]`); if (e) return e; }
    return null;
  }
  if ('oneOf' in s) {
    if (typeof v !== 'object' || v === null) return `${at} must be an object`;
    const tag = (v as Record<string, unknown>)[s.oneOf];
    const c = typeof tag === 'string' && Object.hasOwn(s.cases, tag) ? s.cases[tag] : undefined;
    if (!c) return `${at}.${s.oneOf} must be one of ${Object.keys(s.cases).join(', ')}`;
    return checkSchema({ obj: { ...c.obj, [s.oneOf]: 'string' }, optional: c.optional }, v, at);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${at} must be an object`;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!Object.hasOwn(s.obj, k)) return `${at} has an unknown field "${k}"`;
  for (const [k, sub] of Object.entries(s.obj)) {
    if (!(k in o) || o[k] === undefined) { if (s.optional?.includes(k)) continue; return `${at}.${k} is missing`; }
    const e = checkSchema(sub, o[k], `${at}.${k}`);
    if (e) return e;
  }
  return null;
}

export function isMethod(m: unknown): m is Method {
  return typeof m === 'string' && Object.hasOwn(REQUEST_SCHEMAS, m);
}

// ── wire format for the WebSocket transport ───────────────────────────────────────────────
// One binary frame per message: u32 JSON length, the JSON (Uint8Arrays replaced by {$b: i}), then
// the byte arrays back to back (u32 length each). Keeps voxel data out of JSON/base64.

export function encodeFrame(msg: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const json = JSON.stringify(msg, (_k, v) => {
    if (v instanceof Uint8Array) { blobs.push(v); return { $b: blobs.length - 1 }; }
    return v;
  });
  const head = new TextEncoder().encode(json);
  let total = 4 + head.length;
  for (const b of blobs) total += 4 + b.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, head.length, true);
  out.set(head, 4);
  let off = 4 + head.length;
  for (const b of blobs) { dv.setUint32(off, b.length, true); out.set(b, off + 4); off += 4 + b.length; }
  return out;
}

export function decodeFrame(frame: Uint8Array): unknown {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < 4) throw new Error('short frame');
  const n = dv.getUint32(0, true);
  if (4 + n > frame.length) throw new Error('bad frame header');
  const blobs: Uint8Array[] = [];
  let off = 4 + n;
  while (off < frame.length) {
    if (off + 4 > frame.length) throw new Error('bad frame');
    const len = dv.getUint32(off, true);
    if (off + 4 + len > frame.length) throw new Error('bad frame');
    blobs.push(frame.slice(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return JSON.parse(new TextDecoder().decode(frame.subarray(4, 4 + n)), (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.$b === 'number' && Object.keys(v).length === 1) {
      const b = blobs[v.$b];
      if (!b) throw new Error('bad frame reference');
      return b;
    }
    return v;
  });
}

export const DEFAULT_CLASS_COLORS = ['#00000000', '#3b82f6', '#f97316', '#22c55e', '#e11d48', '#a855f7', '#eab308'];
