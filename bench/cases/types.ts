// What a few-label benchmark case is: files on disk that `lumen segment` and the anchor read,
// plus the in-memory truth the bench scores against (never handed to either of them).
import type { DType, Shape4 } from '../../src-shared/volume.ts';

export interface CaseFiles {
  image: string;
  /** 0 unlabeled, 1 background, 2… classes */
  sparse: string;
  /** for the anchor: binary as 0/255, multi-class as the class values 1…K */
  truth: string;
  /** the anchor's z_anisotropy argument (z spacing / in-plane spacing) */
  zAnisotropy: number;
}

export interface BuiltCase {
  files: CaseFiles;
  /** the anchor runs on these when it cannot read `files` (e.g. a depth-N RGB stack); `anchorKey` lets cases share its run */
  anchorFiles?: CaseFiles & { key: string };
  shape: Shape4;
  dtype: DType;
  /** how the labels were painted, e.g. "2 z-slices (5, 10)" */
  layout: string;
  /** ascending class values, background 1 included */
  classes: number[];
  /** the class value (1…K) of every voxel */
  truth: Uint8Array;
  /** the painted labels (the same as in files.sparse) */
  sparse: Uint8Array;
  /** where our Dice is computed besides "not labeled" (e.g. DRIVE's field of view); all when absent */
  scoreMask?: Uint8Array;
  notes?: string;
}

export interface CaseSpec {
  name: string;
  /** small enough for --quick */
  small: boolean;
  build(dir: string): Promise<BuiltCase>;
}

/** Array axes of a z, y, x volume. */
export type Axis = 0 | 1 | 2;
export const AXIS_NAME = ['z', 'y', 'x'] as const;
