// The labels a user is editing: the in-memory SparseLabelVolume the ops read and the
// viewer draws, kept equal to the committed state in the project. Every change is
// committed first and applied in memory only once the commit returned, so a failed save
// (disk full, a mismatching delta) can never leave the screen showing labels the file
// does not have. Undo/redo come from the project's journal, so they survive reopening.

import type { LabelDelta, SparseLabelVolume } from '../../src-shared/labels/index.ts';
import type { CommittedEdit, LabelInfo } from './label-table.ts';
import type { ProjectStore } from './project-store.ts';

export class LabelSession {
  readonly labels: SparseLabelVolume;

  constructor(private readonly store: ProjectStore, readonly labelId: number) {
    this.labels = store.loadLabels(labelId);
  }

  /** Commit an edit made against `labels`, then show it. Null when it changed nothing. */
  apply(delta: LabelDelta, note?: string): CommittedEdit | null {
    const c = this.store.saveLabelEdit(this.labelId, delta, note);
    if (c) this.labels.applyDelta(delta, 'forward');
    return c;
  }

  undo(): CommittedEdit | null {
    const c = this.store.undoLabelEdit(this.labelId);
    if (c) this.labels.applyDelta(c.delta, 'backward');
    return c;
  }

  redo(): CommittedEdit | null {
    const c = this.store.redoLabelEdit(this.labelId);
    if (c) this.labels.applyDelta(c.delta, 'forward');
    return c;
  }

  /** revision, canUndo, canRedo, classes... as committed */
  info(): LabelInfo {
    return this.store.labelInfo(this.labelId);
  }
}
