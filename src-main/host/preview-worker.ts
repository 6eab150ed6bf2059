// The live-preview worker thread: holds the image (z-scored, planar) and the features of the planes
// on screen (classic/live-preview.ts), and answers each update with the views' labels as a forest
// retrained on the labels it was sent would draw them. One update at a time; the host keeps only
// the newest request waiting, so a fast painter never queues stale work.
//   in:  { type: 'update', seq, labels (dense, transferred), cursor } | { type: 'close' }
//   out: { type: 'ready' } | { type: 'result', seq, result } | { type: 'refused', seq, message } | { type: 'error', message }
import { parentPort, workerData } from 'node:worker_threads';
import { ProjectStore } from '../store/index.ts';
import { createRuntime } from '../runtime.ts';
import { LivePreview } from '../../src-shared/classic/live-preview.ts';
import { isImageSeries } from '../../src-shared/train/image-series.ts';
import { volumeToPlanar } from '../../src-shared/train/volume-convert.ts';
import { zscore } from '../../src-shared/train/normalize.ts';
import { isLumenError } from '../../src-shared/errors.ts';

export interface PreviewJob { project: string; volumeId: number; threads?: number }

type Message = { type: 'update'; seq: number; labels: Uint8Array; cursor: [number, number, number] } | { type: 'close' };

const port = parentPort!;
const job = workerData.job as PreviewJob;

function load(): LivePreview {
  const store = ProjectStore.open(job.project, { readonly: true });
  try {
    const volume = store.readVolume(job.volumeId);
    const [d, h, w, c] = volume.shape;
    const planes = { shape: [d, h, w] as [number, number, number], channels: c, image: volumeToPlanar(volume, zscore) };
    // the pixel classifier's own rule for stacks of separate photographs: filter them one by one
    const planar = d > 1 && isImageSeries(planes);
    const runtime = createRuntime({ device: 'cpu', threads: job.threads, background: true }); // painting comes first
    return new LivePreview(runtime.factory, planes, { spacing: volume.geometry.spacing, planar });
  } finally {
    store.close();
  }
}

function serve(preview: LivePreview): void {
  let queue = Promise.resolve();
  port.on('message', (m: Message) => {
    queue = queue.then(() => answer(preview, m));
  });
  port.postMessage({ type: 'ready' });
}

async function answer(preview: LivePreview, m: Message): Promise<void> {
  if (m.type === 'close') { await preview.release(); port.close(); return; }
  try {
    const result = await preview.update(m.labels, m.cursor);
    port.postMessage({ type: 'result', seq: m.seq, result });
  } catch (e) {
    // labels that cannot teach anything yet (no background, one class) are the user's next step, not a failure
    if (isLumenError(e) && e.code === 'bad-input') port.postMessage({ type: 'refused', seq: m.seq, message: e.message });
    else port.postMessage({ type: 'error', message: (e as Error).message ?? String(e) });
  }
}

try {
  serve(load());
} catch (e) {
  port.postMessage({ type: 'error', message: (e as Error).message ?? String(e) });
  port.close();
}
