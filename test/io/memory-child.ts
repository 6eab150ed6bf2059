// Child process for memory.test.ts: imports a large file slab by slab and reports how much the
// peak RSS grew over the baseline, so the test runner's own memory does not blur the figure.
import { openVolume } from '../../src-shared/io/index.ts';

const [file, slabArg, mode] = process.argv.slice(2);
const slab = Number(slabArg ?? 8);
const reuse = mode === 'reuse';
// warm up the code paths on a first small read so JIT/heap setup counts as baseline
const warm = await openVolume(file!);
await warm.readSlices(0, 1);
await warm.close();
const baseline = process.resourceUsage().maxRSS * 1024;
const reader = await openVolume(file!);
const [depth, h, w, c] = reader.info.shape;
// 'reuse': one buffer for every slab (what a streaming consumer should do); else a new array per slab
const buffer = reuse ? new Uint16Array(slab * h * w * c) : undefined;
let checksum = 0;
for (let z0 = 0; z0 < depth; z0 += slab) {
  const v = await reader.readSlices(z0, Math.min(depth, z0 + slab), buffer);
  for (let i = 0; i < v.data.length; i += 4099) checksum = (checksum + v.data[i]!) % 1_000_000_007;
}
await reader.close();
const peak = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ baselineMB: baseline / 1e6, peakMB: peak / 1e6, growthMB: (peak - baseline) / 1e6, depth, checksum }));
