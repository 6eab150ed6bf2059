// Child process for memory.test.ts: writes a large OME-Zarr slab by slab (pyramid included) and
// reads it back slab by slab, reporting how far the peak RSS grew over the baseline for each.
import { OmeZarrWriter, openOmeZarr } from '../../../src-shared/io/zarr/index.ts';

const [out, depthArg] = process.argv.slice(2);
const [D, H, W] = [Number(depthArg), 1024, 1024];
const geometry = { spacing: [1, 0.5, 0.5] as [number, number, number], unit: 'um' as const };
const slab = new Uint16Array(4 * H * W);
const fill = (z0: number) => { for (let i = 0; i < slab.length; i++) slab[i] = (z0 * 31 + i * 7) & 0xffff; };

const baseline = process.resourceUsage().maxRSS * 1024;
const w = new OmeZarrWriter(out!, { shape: [D, H, W, 1], dtype: 'uint16', geometry }, { chunks: [8, 256, 256] });
for (let z0 = 0; z0 < D; z0 += 4) {
  fill(z0);
  w.writeSlices({ shape: [4, H, W, 1], dtype: 'uint16', data: slab, geometry });
}
w.close();
const afterWrite = process.resourceUsage().maxRSS * 1024;

const r = await openOmeZarr(out!);
let checksum = 0;
for (let z0 = 0; z0 < D; z0 += 4) {
  const v = await r.readSlices(z0, z0 + 4, slab);
  for (let i = 0; i < v.data.length; i += 4099) checksum = (checksum + v.data[i]!) % 1_000_000_007;
}
const afterRead = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ writeGrowthMB: (afterWrite - baseline) / 1e6, readGrowthMB: (afterRead - afterWrite) / 1e6, checksum, levels: r.levels.length }));
