// Every few-label benchmark case, in the order they run (small ones first, so --quick is a prefix in spirit).
import type { CaseSpec } from './types.ts';
import { VESSELNN_CASES } from './vesselnn.ts';
import { DRIVE_CASES } from './drive.ts';
import { MRI_CASES } from './mri.ts';

export const ALL_CASES: CaseSpec[] = [...VESSELNN_CASES, ...DRIVE_CASES, ...MRI_CASES];
export type { BuiltCase, CaseSpec } from './types.ts';
