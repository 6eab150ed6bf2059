// In-memory undo/redo over one SparseLabelVolume. Each entry is the delta of one user
// action; undo applies it backwards, redo forwards, so both are exact and cost only the
// voxels the action touched. The project store keeps the same deltas in its journal, which
// is how undo survives closing the project; this class is the app's and CLI's fast path.

import { deltaVoxelCount, isEmptyDelta, type LabelDelta } from './delta.ts';
import type { SparseLabelVolume } from './sparse-label-volume.ts';

export interface EditHistoryOptions {
  /** undo steps kept; the oldest are dropped beyond this (default 200) */
  limit?: number;
  /** changed voxels kept across all steps; bounds memory for huge edits (default 64 M) */
  maxVoxels?: number;
}

export class EditHistory {
  private readonly undoStack: LabelDelta[] = [];
  private readonly redoStack: LabelDelta[] = [];
  private readonly limit: number;
  private readonly maxVoxels: number;

  constructor(readonly labels: SparseLabelVolume, opts: EditHistoryOptions = {}) {
    this.limit = opts.limit ?? 200;
    this.maxVoxels = opts.maxVoxels ?? 64 * 1024 * 1024;
  }

  /** Apply a new edit and make it undoable. Empty edits are not recorded. Returns whether anything changed. */
  apply(delta: LabelDelta): boolean {
    if (isEmptyDelta(delta)) return false;
    this.labels.applyDelta(delta, 'forward');
    this.undoStack.push(delta);
    this.redoStack.length = 0;
    this.trim();
    return true;
  }

  /** Undo the last edit; returns its delta (already applied backwards) or undefined. */
  undo(): LabelDelta | undefined {
    const d = this.undoStack.pop();
    if (!d) return undefined;
    this.labels.applyDelta(d, 'backward');
    this.redoStack.push(d);
    return d;
  }

  /** Redo the last undone edit; returns its delta (already applied forwards) or undefined. */
  redo(): LabelDelta | undefined {
    const d = this.redoStack.pop();
    if (!d) return undefined;
    this.labels.applyDelta(d, 'forward');
    this.undoStack.push(d);
    return d;
  }

  get canUndo(): boolean { return this.undoStack.length > 0; }
  get canRedo(): boolean { return this.redoStack.length > 0; }
  get undoDepth(): number { return this.undoStack.length; }
  get redoDepth(): number { return this.redoStack.length; }

  clear(): void {
    this.undoStack.length = 0;
    this.redoStack.length = 0;
  }

  private trim(): void {
    let total = 0;
    for (const d of this.undoStack) total += deltaVoxelCount(d);
    while (this.undoStack.length > 1 && (this.undoStack.length > this.limit || total > this.maxVoxels)) {
      total -= deltaVoxelCount(this.undoStack.shift()!);
    }
  }
}
