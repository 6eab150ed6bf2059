// What every streaming volume writer offers, and writing a whole in-memory volume through one:
// on any failure the writer aborts, so no half-written file is left behind.
import type { Volume } from '../volume.ts';

export interface VolumeWriter {
  writeSlices(slab: Volume): void;
  close(): void;
  abort(): void;
}

export function writeWhole(w: VolumeWriter, vol: Volume): void {
  try {
    w.writeSlices(vol);
    w.close();
  } catch (e) {
    w.abort();
    throw e;
  }
}
