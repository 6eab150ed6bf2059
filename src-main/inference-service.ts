// Runs inference jobs in worker threads: the caller (Electron main process, CLI) gets progress
// events and can cancel. Cancel sets a flag the worker checks between patch batches and between
// post-processing slices; the worker then aborts its writer (no partial file) and the promise
// rejects with LumenError('cancelled').
// ONNX Runtime's node binding runs a session synchronously on the worker's thread, so the worker
// can only notice the flag between network runs. When a run is longer than `settleMs` (big
// patches), the promise is rejected after `settleMs` anyway: partial files of a file output are
// removed from here, the worker finishes its current run in the background, sees the flag and
// exits without writing more; should it have been past its last check and completed the output,
// that output is deleted as soon as it reports, so a cancelled job never leaves a file.
import { Worker } from 'node:worker_threads';
import { readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LumenError, type LumenErrorCode } from '../src-shared/errors.ts';
import type { InferProgress } from '../src-shared/infer/cancel.ts';
import type { InferenceJob, InferenceJobResult } from './workers/inference-job.ts';
import { ProjectStore } from './store/index.ts';

export type { InferenceJob, InferenceJobResult, JobInput, JobOutput } from './workers/inference-job.ts';

export interface InferenceHandle {
  /** resolves with the result; rejects with LumenError('cancelled') after cancel() */
  readonly result: Promise<InferenceJobResult>;
  cancel(): void;
}

export interface InferenceHooks {
  onProgress?: (p: InferProgress) => void;
  onLog?: (line: string) => void;
  /** reject this long after cancel() even if the worker is still inside a network run (default 800 ms) */
  settleMs?: number;
}

const BOOT = new URL('./workers/boot.mjs', import.meta.url);
const ENTRY = new URL('./workers/inference-worker.ts', import.meta.url).href;

/** Removes "<name>.lumen-partial-*" siblings of an output path (after a hard stop). */
function removePartials(path: string): void {
  const dir = dirname(path);
  const m = /(\.nii\.gz|\.[^./\\]+)$/i.exec(path);
  const stem = basename(path).slice(0, basename(path).length - (m ? m[1]!.length : 0));
  try {
    for (const f of readdirSync(dir)) if (f.startsWith(`${stem}.lumen-partial-`)) try { unlinkSync(join(dir, f)); } catch { /* gone */ }
  } catch { /* folder gone */ }
}

export function startInference(job: InferenceJob, hooks: InferenceHooks = {}): InferenceHandle {
  const worker = new Worker(BOOT, { workerData: { entry: ENTRY, job } });
  let cancelled = false;
  let settled = false;
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  let settleEarly: (() => void) | undefined;
  const cancelledError = () => new LumenError('cancelled', 'inference was cancelled');
  // the files the job writes: the output and, where asked for, the uncertainty map beside it
  const outFiles = [job.output.kind === 'file' ? job.output.path : undefined, job.uncertaintyOutput?.path].filter((p): p is string => p !== undefined);
  /** a job that completed although it was cancelled: remove what it wrote */
  const undo = (r: InferenceJobResult) => {
    for (const path of outFiles) { try { unlinkSync(path); } catch { /* gone */ } }
    if (job.output.kind === 'store' && r.volumeId !== undefined) {
      const store = ProjectStore.open(job.output.project);
      try { store.deleteVolume(r.volumeId); } finally { store.close(); }
    }
  };
  const result = new Promise<InferenceJobResult>((resolve, reject) => {
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (settleTimer) clearTimeout(settleTimer);
      fn();
    };
    worker.on('message', (m: { type: string; progress?: InferProgress; line?: string; result?: InferenceJobResult; code?: LumenErrorCode; message?: string; stack?: string }) => {
      if (m.type === 'progress') { if (!cancelled) hooks.onProgress?.(m.progress!); }
      else if (m.type === 'log') hooks.onLog?.(m.line!);
      else if (m.type === 'done') {
        if (cancelled) { undo(m.result!); finish(() => reject(cancelledError())); }
        else finish(() => resolve(m.result!));
      } else if (m.type === 'error') {
        finish(() => {
          const err = m.code ? new LumenError(m.code, m.message!) : new Error(m.message);
          if (m.stack && !m.code) err.stack = m.stack;
          reject(err);
        });
      }
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => {
      if (cancelled) {
        for (const path of outFiles) removePartials(path);
        reject(cancelledError());
      } else reject(new Error(`the inference worker stopped unexpectedly (exit code ${code})`));
    }));
    settleEarly = () => finish(() => {
      for (const path of outFiles) removePartials(path);
      reject(cancelledError());
    });
  });
  return {
    result,
    cancel() {
      if (cancelled || settled) return;
      cancelled = true;
      worker.postMessage({ type: 'cancel' });
      settleTimer = setTimeout(() => settleEarly?.(), hooks.settleMs ?? 800);
    },
  };
}

/** Convenience: run a job to completion. */
export function runInference(job: InferenceJob, hooks: InferenceHooks = {}): Promise<InferenceJobResult> {
  return startInference(job, hooks).result;
}
