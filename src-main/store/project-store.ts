// One Lumen project = one .lumen SQLite file. This class is the only door to it: services
// in the app and commands in the CLI call these methods and never write SQL.
//
// Guarantees:
// - create() refuses to overwrite; open() refuses foreign, newer and damaged files with a
//   LumenError and without changing a byte of them (see preflight.ts).
// - WAL mode + synchronous=FULL + one transaction per user action: after a crash, kill -9
//   or power loss, the file holds exactly the last committed action.
// - foreign keys are enforced, so no slab, chunk or prediction outlives what it belongs to.

import Database from 'better-sqlite3';
import { existsSync, linkSync, renameSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { LumenError } from '../../src-shared/errors.ts';
import type { InstanceDelta, InstanceLayer, LabelDelta, SparseLabelVolume } from '../../src-shared/labels/index.ts';
import type { Volume } from '../../src-shared/volume.ts';
import { SCHEMA_VERSION } from './format.ts';
import {
  commitEdit, getLabelInfo, insertLabels, journalDelta, journalEntries, listLabelInfos, loadLabelVolume, setClasses,
  stepJournal, trimJournal,
  type CommittedEdit, type CreateLabelsOptions, type JournalEntry, type LabelClass, type LabelInfo,
} from './label-table.ts';
import { getExperimentInfo, insertExperiment, listExperimentInfos, type AddExperimentOptions, type ExperimentInfo } from './experiment-table.ts';
import { assertModel, getModel, insertModel, listModelInfos, type AddModelOptions, type ModelInfo, type StoredModel } from './model-table.ts';
import {
  getPredictionInfo, insertPrediction, listPredictionInfos, readPredictionVolume,
  type AddPredictionOptions, type PredictionInfo,
} from './prediction-table.ts';
import { checkProjectFile } from './preflight.ts';
import { checkIntegrity, type IntegrityReport } from './integrity.ts';
import {
  completeRun, getRunInfo, insertRun, insertRunSteps, listRunInfos, readRunSteps,
  type RunInfo, type RunStatus, type RunStep,
} from './run-table.ts';
import { runMigrations, schemaVersionOf } from './schema.ts';
import { Sql } from './sql.ts';
import {
  checkVolumeReference, getVolumeInfo, insertVolume, listVolumeInfos, readVolumeRange, volumeRow,
  type AddVolumeOptions, type ReferenceCheck, type VolumeHeader, type VolumeInfo, type VolumeRole,
} from './volume-table.ts';
import { VolumeWriter } from './volume-writer.ts';
import {
  commitInstanceEdit, getInstanceLayerInfo, insertInstanceLayer, listInstanceLayerInfos, loadInstanceLayer, stepInstanceJournal,
  type CommittedInstanceEdit, type CreateInstanceLayerOptions, type InstanceLayerInfo,
} from './instance-table.ts';

export interface OpenOptions {
  /** open without write access: no migrations, every mutating call fails */
  readonly?: boolean;
}

function configure(db: Database.Database, readonly: boolean): void {
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
}

/**
 * Move the finished temp file to `path` unless something appeared there meanwhile: link()
 * fails on an existing name, atomically. Filesystems without hard links (FAT, exFAT on USB
 * drives) fall back to check-then-rename.
 */
function publishWithoutOverwrite(temp: string, path: string): void {
  const exists = (): LumenError => new LumenError('bad-input', `${basename(path)} already exists; choose another name or open it`);
  try {
    linkSync(temp, path);
    rmSync(temp);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
  }
  if (existsSync(path)) throw exists();
  renameSync(temp, path);
}

/** Passed the checks but cannot be opened for writing: say why in the user's terms. */
function openFailure(path: string, e: unknown): LumenError {
  if (e instanceof LumenError) return e;
  const code = (e as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return new LumenError('bad-input', `${basename(path)} cannot be written here (read-only file or folder?); open it read-only instead`, { cause: e });
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new LumenError('bad-input', `${basename(path)} is busy in another program; close it there and try again`, { cause: e });
  }
  return new LumenError('damaged', `${basename(path)} cannot be opened: ${(e as Error).message}`, { cause: e });
}

export class ProjectStore {
  private readonly sql: Sql;
  private closed = false;
  private importing: VolumeWriter | null = null;

  private constructor(readonly path: string, private readonly db: Database.Database, readonly readonly: boolean) {
    this.sql = new Sql(db);
  }

  /**
   * Make a new, empty project at `path`; refuses to touch an existing file. The schema is
   * built in a temporary file beside it and renamed into place, so `path` only ever
   * appears as a complete project (a crash mid-create leaves no half-made .lumen).
   */
  static create(path: string): ProjectStore {
    if (existsSync(path)) throw new LumenError('bad-input', `${basename(path)} already exists; choose another name or open it`);
    const temp = `${path}.creating-${process.pid}`;
    try {
      const db = new Database(temp);
      try {
        configure(db, false);
        runMigrations(db); // schema, application_id and user_version in one transaction
      } finally {
        db.close(); // checkpoints and removes the temporary -wal/-shm
      }
      publishWithoutOverwrite(temp, path);
    } catch (e) {
      for (const p of [temp, `${temp}-wal`, `${temp}-shm`]) rmSync(p, { force: true });
      if (e instanceof LumenError) throw e;
      throw new LumenError('bad-input', `cannot create ${basename(path)}: ${(e as Error).message}`, { cause: e });
    }
    return ProjectStore.open(path);
  }

  /** Open an existing project, checking it first (header, quick_check, meta). */
  static open(path: string, opts: OpenOptions = {}): ProjectStore {
    checkProjectFile(path);
    const readonly = opts.readonly ?? false;
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly, fileMustExist: true });
      configure(db, readonly);
      if (!readonly && schemaVersionOf(db) < SCHEMA_VERSION) runMigrations(db);
    } catch (e) {
      db?.close();
      throw openFailure(path, e);
    }
    return new ProjectStore(path, db, readonly);
  }

  close(): void {
    if (this.closed) return;
    this.importing?.abort();
    this.closed = true;
    this.db.close();
  }

  get schemaVersion(): number {
    return schemaVersionOf(this.db);
  }

  /** PRAGMA quick_check: ['ok'] for a healthy file. */
  quickCheck(): string[] {
    return (this.db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
  }

  /** Read everything and verify every checksum (slow: reads the whole file). */
  checkIntegrity(): IntegrityReport {
    return this.read(() => checkIntegrity(this.sql));
  }

  private assertWritable(): void {
    if (this.closed) throw new LumenError('bad-input', 'the project is closed');
    if (this.readonly) throw new LumenError('bad-input', `${basename(this.path)} is open read-only`);
    if (this.importing) throw new LumenError('bad-input', 'a volume import is in progress; commit or abort it first');
  }

  private write<T>(fn: () => T): T {
    this.assertWritable();
    return this.sql.tx(fn);
  }

  private read<T>(fn: () => T): T {
    if (this.closed) throw new LumenError('bad-input', 'the project is closed');
    return fn();
  }

  // ── volumes ────────────────────────────────────────────────────────────────────────

  addVolume(vol: Volume, opts: AddVolumeOptions): number {
    return this.write(() => insertVolume(this.sql, vol, opts));
  }

  /**
   * Import a volume slice by slice (e.g. while an async reader decodes TIFF pages), in one
   * transaction that commit() ends. Until then other writes are refused.
   */
  beginVolume(header: VolumeHeader, opts: { name: string; role?: VolumeRole }): VolumeWriter {
    this.assertWritable();
    const w = new VolumeWriter(this.sql, header, opts, () => { this.importing = null; });
    this.importing = w;
    return w;
  }

  listVolumes(role?: VolumeRole): VolumeInfo[] {
    return this.read(() => listVolumeInfos(this.sql, role));
  }

  volumeInfo(id: number): VolumeInfo {
    return this.read(() => getVolumeInfo(this.sql, id));
  }

  /** The whole embedded volume. Referenced volumes throw 'unsupported': read their file. */
  readVolume(id: number): Volume {
    return this.read(() => readVolumeRange(this.sql, id));
  }

  /** z-slices [z0, z1) only, for streaming large volumes slab by slab. */
  readVolumeSlices(id: number, z0: number, z1: number): Volume {
    return this.read(() => readVolumeRange(this.sql, id, z0, z1));
  }

  /** For a referenced volume: is its file still there with the same SHA-256? */
  checkReference(id: number): ReferenceCheck {
    return this.read(() => checkVolumeReference(this.sql, id));
  }

  renameVolume(id: number, name: string): void {
    this.write(() => { volumeRow(this.sql, id); this.sql.run('UPDATE volumes SET name = ? WHERE id = ?', name, id); });
  }

  /** Deletes the volume, its slabs and predictions made from it; labels on it are kept, unlinked. */
  deleteVolume(id: number): void {
    this.write(() => {
      volumeRow(this.sql, id);
      // predictions made *from* this volume also own an output volume: remove those too
      const outs = this.sql.all<{ output_volume_id: number }>('SELECT output_volume_id FROM predictions WHERE source_volume_id = ?', id);
      for (const o of outs) this.sql.run('DELETE FROM volumes WHERE id = ?', o.output_volume_id);
      this.sql.run('DELETE FROM volumes WHERE id = ?', id);
    });
  }

  // ── labels ─────────────────────────────────────────────────────────────────────────

  createLabels(opts: CreateLabelsOptions): number {
    return this.write(() => insertLabels(this.sql, opts));
  }

  listLabels(): LabelInfo[] {
    return this.read(() => listLabelInfos(this.sql));
  }

  labelInfo(id: number): LabelInfo {
    return this.read(() => getLabelInfo(this.sql, id));
  }

  setLabelClasses(id: number, classes: LabelClass[]): void {
    this.write(() => setClasses(this.sql, id, classes));
  }

  /** The committed label state as a SparseLabelVolume. */
  loadLabels(id: number): SparseLabelVolume {
    return this.read(() => loadLabelVolume(this.sql, id));
  }

  /**
   * Commit one edit: rewrite the touched chunks, drop the redo branch and append the delta
   * to the journal, all in one transaction. Returns null for an empty delta (nothing saved).
   */
  saveLabelEdit(labelId: number, delta: LabelDelta, note?: string): CommittedEdit | null {
    return this.write(() => commitEdit(this.sql, labelId, delta, note));
  }

  /** Undo the newest edit in the stored labels; the returned delta should be applied 'backward' in memory. */
  undoLabelEdit(labelId: number): CommittedEdit | null {
    return this.write(() => stepJournal(this.sql, labelId, 'backward'));
  }

  /** Redo the oldest undone edit; the returned delta should be applied 'forward' in memory. */
  redoLabelEdit(labelId: number): CommittedEdit | null {
    return this.write(() => stepJournal(this.sql, labelId, 'forward'));
  }

  labelJournal(labelId: number): JournalEntry[] {
    return this.read(() => journalEntries(this.sql, labelId));
  }

  journalDelta(seq: number): LabelDelta {
    return this.read(() => journalDelta(this.sql, seq));
  }

  /** Keep only the newest `keep` undo steps; returns how many were dropped. */
  trimLabelJournal(labelId: number, keep: number): number {
    return this.write(() => trimJournal(this.sql, labelId, keep));
  }

  deleteLabels(id: number): void {
    this.write(() => { getLabelInfo(this.sql, id); this.sql.run('DELETE FROM label_volumes WHERE id = ?', id); });
  }

  // ── instance layers ────────────────────────────────────────────────────────────────

  /** A layer of objects (one id each) on a volume: 'drawn' (edited, journaled) or 'predicted' (a model's, written once). */
  createInstanceLayer(opts: CreateInstanceLayerOptions): number {
    return this.write(() => insertInstanceLayer(this.sql, opts));
  }

  listInstanceLayers(): InstanceLayerInfo[] {
    return this.read(() => listInstanceLayerInfos(this.sql));
  }

  instanceLayerInfo(id: number): InstanceLayerInfo {
    return this.read(() => getInstanceLayerInfo(this.sql, id));
  }

  /** The committed ids and fully-annotated regions. */
  loadInstanceLayer(id: number): InstanceLayer {
    return this.read(() => loadInstanceLayer(this.sql, id));
  }

  /** Commit one edit of a drawn layer (chunks + journal, one transaction). Null for an empty delta. */
  saveInstanceEdit(layerId: number, delta: InstanceDelta, note?: string): CommittedInstanceEdit | null {
    return this.write(() => commitInstanceEdit(this.sql, layerId, delta, note));
  }

  undoInstanceEdit(layerId: number): CommittedInstanceEdit | null {
    return this.write(() => stepInstanceJournal(this.sql, layerId, 'backward'));
  }

  redoInstanceEdit(layerId: number): CommittedInstanceEdit | null {
    return this.write(() => stepInstanceJournal(this.sql, layerId, 'forward'));
  }

  deleteInstanceLayer(id: number): void {
    this.write(() => { getInstanceLayerInfo(this.sql, id); this.sql.run('DELETE FROM instance_layers WHERE id = ?', id); });
  }

  // ── models ─────────────────────────────────────────────────────────────────────────

  addModel(opts: AddModelOptions): number {
    return this.write(() => insertModel(this.sql, opts));
  }

  listModels(): ModelInfo[] {
    return this.read(() => listModelInfos(this.sql));
  }

  getModel(id: number): StoredModel {
    return this.read(() => getModel(this.sql, id));
  }

  /** Runs and predictions made with it are kept, their model link cleared. */
  deleteModel(id: number): void {
    this.write(() => { assertModel(this.sql, id); this.sql.run('DELETE FROM models WHERE id = ?', id); });
  }

  // ── training runs ──────────────────────────────────────────────────────────────────

  startRun(opts: { config: unknown; modelId?: number }): number {
    return this.write(() => insertRun(this.sql, opts));
  }

  /** Steps are committed together; call every few steps, not per voxel batch. */
  appendRunSteps(runId: number, steps: readonly RunStep[]): void {
    this.write(() => insertRunSteps(this.sql, runId, steps));
  }

  finishRun(runId: number, opts: { status: Exclude<RunStatus, 'running'>; metrics?: unknown; modelId?: number }): void {
    this.write(() => completeRun(this.sql, runId, opts));
  }

  getRun(id: number): RunInfo {
    return this.read(() => getRunInfo(this.sql, id));
  }

  addExperiment(opts: AddExperimentOptions): number {
    return this.write(() => insertExperiment(this.sql, opts));
  }

  listExperiments(): ExperimentInfo[] {
    return this.read(() => listExperimentInfos(this.sql));
  }

  getExperiment(id: number): ExperimentInfo {
    return this.read(() => getExperimentInfo(this.sql, id));
  }

  listRuns(): RunInfo[] {
    return this.read(() => listRunInfos(this.sql));
  }

  runSteps(runId: number): RunStep[] {
    return this.read(() => readRunSteps(this.sql, runId));
  }

  // ── predictions ────────────────────────────────────────────────────────────────────

  addPrediction(opts: AddPredictionOptions): PredictionInfo {
    return this.write(() => insertPrediction(this.sql, opts));
  }

  listPredictions(): PredictionInfo[] {
    return this.read(() => listPredictionInfos(this.sql));
  }

  predictionInfo(id: number): PredictionInfo {
    return this.read(() => getPredictionInfo(this.sql, id));
  }

  /** Deletes the prediction and its voxels. */
  deletePrediction(id: number): void {
    this.write(() => { this.sql.run('DELETE FROM volumes WHERE id = ?', getPredictionInfo(this.sql, id).volumeId); });
  }

  readPrediction(id: number, z0?: number, z1?: number): Volume {
    return this.read(() => readPredictionVolume(this.sql, id, z0, z1));
  }
}
