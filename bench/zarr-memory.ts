// `npm run bench:zarr`: OME-Zarr streaming memory. Writes a large uint16 image (1024² slices,
// 8×256×256 chunks) slab by slab with its pyramid, then reads it back slab by slab, in a child
// process per depth, and prints ONE JSON line: how far each child's peak RSS grew over its
// baseline while writing and while reading, beside the image's size. Bounded streaming shows as
// growth that does not follow the depth (measured: ~110 MB for 200 MB and 400 MB images alike).
// Kept out of the test suite, whose volumes stay ≤ 64³. Options: --depths 160,320
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OmeZarrWriter, openOmeZarr } from '../src-shared/io/zarr/index.ts';
import { flag, parseArgs } from '../src-main/args.ts';

const [H, W] = [1024, 1024];

/** One depth, in this (child) process. */
async function measure(out: string, D: number): Promise<Record<string, number>> {
  const geometry = { spacing: [1, 0.5, 0.5] as [number, number, number], unit: 'um' as const };
  const slab = new Uint16Array(4 * H * W);
  const baseline = process.resourceUsage().maxRSS * 1024;
  const w = new OmeZarrWriter(out, { shape: [D, H, W, 1], dtype: 'uint16', geometry }, { chunks: [8, 256, 256] });
  for (let z0 = 0; z0 < D; z0 += 4) {
    for (let i = 0; i < slab.length; i++) slab[i] = (z0 * 31 + i * 7) & 0xffff;
    w.writeSlices({ shape: [4, H, W, 1], dtype: 'uint16', data: slab, geometry });
  }
  w.close();
  const afterWrite = process.resourceUsage().maxRSS * 1024;
  const r = await openOmeZarr(out);
  let mismatches = 0;
  for (let z0 = 0; z0 < D; z0 += 4) {
    const v = await r.readSlices(z0, z0 + 4, slab);
    for (let i = 0; i < v.data.length; i += 4099) if (v.data[i] !== ((z0 * 31 + i * 7) & 0xffff)) mismatches++;
  }
  const afterRead = process.resourceUsage().maxRSS * 1024;
  return { depth: D, imageMB: Math.round((D * H * W * 2) / 1e6), writeGrowthMB: Math.round((afterWrite - baseline) / 1e6), readGrowthMB: Math.round((afterRead - afterWrite) / 1e6), levels: r.levels.length, mismatches };
}

const args = parseArgs(process.argv.slice(2));
const child = flag(args, 'child');
if (child) {
  console.log(JSON.stringify(await measure(child, Number(flag(args, 'depth')))));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-zarr-'));
  try {
    const runs = (flag(args, 'depths') ?? '160,320').split(',').map((d) => JSON.parse(execFileSync(process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', join(dir, `d${d}.zarr`), '--depth', d], { encoding: 'utf8' }).trim().split('\n').at(-1)!));
    console.log(JSON.stringify({ bench: 'zarr-memory', slice: [H, W], chunks: [8, 256, 256], runs }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
