// Interoperability with zarr-python 2 (Debian's python3-zarr): it reads Lumen's Zarr v2 output
// byte for byte, and Lumen reads OME-Zarr 0.4 images it wrote with blosc and zlib chunks, '.'
// chunk keys and a t axis of size 1. Skipped, saying why, where no Python has the zarr module.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeVolume } from '../../../src-shared/io/index.ts';
import { openOmeZarr } from '../../../src-shared/io/zarr/index.ts';
import type { Volume } from '../../../src-shared/volume.ts';
import { patternVolume, tempDir } from '../helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Debian's interpreter first: a pyenv/venv python3 earlier on PATH may lack the Debian module. */
const PYTHON = ['/usr/bin/python3', 'python3'].find((py) => spawnSync(py, ['-c', 'import zarr, numcodecs, numpy'], { encoding: 'utf8' }).status === 0);
if (!PYTHON) console.warn('python-zarr tests skipped: no python3 can `import zarr` (apt-get install python3-zarr)');

function python(script: string, ...args: string[]): string {
  const r = spawnSync(PYTHON!, ['-c', script, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Lumen's z, y, x, c interleaved voxels as NGFF's (c,) z, y, x array, as raw bytes. */
function asNgffBytes(vol: Volume): Uint8Array {
  const [d, h, w, c] = vol.shape;
  const out = new (vol.data.constructor as new (n: number) => typeof vol.data)(vol.data.length);
  for (let i = 0; i < d * h * w; i++) for (let k = 0; k < c; k++) out[k * d * h * w + i] = vol.data[i * c + k]!;
  return new Uint8Array(out.buffer);
}

describe.skipIf(!PYTHON)('zarr-python 2 reads what Lumen writes', () => {
  it.each([
    { name: 'uint16, 3 channels', vol: patternVolume([9, 70, 45, 3], 'uint16', 21) },
    { name: 'float32', vol: patternVolume([12, 33, 40, 1], 'float32', 22) },
  ])('$name: identical bytes, NGFF 0.4 attributes, pyramid level 1', async ({ vol }) => {
    const p = tmp.file(`py-${vol.dtype}.zarr`);
    await writeVolume(p, vol, { zarrFormat: 2, chunks: [4, 16, 16] });
    const raw = tmp.file(`py-${vol.dtype}.raw`);
    const out = python(`
import sys, json, zarr
g = zarr.open_group(sys.argv[1], mode='r')
a = g['0'][:]
a.astype(a.dtype.newbyteorder('<')).tofile(sys.argv[2])
ms = g.attrs['multiscales'][0]
print(json.dumps({'shape': list(a.shape), 'dtype': str(a.dtype), 'version': ms['version'], 'axes': [x['name'] for x in ms['axes']], 'paths': [d['path'] for d in ms['datasets']]}))
`, p, raw);
    const info = JSON.parse(out);
    const ngffShape = vol.shape[3] > 1 ? [vol.shape[3], ...vol.shape.slice(0, 3)] : vol.shape.slice(0, 3);
    expect(info).toMatchObject({ shape: ngffShape, version: '0.4', axes: vol.shape[3] > 1 ? ['c', 'z', 'y', 'x'] : ['z', 'y', 'x'], paths: ['0'] });
    expect(Buffer.compare(readFileSync(raw), Buffer.from(asNgffBytes(vol)))).toBe(0);
  });

  it('a pyramid level read by zarr-python equals Lumen’s read of it', async () => {
    const vol = patternVolume([4, 300, 90, 1], 'uint8', 23);
    const p = tmp.file('py-pyr.zarr');
    await writeVolume(p, vol, { zarrFormat: 2 });
    const raw = tmp.file('py-pyr.raw');
    python(`import sys, zarr; zarr.open_group(sys.argv[1], mode='r')['1'][:].tofile(sys.argv[2])`, p, raw);
    const lvl = await (await openOmeZarr(p, { level: 1 })).readSlices(0, 4);
    expect(lvl.shape).toEqual([4, 150, 45, 1]); // z (2.5 µm) stays: it is over twice y/x (0.3 µm)
    expect(Buffer.compare(readFileSync(raw), Buffer.from(lvl.data.buffer))).toBe(0);
  });
});

describe.skipIf(!PYTHON)('Lumen reads what zarr-python 2 writes', () => {
  it.each(['blosc', 'zlib'])('OME-Zarr 0.4, %s chunks (zlib ones in F order), t = 1, c = 2, µm → voxels and spacing', async (codec) => {
    const p = tmp.file(`from-py-${codec}.zarr`);
    python(`
import sys, zarr, numpy as np
from numcodecs import Blosc, Zlib
comp = Blosc(cname='zstd', clevel=3, shuffle=Blosc.SHUFFLE) if sys.argv[2] == 'blosc' else Zlib(level=4)
shape = (1, 2, 5, 41, 37)
a = ((np.arange(np.prod(shape), dtype=np.int64) * 7919) % 65521).astype('<u2').reshape(shape)
g = zarr.open_group(sys.argv[1], mode='w')
g.create_dataset('0', data=a, chunks=(1, 1, 2, 16, 16), compressor=comp, order='F' if sys.argv[2] == 'zlib' else 'C')
g.attrs['multiscales'] = [{'version': '0.4', 'name': 'py', 'axes': [
  {'name': 't', 'type': 'time', 'unit': 'second'}, {'name': 'c', 'type': 'channel'},
  {'name': 'z', 'type': 'space', 'unit': 'micrometer'}, {'name': 'y', 'type': 'space', 'unit': 'nanometer'}, {'name': 'x', 'type': 'space', 'unit': 'nanometer'}],
  'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [1, 1, 2.0, 250.0, 125.0]}]}]}]
`, p, codec);
    const r = await openOmeZarr(p);
    expect(r.info.shape).toEqual([5, 41, 37, 2]);
    expect(r.info.dtype).toBe('uint16');
    expect(r.info.geometry).toEqual({ spacing: [2, 0.25, 0.125], unit: 'um' });
    expect(r.info.source.header).toMatchObject({ codecs: [codec] });
    const vol = await r.readSlices(0, 5);
    // python's value at (t=0, c, z, y, x) is (flat index × 7919) mod 65521
    let wrong = 0;
    for (let z = 0; z < 5; z++) for (let y = 0; y < 41; y++) for (let x = 0; x < 37; x++) for (let c = 0; c < 2; c++) {
      const flat = ((c * 5 + z) * 41 + y) * 37 + x;
      if (vol.data[((z * 41 + y) * 37 + x) * 2 + c] !== (flat * 7919) % 65521) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('a bool mask (no multiscales-wide unit, no compressor) reads as uint8 0/1', async () => {
    const p = tmp.file('from-py-bool.zarr');
    python(`
import sys, zarr, numpy as np
a = (np.arange(3 * 20 * 30).reshape(3, 20, 30) % 7 == 0)
g = zarr.open_group(sys.argv[1], mode='w')
g.create_dataset('0', data=a, chunks=(2, 8, 8), compressor=None)
g.attrs['multiscales'] = [{'version': '0.4', 'axes': [{'name': 'z', 'type': 'space'}, {'name': 'y', 'type': 'space'}, {'name': 'x', 'type': 'space'}],
  'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [1.0, 1.0, 1.0]}]}]}]
`, p);
    const v = await (await openOmeZarr(p)).readSlices(0, 3);
    expect(v.dtype).toBe('uint8');
    expect(v.geometry.unit).toBe('unknown');
    expect(Array.from(v.data).every((x, i) => x === (i % 7 === 0 ? 1 : 0))).toBe(true);
  });
});
