// `npm run bench:io`: writes a ~2 GB uint16 multi-page TIFF with Lumen's own streaming writer,
// then imports it slab by slab through openVolume (the uncompressed fast path) and prints ONE
// JSON line: read throughput from the OS cache and peak RSS. For comparison it also decodes a
// few pages through geotiff's readRasters, the general path used for compressed pages.
// Env: LUMEN_BENCH_MB (default 2048) sets the file size; LUMEN_BENCH_DIR the folder.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openVolume, TiffStreamWriter } from '../src-shared/io/index.ts';

const W = 1024, H = 1024;
const sliceBytes = W * H * 2;
const targetMB = Number(process.env.LUMEN_BENCH_MB ?? 2048);
const depth = Math.max(1, Math.round((targetMB * 2 ** 20) / sliceBytes));
const dir = mkdtempSync(join(process.env.LUMEN_BENCH_DIR ?? tmpdir(), 'lumen-bench-io-'));
const path = join(dir, 'stack.tif');

const value = (z: number, i: number) => (z * 131 + i) & 0xffff;

try {
  // --- write, 16 slices (32 MB) at a time
  const slabDepth = 16;
  const t0 = performance.now();
  const writer = new TiffStreamWriter(path, { shape: [depth, H, W, 1], dtype: 'uint16', geometry: { spacing: [2, 0.5, 0.5], unit: 'um' } });
  const slab = new Uint16Array(slabDepth * W * H);
  for (let z0 = 0; z0 < depth; z0 += slabDepth) {
    const n = Math.min(slabDepth, depth - z0);
    for (let k = 0; k < n; k++) {
      const base = k * W * H;
      for (let i = 0; i < W * H; i += 997) slab[base + i] = value(z0 + k, i);
    }
    writer.writeSlices(slab.subarray(0, n * W * H));
  }
  writer.close();
  const writeS = (performance.now() - t0) / 1000;
  const fileBytes = statSync(path).size;

  // --- read slab by slab, from the page cache the write just filled
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const t1 = performance.now();
  const reader = await openVolume(path);
  let checked = 0;
  // one reused slab buffer, as a streaming consumer (inference, store) should do
  const into = new Uint16Array(slabDepth * W * H);
  for (let z0 = 0; z0 < depth; z0 += slabDepth) {
    const z1 = Math.min(depth, z0 + slabDepth);
    const v = await reader.readSlices(z0, z1, into);
    for (let k = 0; k < z1 - z0; k++) {
      const i = 997 * ((z0 + k) % 1000);
      if (v.data[k * W * H + i] !== value(z0 + k, i)) throw new Error(`wrong voxel at slice ${z0 + k}`);
      checked++;
    }
  }
  await reader.close();
  const readS = (performance.now() - t1) / 1000;
  const peakRss = process.resourceUsage().maxRSS * 1024;

  // --- geotiff's general path on the first pages, for comparison
  const { fromFile } = await import('geotiff');
  const gPages = Math.min(depth, 64);
  const tiff = await fromFile(path);
  const t2 = performance.now();
  for (let z = 0; z < gPages; z++) await (await tiff.getImage(z)).readRasters({ interleave: true });
  const geotiffS = (performance.now() - t2) / 1000;
  await tiff.close();

  // --- Deflate-compressed pages (Lumen's own strip decoder), 64 slices
  const zPath = join(dir, 'deflate.tif');
  const zDepth = Math.min(depth, 64);
  const zw = new TiffStreamWriter(zPath, { shape: [zDepth, H, W, 1], dtype: 'uint16', geometry: { spacing: [2, 0.5, 0.5], unit: 'um' } }, { compression: 'deflate', level: 1 });
  for (let z0 = 0; z0 < zDepth; z0 += slabDepth) zw.writeSlices(slab.subarray(0, Math.min(slabDepth, zDepth - z0) * W * H));
  zw.close();
  const t3 = performance.now();
  const zr = await openVolume(zPath);
  for (let z0 = 0; z0 < zDepth; z0 += slabDepth) await zr.readSlices(z0, Math.min(zDepth, z0 + slabDepth), into);
  await zr.close();
  const deflateS = (performance.now() - t3) / 1000;

  const MB = 1e6;
  console.log(JSON.stringify({
    bench: 'io', file: 'uint16 multi-page TIFF, uncompressed', shape: [depth, H, W, 1], fileMB: +(fileBytes / MB).toFixed(0),
    writeMBps: +(fileBytes / MB / writeS).toFixed(0),
    readMBps: +(fileBytes / MB / readS).toFixed(0), readSeconds: +readS.toFixed(2), slabSlices: slabDepth,
    peakRssMB: +(peakRss / MB).toFixed(0), rssBeforeReadMB: +(rssBefore / MB).toFixed(0), slicesChecked: checked,
    geotiffReadRastersMBps: +((gPages * sliceBytes) / MB / geotiffS).toFixed(0),
    deflateReadMBps: +((zDepth * sliceBytes) / MB / deflateS).toFixed(0),
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
