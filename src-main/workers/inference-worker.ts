// The inference worker thread: runs one InferenceJob (workerData.job) and talks to
// inference-service.ts by messages, so the UI's thread never blocks on a patch.
//   in:  { type: 'cancel' }
//   out: { type: 'progress', progress } | { type: 'log', line } | { type: 'done', result } | { type: 'error', code?, message }
import { parentPort, workerData } from 'node:worker_threads';
import { runInferenceJob, type InferenceJob } from './inference-job.ts';
import { isLumenError } from '../../src-shared/errors.ts';

const port = parentPort!;
const signal = { cancelled: false };
port.on('message', (m: { type: string }) => { if (m.type === 'cancel') signal.cancelled = true; });

try {
  const result = await runInferenceJob(workerData.job as InferenceJob, {
    signal,
    onProgress: (progress) => port.postMessage({ type: 'progress', progress }),
    log: (line) => port.postMessage({ type: 'log', line }),
  });
  port.postMessage({ type: 'done', result });
} catch (e) {
  port.postMessage({ type: 'error', code: isLumenError(e) ? e.code : undefined, message: (e as Error).message ?? String(e), stack: (e as Error).stack });
} finally {
  port.close();
}
