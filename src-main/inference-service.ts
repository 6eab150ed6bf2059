// Runs inference jobs in worker threads: the caller (Electron main process, CLI) gets progress
// events and can cancel. Cancel sets a flag the worker checks between patch batches and between
// post-processing slices; the worker then aborts its writer (no partial file) and the promise
// rejects with LumenError('cancelled'). If the worker has not stopped within `hardStopMs` (a very
// long network run), it is terminated and its partial output removed from here.
import { Worker } from 'node:worker_threads';
import { readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LumenError, type LumenErrorCode } from '../src-shared/errors.ts';
import type { InferProgress } from '../src-shared/infer/cancel.ts';
import type { InferenceJob, InferenceJobResult } from './workers/inference-job.ts';

export type { InferenceJob, InferenceJobResult, JobInput, JobOutput } from './workers/inference-job.ts';

export interface InferenceHandle {
  /** resolves with the result; rejects with LumenError('cancelled') after cancel() */
  readonly result: Promise<InferenceJobResult>;
  cancel(): void;
}

export interface InferenceHooks {
  onProgress?: (p: InferProgress) => void;
  onLog?: (line: string) => void;
  /** terminate the worker if it has not stopped this long after cancel() (default 3000 ms) */
  hardStopMs?: number;
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
  let hardStop: ReturnType<typeof setTimeout> | undefined;
  const result = new Promise<InferenceJobResult>((resolve, reject) => {
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (hardStop) clearTimeout(hardStop);
      fn();
    };
    worker.on('message', (m: { type: string; progress?: InferProgress; line?: string; result?: InferenceJobResult; code?: LumenErrorCode; message?: string; stack?: string }) => {
      if (m.type === 'progress') hooks.onProgress?.(m.progress!);
      else if (m.type === 'log') hooks.onLog?.(m.line!);
      else if (m.type === 'done') finish(() => resolve(m.result!));
      else if (m.type === 'error') {
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
        if (job.output.kind === 'file') removePartials(job.output.path);
        reject(new LumenError('cancelled', 'inference was cancelled'));
      } else reject(new Error(`the inference worker stopped unexpectedly (exit code ${code})`));
    }));
  });
  return {
    result,
    cancel() {
      if (cancelled || settled) return;
      cancelled = true;
      worker.postMessage({ type: 'cancel' });
      hardStop = setTimeout(() => { void worker.terminate(); }, hooks.hardStopMs ?? 3000);
      hardStop.unref?.();
    },
  };
}

/** Convenience: run a job to completion. */
export function runInference(job: InferenceJob, hooks: InferenceHooks = {}): Promise<InferenceJobResult> {
  return startInference(job, hooks).result;
}
