// Fills pyramid levels 1… of an OME-Zarr from level 0, one output chunk row at a time: a row
// needs one or two chunk rows of the level above (whole planes), so memory stays at a few chunk
// rows however deep the stack. Levels are built in order, each from the one before.
import { allocate } from '../../volume.ts';
import { downsample, type DownsampleMode } from './downsample.ts';
import { openOmeZarrForWrite } from './zarr-store-write.ts';
import type { Vec3 } from './zarr-reader.ts';

export function buildPyramid(dir: string, options: { labels: boolean }): void {
  const out = openOmeZarrForWrite(dir);
  const mode: DownsampleMode = options.labels ? 'mode' : 'mean';
  for (let level = 1; level < out.levels.length; level++) {
    const prev = out.levels[level - 1]!;
    const cur = out.levels[level]!;
    const factor = [0, 1, 2].map((k) => (prev.shape[k] === cur.shape[k] ? 1 : 2)) as Vec3;
    const [d, h, w, c] = cur.shape;
    const cz = cur.chunks[0];
    // two buffers per level, reused for every chunk row
    const src = allocate(out.info.dtype, Math.min(prev.shape[0], cz * factor[0]) * prev.shape[1] * prev.shape[2] * c);
    const row = allocate(out.info.dtype, cz * h * w * c);
    for (let iz = 0; iz * cz < d; iz++) {
      const oz0 = iz * cz, oz1 = Math.min(d, oz0 + cz);
      const z0 = oz0 * factor[0], z1 = Math.min(prev.shape[0], oz1 * factor[0]);
      const slab = out.readSlab(level - 1, z0, z1, src);
      downsample(slab, [z1 - z0, prev.shape[1], prev.shape[2], c], factor, mode, row.subarray(0, (oz1 - oz0) * h * w * c));
      out.writeChunkRow(level, iz, row);
    }
  }
}
