// The project file: everything the app and CLI persist goes through ProjectStore.
export { ProjectStore, type OpenOptions } from './project-store.ts';
export { LabelSession } from './label-session.ts';
export { LUMEN_APPLICATION_ID, SCHEMA_VERSION, PROJECT_MAGIC, PROJECT_EXTENSION } from './format.ts';
export { checkProjectFile, checkHeader } from './preflight.ts';
export { MIGRATIONS, runMigrations, type Migration } from './schema.ts';
export { VolumeWriter } from './volume-writer.ts';
export type { AddVolumeOptions, VolumeHeader, VolumeInfo, VolumeRole, VolumeStorage, VolumeReference, ReferenceCheck } from './volume-table.ts';
export type { LabelClass, LabelInfo, CreateLabelsOptions, JournalEntry, CommittedEdit } from './label-table.ts';
export type { AddModelOptions, ModelInfo, StoredModel } from './model-table.ts';
export type { RunInfo, RunStatus, RunStep } from './run-table.ts';
export type { AddExperimentOptions, ExperimentInfo } from './experiment-table.ts';
export type { AddPredictionOptions, PredictionInfo, PredictionKind } from './prediction-table.ts';
export type { IntegrityReport } from './integrity.ts';
export type { InstanceLayerInfo, InstanceLayerKind, CreateInstanceLayerOptions, CommittedInstanceEdit } from './instance-table.ts';
