// Child process for the bounded-memory streaming check (test/infer/streaming.test.ts, bench:infer):
// writes a uint16 TIFF/BigTIFF stack of D×H×W slab by slab, segments it file to file with a
// small convolutional network (sliding window, Gaussian blend, z-score, threshold), and prints
// one JSON line with the peak resident memory (process.resourceUsage().maxRSS) and timings.
// A small network keeps the run short; what is measured is the streaming machinery's memory.
// usage: node --import tsx test/infer/stream-child.ts OUT_DIR D H W [PATCH_Z,PATCH_Y,PATCH_X] [--keep] [--post]
// --post adds whole-volume post-processing (fill holes, drop objects under 100 voxels), which
// streams through a temporary mask file in two more passes.
import { statSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TiffStreamWriter, openVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { predictToSink } from '../../src-shared/infer/pipeline.ts';
import { fileSink } from '../../src-shared/infer/file-sink.ts';
import { convNetModel } from './helpers.ts';

const [dir, ds, hs, ws, patchText] = process.argv.slice(2);
const [D, H, W] = [Number(ds), Number(hs), Number(ws)];
const patch = (patchText ?? '16,256,256').split(',').map(Number);
mkdirSync(dir!, { recursive: true });
const input = join(dir!, 'big.tif'), output = join(dir!, 'big-pred.tif');

const t0 = performance.now();
const writer = new TiffStreamWriter(input, { shape: [D, H, W, 1], dtype: 'uint16', geometry: { spacing: [2, 0.5, 0.5], unit: 'um' } });
const slab = new Uint16Array(8 * H * W);
for (let z = 0; z < D; z += 8) {
  const n = Math.min(8, D - z);
  // tubes along z plus a ramp and hash noise: structure the threshold keeps, cheap to make
  for (let k = 0; k < n; k++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const tube = ((x % 64) - 32) ** 2 + ((y % 64) - 32) ** 2 < 100 ? 3000 : 0;
    slab[(k * H + y) * W + x] = 1000 + tube + ((x * 7919 + y * 104729 + (z + k) * 1299709) % 997);
  }
  writer.writeSlices(makeVolume([n, H, W, 1], 'uint16', slab.subarray(0, n * H * W)));
}
writer.close();
const fileBytes = statSync(input).size;
const generateSeconds = (performance.now() - t0) / 1000;
const rssAfterGenerate = process.resourceUsage().maxRSS * 1024;

const t1 = performance.now();
const reader = await openVolume(input);
let events = 0;
const result = await predictToSink(convNetModel({ layers: 1, hidden: 1 }), reader, fileSink(output, reader.info), {
  patch, overlap: 0.25, post: process.argv.includes('--post') ? { threshold: 0.5, fillHoles: true, minSize: 100 } : { threshold: 0.5 },
  tempDir: dir, onProgress: () => { events++; },
});
await reader.close();
const predictSeconds = (performance.now() - t1) / 1000;
const outBytes = statSync(output).size;
if (!process.argv.includes('--keep')) rmSync(dir!, { recursive: true, force: true });
console.log(JSON.stringify({
  shape: [D, H, W], fileBytes, outBytes, objects: result.objects?.count, patch: result.run.patch, patches: result.run.patches, events,
  generateSeconds: +generateSeconds.toFixed(1), predictSeconds: +predictSeconds.toFixed(1),
  voxelsPerSecond: Math.round((D * H * W) / predictSeconds),
  maxRSS: process.resourceUsage().maxRSS * 1024, rssAfterGenerate,
}));
