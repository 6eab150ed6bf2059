// Marker files: each array task writes DIR/task-K.done (JSON) when its block set is finished, with
// its peak memory. The submitting side counts them for progress; they survive the scheduler
// forgetting a job, so they are also the record of what was done.

import { readdirSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../src-shared/io/zarr/atomic-file.ts';
import { join } from 'node:path';

export interface TaskMarker {
  task: number;
  /** peak resident memory of the task's process, bytes. */
  peakRssBytes?: number;
  seconds?: number;
  host?: string;
}

export function markerPath(dir: string, task: number): string {
  return join(dir, `task-${task}.done`);
}

/** Written atomically (temp file, then rename), so a reader never sees half a marker. */
export function writeMarker(dir: string, marker: TaskMarker): void {
  writeFileAtomic(markerPath(dir, marker.task), JSON.stringify(marker) + '\n');
}

/** The markers present, by task id; a marker that does not parse still counts as done. */
export function readMarkers(dir: string): Map<number, TaskMarker> {
  const out = new Map<number, TaskMarker>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const m = /^task-(\d+)\.done$/.exec(name);
    if (!m) continue;
    const task = Number(m[1]);
    try {
      const parsed = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Partial<TaskMarker>;
      out.set(task, { ...parsed, task });
    } catch {
      out.set(task, { task });
    }
  }
  return out;
}

const MiB = 1024 * 1024;

/** A progress reader for followArrayJob: tasks done out of total, and the largest peak memory. */
export function markerProgress(dir: string, total: number): () => { done: number; total: number; detail: string } {
  return () => {
    const markers = readMarkers(dir);
    const peaks = [...markers.values()].map((m) => m.peakRssBytes ?? 0).filter((b) => b > 0);
    const detail = peaks.length ? `peak memory up to ${Math.round(Math.max(...peaks) / MiB)} MiB per task` : '';
    return { done: [...markers.keys()].filter((t) => t >= 1 && t <= total).length, total, detail };
  };
}
