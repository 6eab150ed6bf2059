// Output files written slab by slab (TIFF/BigTIFF or NIfTI by extension). The data goes to a
// sibling file with a ".lumen-partial-…" infix and is renamed over the target only when complete,
// so a cancelled, failed or killed run never leaves a file that looks finished; abort deletes it.
import { renameSync, unlinkSync } from 'node:fs';
import { openVolumeWriter, writableFormat } from '../io/index.ts';
import type { Geometry, Shape4, SourceInfo } from '../volume.ts';
import type { OpenSink } from './pipeline.ts';

export function partialPath(path: string): string {
  const m = /(\.nii\.gz|\.[^./\\]+)$/i.exec(path);
  const ext = m ? m[1]! : '';
  return `${path.slice(0, path.length - ext.length)}.lumen-partial-${process.pid}-${Math.random().toString(36).slice(2, 8)}${ext}`;
}

/** A sink factory writing to `path`, with the geometry (and NIfTI header) of `like`. */
export function fileSink(path: string, like: { shape?: Shape4; geometry: Geometry; source?: SourceInfo }): OpenSink {
  writableFormat(path); // unknown extensions fail before any work
  return (spec) => {
    const tmp = partialPath(path);
    // whole-number output is labels (masks, class maps, instance ids): an OME-Zarr pyramid of it
    // takes the most frequent label, not the mean
    const w = openVolumeWriter(tmp, { shape: spec.shape, dtype: spec.dtype, geometry: like.geometry, source: like.source }, { like, labels: spec.dtype !== 'float32' });
    return {
      writeSlices: (slab) => w.writeSlices(slab),
      close: () => {
        try {
          w.close();
          renameSync(tmp, path);
        } catch (e) {
          try { unlinkSync(tmp); } catch { /* gone */ }
          throw e;
        }
      },
      abort: () => w.abort(),
    };
  };
}
