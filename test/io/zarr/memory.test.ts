// Writing a ~335 MB OME-Zarr (with its pyramid) and reading it back slab by slab keeps memory
// bounded: the child's peak RSS grows by a few chunk rows plus V8's slack for garbage, not by the
// image. (Measured here: ~110 MB growth for 200 MB and for 400 MB images alike.)
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO, tempDir } from '../helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('OME-Zarr streaming memory', () => {
  it('~335 MB uint16 image: write (8×256×256 chunks, 3 levels) and read grow far less than the image', () => {
    const D = 160, plane = 1024 * 1024;
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/io/zarr/memory-child.ts'), tmp.file('big.zarr'), String(D)], { cwd: REPO, encoding: 'utf8', timeout: 300_000 });
    const m = JSON.parse(out.trim().split('\n').at(-1)!);
    // the child's slabs of 4 slices hold (z0·31 + i·7) mod 2^16 at index i
    let want = 0;
    for (let z0 = 0; z0 < D; z0 += 4) for (let i = 0; i < 4 * plane; i += 4099) want = (want + (((z0 * 31 + i * 7) & 0xffff))) % 1_000_000_007;
    expect(m.checksum).toBe(want);
    expect(m.levels).toBe(3);
    const imageMB = (D * plane * 2) / 1e6;
    expect(m.writeGrowthMB).toBeLessThan(imageMB / 2);
    expect(m.readGrowthMB).toBeLessThan(50);
  }, 300_000);
});
