// The window's state and the actions the views call. Reactive fields live in `ui` ($state);
// voxel arrays live in `vox` (plain, not proxied: millions of elements) and `ui.voxVersion`
// tells the views to redraw.
import { decodeDelta, decodeInstanceDelta, SparseLabelVolume } from '../../src-shared/labels/index.ts';
import type {
  AppInfo, Axis, DeviceChoice, Effort, ExportFormat, FileHandle, HostEvent, InstanceChange, InstanceData, InstanceOp, LabelChange, LabelOp, LumenClient, ProjectState, VoxelData,
} from '../../src-shared/api.ts';
import { createClient } from './client.ts';
import { autoWindow } from './planes.ts';
import { clearPreview, holdPreviewForPrediction, onPreview, strokeSaved } from './live-preview.svelte.ts';
import { loadUncertainty, refreshSuggestions, scheduleSuggestions } from './uncertainty.svelte.ts';

export type Tool = 'navigate' | 'brush' | 'eraser' | 'flood' | 'accept' | 'merge' | 'delete' | 'region';
/** what the label editor edits: class labels (0 unlabeled, 1 background, 2.. classes) or objects (one id each) */
export type LabelMode = 'classes' | 'instances';
export type Panel = 'train' | 'models' | 'results' | 'export';

export interface Vox {
  image: Uint8Array | Uint16Array | Float32Array | null;
  shape: [number, number, number];
  range: [number, number];
  labels: SparseLabelVolume | null;
  prediction: Uint8Array | null;
  /** where the prediction is unsure: 0 sure … 255 most unsure (uncertainty.svelte.ts) */
  uncertainty: Uint8Array | null;
  /** instance mode: the drawn objects (id per voxel), the fully-annotated regions (0/1), the objects a model found */
  instances: Uint32Array | null;
  annotated: Uint8Array | null;
  found: Uint32Array | null;
}

export const vox: Vox = { image: null, shape: [1, 1, 1], range: [0, 1], labels: null, prediction: null, uncertainty: null, instances: null, annotated: null, found: null };

export const ui = $state({
  info: null as AppInfo | null,
  project: null as ProjectState | null,
  error: null as string | null,
  /** a long action in progress: label + fraction (null fraction: indeterminate) */
  progress: null as { label: string; fraction: number | null } | null,
  voxVersion: 0,
  labelVersion: 0,
  /** bumped when the drawn objects or the found ones change */
  instanceVersion: 0,
  mode: 'classes' as LabelMode,
  /** the object the brush last drew or extended */
  instanceId: 0,
  /** merge tool: the object picked first (the one the second click merges into) */
  mergeInto: null as number | null,
  cursor: [0, 0, 0] as [number, number, number],
  tool: 'brush' as Tool,
  brushRadius: 4,
  brush3d: false,
  classValue: 2,
  floodLow: 0,
  floodHigh: 0,
  window: [0, 1] as [number, number],
  preset: 'fluorescence' as 'fluorescence' | 'mri',
  showPrediction: true,
  /** the uncertainty overlay on the slices (U) */
  showUncertainty: false,
  labelOpacity: 0.5,
  panel: 'train' as Panel,
  train: {
    strategy: 'auto',
    effort: 'normal' as Effort,
    device: 'auto' as DeviceChoice,
    pretrainedModelId: null as number | null,
    running: false,
    runId: null as number | null,
    phase: '',
    fraction: 0,
    eta: null as number | null,
    /** performance.now() when `eta` was measured: the panel counts down from it between reports */
    etaAt: 0,
    loss: [] as number[],
    dice: [] as { step: number; value: number }[],
    message: '',
    /** what the running (or last) run trains: a class segmenter or an instance model */
    kind: 'classes' as LabelMode,
    /** where instance training starts: 'auto' (the bundled nuclei model where installed, and a new network: the better is kept), 'scratch', or a project instance model's id */
    instanceStart: 'auto' as 'auto' | 'scratch' | number,
  },
});

let client: LumenClient;

export function api(): LumenClient { return client; }

function fail(e: unknown): void {
  ui.error = (e as Error).message ?? String(e);
  ui.progress = null;
}

export function dismissError(): void { ui.error = null; }

export async function init(): Promise<void> {
  client = createClient();
  client.onEvent(onEvent);
  try {
    ui.info = await client.call('app.info', {});
    const params = new URL(location.href).searchParams;
    if (params.get('sample') === '1') await openSample();
  } catch (e) { fail(e); }
}

function onEvent(e: HostEvent): void {
  if (e.type === 'import.progress') {
    const p = e.progress;
    ui.progress = { label: `Importing ${p.file}: slice ${p.done} of ${p.total}`, fraction: 0.5 + 0.5 * (p.total ? p.done / p.total : 0) };
  } else if (e.type === 'train.progress') {
    const p = e.progress;
    const t = ui.train;
    if (t.runId !== null && p.runId !== t.runId) return;
    t.phase = p.phase; t.fraction = p.fraction; t.eta = p.etaSeconds; t.etaAt = performance.now();
    if (p.loss !== undefined) t.loss.push(p.loss);
    if (p.validationDice !== undefined) t.dice.push({ step: t.loss.length, value: p.validationDice });
  } else if (e.type === 'preview.result') {
    onPreview(e.preview);
  } else if (e.type === 'train.done') {
    holdPreviewForPrediction(); // the model's prediction is newer than any preview
    ui.train.running = false;
    ui.train.fraction = 1;
    ui.train.phase = 'done';
    ui.train.eta = null;
    const found = e.state.instancePrediction;
    const objects = ui.train.kind === 'instances' && found;
    ui.train.message = objects ? `Objects found: ${found.objects}.` : 'Prediction updated.';
    ui.project = e.state;
    if (objects) void loadFound(); else void loadPrediction();
  } else if (e.type === 'train.failed') {
    ui.train.running = false;
    ui.train.message = e.cancelled ? 'Training stopped.' : `Training failed: ${e.message}`;
    if (!e.cancelled) ui.error = `Training failed: ${e.message}`;
    void refreshState();
  }
}

async function refreshState(): Promise<void> {
  try { ui.project = await client.call('project.state', {}); } catch (e) { fail(e); }
}

export async function refreshInfo(): Promise<void> {
  try { ui.info = await client.call('app.info', {}); } catch (e) { fail(e); }
}

function typed(v: VoxelData): Uint8Array | Uint16Array | Float32Array {
  const buf = v.data.buffer.slice(v.data.byteOffset, v.data.byteOffset + v.data.byteLength);
  return v.dtype === 'uint8' ? new Uint8Array(buf) : v.dtype === 'uint16' ? new Uint16Array(buf) : new Float32Array(buf);
}

/** Drops the voxels on screen (the views redraw empty once voxVersion moves). */
function clearVoxels(): void {
  vox.image = null; vox.labels = null; vox.prediction = null; vox.uncertainty = null; vox.instances = null; vox.annotated = null; vox.found = null;
}

async function loadVoxels(): Promise<void> {
  const p = ui.project;
  clearVoxels();
  if (!p?.volume) { ui.voxVersion++; return; }
  ui.progress = { label: 'Loading the volume…', fraction: null };
  const img = await client.call('volume.read', { volumeId: p.volume.id });
  vox.image = typed(img);
  vox.shape = img.shape;
  vox.range = [img.min, img.max];
  ui.window = autoWindow(vox.image, img.min, img.max);
  ui.floodLow = Math.round(ui.window[0] + (ui.window[1] - ui.window[0]) * 0.5);
  ui.floodHigh = img.max;
  if (p.labels) {
    const l = await client.call('labels.read', { labelId: p.labels.id });
    vox.labels = SparseLabelVolume.fromDense(l.shape, l.data);
  }
  ui.cursor = [Math.floor(img.shape[0] / 2), Math.floor(img.shape[1] / 2), Math.floor(img.shape[2] / 2)];
  await loadPrediction(false);
  await loadInstances();
  ui.progress = null;
  ui.voxVersion++;
}

async function loadPrediction(bump = true): Promise<void> {
  const p = ui.project?.prediction;
  void refreshSuggestions();
  if (!p) { vox.prediction = null; vox.uncertainty = null; return; }
  try {
    const v = await client.call('prediction.read', { volumeId: p.volumeId });
    vox.prediction = v.data;
    await loadUncertainty();
    if (bump) ui.voxVersion++;
  } catch (e) { fail(e); }
}

/** Where a project's 3D preset is remembered (this browser or app profile). */
const presetKey = (projectId: string) => `lumen.preset.${projectId}`;

/** The 3D preset a project opens with: the one last chosen for it, else by modality (MRI for NIfTI). */
function presetFor(state: ProjectState): typeof ui.preset {
  const kept = globalThis.localStorage?.getItem(presetKey(state.id));
  if (kept === 'mri' || kept === 'fluorescence') return kept;
  return state.volume?.format === 'nifti' ? 'mri' : 'fluorescence';
}

/** The user picked a 3D preset: keep it for this project. */
export function rememberPreset(): void {
  if (ui.project) globalThis.localStorage?.setItem(presetKey(ui.project.id), ui.preset);
}

async function enterProject(state: ProjectState): Promise<void> {
  ui.project = state;
  ui.preset = presetFor(state);
  ui.train.loss = []; ui.train.dice = []; ui.train.message = ''; ui.train.fraction = 0; ui.train.phase = '';
  ui.instanceId = 0; ui.mergeInto = null;
  if (state.prediction) holdPreviewForPrediction();
  else clearPreview();
  await loadVoxels();
  // the charts of the latest run, as they were drawn while it trained
  const last = state.runs.at(-1);
  if (last && !ui.train.running) {
    try {
      const charts = await client.call('runs.steps', { runId: last.id });
      if (ui.project?.id === state.id) { ui.train.loss = charts.loss; ui.train.dice = charts.dice; }
    } catch { /* the charts are a convenience: the project opens without them */ }
  }
}

export async function createProject(name: string): Promise<boolean> {
  try {
    await enterProject(await client.call('project.create', { name }));
    return true;
  } catch (e) { fail(e); return false; }
}

export async function openProject(id: string): Promise<void> {
  try { await enterProject(await client.call('project.open', { id })); } catch (e) { fail(e); }
}

export async function openSample(): Promise<void> {
  try {
    ui.progress = { label: 'Opening the sample…', fraction: null };
    await enterProject(await client.call('project.openSample', {}));
  } catch (e) { fail(e); }
}

export async function closeProject(): Promise<void> {
  try { await client.call('project.close', {}); } catch { /* already closed */ }
  ui.project = null;
  clearVoxels();
  await refreshInfo();
}

/** Files (and folders' files) from a drop event, in order. */
export async function filesFromDrop(dt: DataTransfer): Promise<File[]> {
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0 || !entries.some((e) => e.isDirectory)) return [...dt.files];
  const out: File[] = [];
  const walk = async (e: FileSystemEntry): Promise<void> => {
    if (e.isFile) out.push(await new Promise<File>((ok, bad) => (e as FileSystemFileEntry).file(ok, bad)));
    else if (e.isDirectory) {
      const reader = (e as FileSystemDirectoryEntry).createReader();
      const all: FileSystemEntry[] = [];
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((ok, bad) => reader.readEntries(ok, bad));
        if (!batch.length) break;
        all.push(...batch);
      }
      all.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
      for (const c of all) await walk(c);
    }
  };
  for (const e of entries) await walk(e);
  return out.filter((f) => !f.name.startsWith('.'));
}

/**
 * Dropped or picked files: creates a project named after the first when none is open, then
 * imports. A project made here for an import that fails is deleted again, so a bad file leaves
 * nothing behind; a project the user made keeps existing, empty.
 */
export async function importFiles(files: File[]): Promise<void> {
  if (!files.length) return;
  ui.error = null;
  const folder = files[0]?.webkitRelativePath.split('/')[0];
  const label = `Reading ${folder || (files.length === 1 ? files[0]!.name : `${files.length} files`)}`;
  ui.progress = { label, fraction: 0 }; // from the first byte
  let created: string | null = null;
  try {
    if (!ui.project) {
      // whatever was on screen goes at once, before the first byte is sent
      clearVoxels(); ui.voxVersion++;
      const stem = (folder || files[0]!.name).replace(/\.(nii\.gz|[^.]+)$/i, '').replace(/[^A-Za-z0-9 ._()-]+/g, '_').slice(0, 60) || 'project';
      for (let i = 1; i < 50 && !created; i++) {
        try {
          ui.project = await client.call('project.create', { name: i === 1 ? stem : `${stem} (${i})` });
          created = ui.project.id;
        } catch (e) { if (!/already exists/.test((e as Error).message)) throw e; }
      }
    }
    const total = files.reduce((a, f) => a + f.size, 0);
    let sentBefore = 0;
    const handles: FileHandle[] = [];
    // a picked folder (an OME-Zarr) is sent as one tree
    const batch = files[0]?.webkitRelativePath ? Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('') : undefined;
    for (const f of files) {
      handles.push(await client.sendFile(f, (sent) => { ui.progress = { label, fraction: 0.5 * ((sentBefore + sent) / Math.max(1, total)) }; }, batch));
      sentBefore += f.size;
    }
    ui.progress = { label: 'Importing…', fraction: 0.5 };
    await enterProject(await client.call('project.import', { files: handles }));
    ui.progress = null;
  } catch (e) {
    fail(e);
    if (created) {
      await client.call('project.delete', { id: created }).catch(() => {});
      ui.project = null;
      await refreshInfo();
    } else {
      await refreshState().catch(() => {});
    }
  }
}

export async function deleteProject(id: string): Promise<void> {
  ui.error = null;
  try {
    const recent = await client.call('project.delete', { id });
    if (ui.info) ui.info.recent = recent;
    globalThis.localStorage?.removeItem(presetKey(id));
    if (ui.project?.id === id) { ui.project = null; clearVoxels(); }
  } catch (e) { fail(e); }
}

/** True when renamed (the form closes); false leaves the error on screen and the form open. */
export async function renameProject(id: string, name: string): Promise<boolean> {
  ui.error = null;
  try {
    const recent = await client.call('project.rename', { id, name });
    if (ui.info) ui.info.recent = recent;
    // the remembered 3D preset follows the project to its new name
    const kept = globalThis.localStorage?.getItem(presetKey(id));
    if (kept) { globalThis.localStorage?.setItem(presetKey(name.trim()), kept); globalThis.localStorage?.removeItem(presetKey(id)); }
    return true;
  } catch (e) { fail(e); return false; }
}

// ── labels ──────────────────────────────────────────────────────────────────────────────────

function applyChange(c: LabelChange): void {
  if (c.delta && vox.labels) vox.labels.applyDelta(decodeDelta(c.delta), c.direction);
  if (ui.project) ui.project.labels = c.labels;
  ui.labelVersion++;
  if (c.delta) { strokeSaved(c.labels.revision); scheduleSuggestions(); }
}

let editQueue: Promise<unknown> = Promise.resolve();

/** Edits go one after another, so the host sees them in the order the user made them. */
function queue(fn: () => Promise<void>): Promise<void> {
  const p = editQueue.then(fn, fn);
  editQueue = p.catch(() => {});
  return p;
}

export function edit(op: LabelOp): Promise<void> {
  return queue(async () => {
    const id = ui.project?.labels?.id;
    if (id === undefined) return;
    try { applyChange(await client.call('labels.edit', { labelId: id, op })); } catch (e) { fail(e); ui.labelVersion++; }
  });
}

export function undo(): Promise<void> {
  return queue(async () => {
    const id = ui.project?.labels?.id;
    if (id === undefined) return;
    try { applyChange(await client.call('labels.undo', { labelId: id })); } catch (e) { fail(e); }
  });
}

export function redo(): Promise<void> {
  return queue(async () => {
    const id = ui.project?.labels?.id;
    if (id === undefined) return;
    try { applyChange(await client.call('labels.redo', { labelId: id })); } catch (e) { fail(e); }
  });
}

export async function addClass(name: string): Promise<void> {
  const id = ui.project?.labels?.id;
  if (id === undefined) return;
  try {
    const meta = await client.call('labels.addClass', { labelId: id, name });
    ui.project!.labels = meta;
    ui.classValue = meta.classes.at(-1)!.value;
  } catch (e) { fail(e); }
}

export function copyToNextSlice(axis: Axis = 'z', direction: 1 | -1 = 1): Promise<void> {
  const i = ui.cursor[axis === 'z' ? 0 : axis === 'y' ? 1 : 2];
  const max = vox.shape[axis === 'z' ? 0 : axis === 'y' ? 1 : 2] - 1;
  if (i + direction < 0 || i + direction > max) return Promise.resolve();
  return edit({ kind: 'copy-slice', axis, index: i, direction }).then(() => {
    const c = [...ui.cursor] as [number, number, number];
    c[axis === 'z' ? 0 : axis === 'y' ? 1 : 2] += direction;
    ui.cursor = c;
  });
}

// ── training, models, export ────────────────────────────────────────────────────────────────

export async function startTraining(): Promise<void> {
  if (ui.mode === 'instances') return startInstanceTraining();
  const t = ui.train;
  t.loss = []; t.dice = []; t.message = ''; t.fraction = 0; t.phase = 'starting'; t.eta = null; t.kind = 'classes';
  try {
    t.running = true;
    const r = await client.call('train.start', {
      strategy: t.strategy, effort: t.effort, device: t.device, ...(t.pretrainedModelId !== null ? { pretrainedModelId: t.pretrainedModelId } : {}),
    });
    t.runId = r.runId;
  } catch (e) {
    t.running = false;
    t.phase = '';
    fail(e);
  }
}

export async function stopTraining(): Promise<void> {
  try { await client.call('train.stop', {}); } catch (e) { fail(e); }
}

export async function exportModel(modelId: number): Promise<void> {
  try { client.save(await client.call('models.exportOnnx', { modelId })); } catch (e) { fail(e); }
}

/** Sends a picked file to the host for `method` to take into the project. */
async function importPicked(method: 'models.importOnnx' | 'experiments.import', file: File): Promise<void> {
  try {
    const h = await client.sendFile(file);
    await client.call(method, { file: h });
    await refreshState();
  } catch (e) { fail(e); }
}

/** An ONNX model made by Lumen in another project (cross-domain transfer). */
export const importModel = (file: File): Promise<void> => importPicked('models.importOnnx', file);
/** A `lumen experiment` results JSON, for the Results panel. */
export const importExperiment = (file: File): Promise<void> => importPicked('experiments.import', file);


export async function exportVolume(what: 'labels' | 'prediction', format: ExportFormat): Promise<void> {
  try {
    ui.progress = { label: `Writing ${what}…`, fraction: null };
    client.save(await client.call('export.volume', { what, format }));
    ui.progress = null;
  } catch (e) { fail(e); }
}

export async function ping(): Promise<number> {
  const t0 = performance.now();
  await client.call('app.ping', { t: t0 });
  return performance.now() - t0;
}

// ── instance mode ───────────────────────────────────────────────────────────────────────────

function u32(bytes: Uint8Array): Uint32Array {
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return new Uint32Array(buf);
}

function takeInstances(d: InstanceData): void {
  vox.instances = u32(d.ids);
  vox.annotated = d.annotated ? d.annotated.slice() : new Uint8Array(vox.instances.length);
}

/** The drawn objects and the found ones, as the project holds them. */
async function loadInstances(): Promise<void> {
  if (!ui.project?.instances) { vox.instances = null; vox.annotated = null; vox.found = null; return; }
  try {
    takeInstances(await client.call('instances.read', {}));
    await loadFound(false);
    ui.instanceVersion++;
  } catch (e) { fail(e); }
}

async function loadFound(bump = true): Promise<void> {
  if (!ui.project?.instancePrediction) { vox.found = null; return; }
  try {
    vox.found = u32((await client.call('instances.readPrediction', {})).ids);
    if (bump) ui.instanceVersion++;
  } catch (e) { fail(e); }
}

function applyInstanceChange(c: InstanceChange): void {
  if (c.delta && vox.instances && vox.annotated) {
    const d = decodeInstanceDelta(c.delta);
    const data = d.plane === 'ids' ? vox.instances : vox.annotated;
    const to = c.direction === 'forward' ? d.after : d.before;
    for (let k = 0; k < d.offsets.length; k++) data[d.offsets[k]!] = to[k]!;
  }
  if (ui.project) ui.project.instances = c.instances;
  if (c.id !== null) ui.instanceId = c.id;
  ui.instanceVersion++;
}

/** Instance edits, undo and redo: one after another, in the order the user made them (shares the class edits' queue). */
function instanceCall(fn: () => Promise<InstanceChange>): Promise<void> {
  return queue(async () => {
    try { applyInstanceChange(await fn()); } catch (e) { fail(e); ui.instanceVersion++; }
  });
}

export const instanceEdit = (op: InstanceOp): Promise<void> => instanceCall(() => client.call('instances.edit', { op }));
export const instanceUndo = (): Promise<void> => instanceCall(() => client.call('instances.undo', {}));
export const instanceRedo = (): Promise<void> => instanceCall(() => client.call('instances.redo', {}));

/** Undo/redo of whatever the editor is editing now. */
export const undoAny = (): Promise<void> => (ui.mode === 'instances' ? instanceUndo() : undo());
export const redoAny = (): Promise<void> => (ui.mode === 'instances' ? instanceRedo() : redo());

/** An instance label image (one value per object) as the drawn objects. */
export async function importInstanceLabels(file: File): Promise<void> {
  ui.error = null;
  ui.progress = { label: `Reading ${file.name}`, fraction: 0 };
  try {
    const h = await client.sendFile(file, (sent, total) => { ui.progress = { label: `Reading ${file.name}`, fraction: 0.8 * (sent / Math.max(1, total)) }; });
    ui.progress = { label: `Importing ${file.name}…`, fraction: null };
    await instanceCall(() => client.call('instances.import', { file: h }));
  } catch (e) { fail(e); }
  ui.progress = null;
}

export async function startInstanceTraining(): Promise<void> {
  const t = ui.train;
  t.loss = []; t.dice = []; t.message = ''; t.fraction = 0; t.phase = 'starting'; t.eta = null; t.kind = 'instances';
  try {
    t.running = true;
    const start = t.instanceStart;
    const r = await client.call('instances.train', {
      effort: t.effort, device: t.device, ...(typeof start === 'number' ? { pretrainedModelId: start } : { start }),
    });
    t.runId = r.runId;
  } catch (e) {
    t.running = false;
    t.phase = '';
    fail(e);
  }
}

export async function exportInstances(what: 'drawn' | 'predicted', format: ExportFormat): Promise<void> {
  try {
    ui.progress = { label: 'Writing the objects…', fraction: null };
    client.save(await client.call('export.instances', { what, format }));
    ui.progress = null;
  } catch (e) { fail(e); }
}

export async function exportObjectTable(what: 'drawn' | 'predicted'): Promise<void> {
  try {
    ui.progress = { label: 'Measuring the objects…', fraction: null };
    client.save(await client.call('export.objects', { what }));
    ui.progress = null;
  } catch (e) { fail(e); }
}
