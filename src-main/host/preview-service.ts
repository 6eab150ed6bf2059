// The live preview on the host side: one worker per open image (preview-worker.ts), fed the labels
// as they are after each stroke. Requests coalesce: while the worker computes, only the newest one
// waits, and a request for what was just shown (same labels, same planes) is answered at once by
// nothing. The worker is never terminated while ONNX Runtime may run in it (that aborts the
// process, see lumen-host stopTraining); it is asked to close and exits after its current update.
import { Worker } from 'node:worker_threads';
import type { HostEvent, PreviewPlaneData, PreviewUpdate } from '../../src-shared/api.ts';
import type { PreviewResult } from '../../src-shared/classic/live-preview.ts';
import type { PreviewJob } from './preview-worker.ts';

const BOOT = new URL('../workers/boot.mjs', import.meta.url);
const ENTRY = new URL('./preview-worker.ts', import.meta.url).href;
const AXES = ['z', 'y', 'x'] as const;
const NOTHING_PAINTED = 'paint some background and a class to see a preview';

export interface PreviewDeps {
  /** the open project's file and image, or null when there is none */
  target(): { project: string; volumeId: number } | null;
  /** the labels as they are now (dense) and their revision; null when nothing was painted */
  labels(): { dense: Uint8Array; revision: number } | null;
  /** some voxel is painted (before that, the worker only loads the image) */
  painted(): boolean;
  /** a deep training owns the cores: the preview waits (and says so) */
  trainingBusy(): boolean;
  emit(e: HostEvent): void;
  threads?: number;
}

interface Running {
  worker: Worker;
  /** project file # image id */
  key: string;
  seq: number;
  /** loading the image, or computing an update */
  busy: boolean;
  /** the newest cursor asked for while busy */
  pending: [number, number, number] | null;
  /** labels revision @ cursor of the update last sent: asking for it again changes nothing */
  shown: string;
  /** when the update in flight was asked for, and on which labels revision */
  asked: number;
  revision: number;
}

export class PreviewService {
  private current: Running | null = null;

  constructor(private readonly deps: PreviewDeps) {}

  request(cursor: [number, number, number]): void {
    const target = this.deps.target();
    if (!target) return;
    // the worker loads the image (seconds on a big stack) while the user looks for where to paint,
    // so the first stroke waits only for its own update
    const key = `${target.project}#${target.volumeId}`;
    if (this.current?.key !== key) { this.close(); this.current = this.start(target, key); }
    if (!this.deps.painted()) { this.deps.emit({ type: 'preview.result', preview: { planes: [], message: NOTHING_PAINTED, labelsRevision: -1, seconds: null } }); return; }
    this.current.pending = cursor;
    if (!this.current.busy) this.next(this.current);
  }

  /** The image or project changed: the worker goes (after its current update) and its answers are ignored. */
  close(): void {
    const r = this.current;
    this.current = null;
    if (r) r.worker.postMessage({ type: 'close' });
  }

  private start(target: { project: string; volumeId: number }, key: string): Running {
    const job: PreviewJob = { project: target.project, volumeId: target.volumeId, ...(this.deps.threads ? { threads: this.deps.threads } : {}) };
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY, job } });
    const r: Running = { worker, key, seq: 0, busy: true, pending: null, shown: '', asked: 0, revision: -1 }; // busy until the image is loaded
    worker.on('message', (m: { type: string; seq?: number; result?: PreviewResult | null; message?: string }) => {
      if (this.current !== r) return;
      if (m.type === 'ready') { r.busy = false; this.next(r); return; }
      r.busy = false;
      if (m.type === 'result' && m.result) this.publish(r, { planes: m.result.planes.map(toPlaneData), message: null });
      else if (m.type === 'refused') this.publish(r, { planes: [], message: m.message! });
      else if (m.type === 'error') { this.publish(r, { planes: [], message: `the preview failed: ${m.message}` }); this.close(); return; }
      this.next(r);
    });
    worker.on('error', (e) => { if (this.current === r) { this.publish(r, { planes: [], message: `the preview failed: ${e.message}` }); this.current = null; } });
    return r;
  }

  private next(r: Running): void {
    const cursor = r.pending;
    if (!cursor || r.busy) return;
    r.pending = null;
    if (this.deps.trainingBusy()) { this.publish(r, { planes: [], message: 'the preview waits while a model trains' }, false); return; }
    const labels = this.deps.labels();
    if (!labels) { this.publish(r, { planes: [], message: NOTHING_PAINTED }, false); return; }
    const wanted = `${labels.revision}@${cursor.join(',')}`;
    if (wanted === r.shown) return;
    r.shown = wanted;
    r.busy = true;
    r.asked = performance.now();
    r.revision = labels.revision;
    r.worker.postMessage({ type: 'update', seq: ++r.seq, labels: labels.dense, cursor }, [labels.dense.buffer as ArrayBuffer]);
  }

  /** An update's answer (`computed`), or a word on why none is computed (labels revision -1, no time). */
  private publish(r: Running, p: Pick<PreviewUpdate, 'planes' | 'message'>, computed = true): void {
    const seconds = computed ? +((performance.now() - r.asked) / 1000).toFixed(2) : null;
    this.deps.emit({ type: 'preview.result', preview: { ...p, labelsRevision: computed ? r.revision : -1, seconds } });
  }
}

function toPlaneData(p: PreviewResult['planes'][number]): PreviewPlaneData {
  return { axis: AXES[p.axis], index: p.index, start: p.start, extent: p.extent, labels: p.labels };
}
