// Sparse labels and the edits on them, shared by the app, the CLI and the project store.
export { UNLABELED, BACKGROUND, FIRST_CLASS, MAX_LABEL } from './classes.ts';
export { CHUNK, ChunkGrid, type Shape3 } from './chunk-grid.ts';
export { SparseLabelVolume, type LabelChunk } from './sparse-label-volume.ts';
export {
  type ChunkChange, type LabelDelta, type Direction,
  emptyDelta, deltaVoxelCount, isEmptyDelta, invertDelta, applyChunkChange, checkChunkChange, writeChunkChange, mergeDeltas,
} from './delta.ts';
export { DeltaBuilder } from './delta-builder.ts';
export { encodeDelta, decodeDelta } from './delta-codec.ts';
export { type Axis, planeDims, planeToVolume } from './plane.ts';
export { type ImageLike } from './image-like.ts';
export { paintDisk, eraseDisk, paintStroke, forEachStrokeVoxel, paintBall, eraseBall, type DiskOptions, type StrokeOptions, type BallOptions } from './brush.ts';
export { floodFill, forEachFloodVoxel, type FloodFillOptions, type FloodWalkOptions } from './flood-fill.ts';
export { fillSlice, copySlice, copySliceToNeighbour, type FillSliceOptions, type CopySliceOptions } from './slice-ops.ts';
export { importMask, type ImportMaskOptions } from './import-mask.ts';
export { EditHistory, type EditHistoryOptions } from './history.ts';
// Instance layers (one id per object, for StarDist-style training) and their edits.
export { InstanceLayer, MAX_INSTANCE_ID, checkInstanceValue, type InstanceDelta, type InstancePlane, type InstanceDirection } from './instance-layer.ts';
export { InstanceDeltaBuilder, isEmptyInstanceDelta, invertInstanceDelta } from './instance-delta.ts';
export { encodeInstanceDelta, decodeInstanceDelta } from './instance-delta-codec.ts';
export { objectIds, countObjects, maxObjectId, nextInstanceId, narrowInstanceIds } from './instance-ids.ts';
export { paintInstanceStroke, eraseInstanceStroke, type InstanceStrokeOptions } from './instance-paint.ts';
export { fillInstance } from './instance-fill.ts';
export { mergeInstances } from './instance-merge.ts';
export { deleteInstance } from './instance-delete.ts';
export { markAnnotatedBox, clearAnnotated, annotatedMask } from './annotated-region.ts';
export { replaceInstanceIds } from './instance-import.ts';
