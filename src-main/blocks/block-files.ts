// What block tasks leave on the file system beside the output's chunks, in OUT/.lumen-blocks/:
// one marker per finished block (written after its chunks, so a marker always means the block is
// complete), one report per task run (blocks, time, peak memory), which `lumen cluster` reads to
// show progress, and bands/: the network outputs of patch bands that straddle two tasks' parts,
// so the second task to reach one reuses it (finish removes them). Every file is written under a
// temporary name and renamed.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../../src-shared/io/zarr/atomic-file.ts';
import type { BlockMarkers } from '../../src-shared/infer/blocks/block-job.ts';
import type { BandCache } from '../../src-shared/infer/sliding-window.ts';

export const BLOCKS_FOLDER = '.lumen-blocks';

export interface TaskReport {
  task: string;
  blocks: number[];
  predicted: number[];
  skipped: number[];
  seconds: number;
  /** the task process's peak resident memory */
  peakRssBytes: number;
  host: string;
  finishedAt: string;
}


function folder(out: string): string {
  const dir = join(out, BLOCKS_FOLDER);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function fileMarkers(out: string): BlockMarkers {
  const dir = folder(out);
  const path = (b: number) => join(dir, `block-${b}.done`);
  return {
    has: (b) => { try { readFileSync(path(b)); return true; } catch { return false; } },
    mark: (b, info) => writeFileAtomic(path(b), JSON.stringify({ block: b, ...info, pid: process.pid })),
  };
}

/** Blocks with a marker. */
export function finishedBlocks(out: string): Set<number> {
  const done = new Set<number>();
  let names: string[] = [];
  try { names = readdirSync(join(out, BLOCKS_FOLDER)); } catch { /* none yet */ }
  for (const n of names) { const m = /^block-(\d+)\.done$/.exec(n); if (m) done.add(Number(m[1])); }
  return done;
}

export function writeTaskReport(out: string, report: TaskReport): void {
  writeFileAtomic(join(folder(out), `task-${report.task.replace('/', '-of-')}.json`), JSON.stringify(report));
}

export function readTaskReports(out: string): TaskReport[] {
  let names: string[] = [];
  try { names = readdirSync(join(out, BLOCKS_FOLDER)); } catch { return []; }
  return names.filter((n) => /^task-.*\.json$/.test(n)).map((n) => JSON.parse(readFileSync(join(out, BLOCKS_FOLDER, n), 'utf8')) as TaskReport);
}

/** Bands shared by neighbouring parts, as raw float32 files under OUT/.lumen-blocks/bands/. */
export function fileBandCache(out: string): BandCache {
  const dir = join(folder(out), 'bands');
  mkdirSync(dir, { recursive: true });
  return {
    read(key, length) {
      let bytes: Buffer;
      try { bytes = readFileSync(bandFile(dir, key)); } catch { return undefined; }
      if (bytes.byteLength !== length * 4) return undefined;
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    },
    write(key, outputs) {
      writeFileAtomic(bandFile(dir, key), new Uint8Array(outputs.buffer, outputs.byteOffset, outputs.byteLength));
    },
  };
}

/** A band's file: its key (z start, every patch start across the column) hashed to a short name. */
function bandFile(dir: string, key: string): string {
  return join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.f32`);
}

export function removeBandCache(out: string): void {
  rmSync(join(out, BLOCKS_FOLDER, 'bands'), { recursive: true, force: true });
}
