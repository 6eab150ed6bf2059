// Streamed, tiled instance prediction (instances/tiled/) decodes exactly what the in-memory
// decoder makes of the same network output: same objects, same ids, voxel for voxel, with patches
// far smaller than the image so that many objects are cut by patch borders. The network is a real
// ORT session that hands its input through; the input is the exact StarDist targets of synthetic
// nuclei, so the output is a realistic candidate field. Also: file sinks, cancel, refusals.
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { predictInstancesToSink, type InstanceProgress } from '../../src-shared/instances/tiled/index.ts';
import { decodeStarOutput } from '../../src-shared/instances/train/predict-instances.ts';
import { defaultDecoding, type InstanceDecoding } from '../../src-shared/instances/train/decoding.ts';
import { memorySink, memorySource } from '../../src-shared/infer/source.ts';
import { fileSink } from '../../src-shared/infer/file-sink.ts';
import { readVolume } from '../../src-shared/io/index.ts';
import { isLumenError } from '../../src-shared/errors.ts';
import { makeVolume, type Volume } from '../../src-shared/volume.ts';
import { blobGrid, paintBlobs } from './helpers.ts';
import { identityModel, planarOutput, starTargetVolume } from './tiled-helpers.ts';
import { tempDir } from '../infer/helpers.ts';

const tmp = tempDir('lumen-tiled-');
afterAll(() => tmp.remove());

/** truth objects whose voxels lie on both sides of a patch start (y or x) inside the image */
function cutObjects(labels: Uint16Array, shape: [number, number, number], starts: number[][]): number {
  const [D, H, W] = shape;
  const lo = new Map<number, number[]>(), hi = new Map<number, number[]>();
  for (let z = 0, i = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++, i++) {
    const id = labels[i]!;
    if (!id) continue;
    const a = lo.get(id) ?? [z, y, x], b = hi.get(id) ?? [z, y, x];
    lo.set(id, [Math.min(a[0]!, z), Math.min(a[1]!, y), Math.min(a[2]!, x)]);
    hi.set(id, [Math.max(b[0]!, z), Math.max(b[1]!, y), Math.max(b[2]!, x)]);
  }
  let cut = 0;
  for (const [id, a] of lo) {
    const b = hi.get(id)!;
    if ([0, 1, 2].some((ax) => starts[ax]!.some((s) => s > 0 && a[ax]! < s && b[ax]! >= s))) cut++;
  }
  return cut;
}

async function compare(vol: Volume, labels: Uint16Array, d: InstanceDecoding, patch: number[]) {
  const [D, H, W, C] = vol.shape;
  const shape: [number, number, number] = [D, H, W];
  const model = identityModel(d.dims, C);
  const window = { patch, overlap: 0.25, normalize: 'none' as const };
  let sink: ReturnType<typeof memorySink> | undefined;
  const phases = new Set<string>();
  let last = -1, monotonic = true;
  const onProgress = (p: InstanceProgress) => { phases.add(p.phase); if (p.done < last) monotonic = false; last = p.done; };
  const streamed = await predictInstancesToSink(model, memorySource(vol), d, (spec) => (sink = memorySink(spec.shape, spec.dtype, vol.geometry)),
    { ...window, slabDepth: 5, onProgress });
  const reference = decodeStarOutput(await planarOutput(model, memorySource(vol), window), shape, d);
  return { streamed, reference, out: sink!.volume, phases, monotonic, cut: cutObjects(labels, shape, streamed.run.grid.axes.map((a) => a.starts)) };
}

describe('streamed tiled decoding equals the in-memory decoder', () => {
  it('2D: 256×256, 32 rays, 64×64 patches', async () => {
    const n = 256;
    const labels = paintBlobs([n, n], blobGrid([n, n], [13, 13], 0.95, 21));
    const d = { ...defaultDecoding(2), probThreshold: 0.45, nmsThreshold: 0.4 };
    const r = await compare(starTargetVolume(labels, [1, n, n], d), labels, d, [1, 64, 64]);
    expect(r.streamed.run.patches).toBeGreaterThanOrEqual(25);
    expect(r.cut).toBeGreaterThan(40); // many objects straddle patch borders
    expect(r.streamed.objects.count).toBe(r.reference.count);
    expect(r.streamed.objects.count).toBeGreaterThan(150);
    expect(r.streamed.candidates).toBe(r.reference.candidateCount);
    expect(r.out.dtype).toBe('uint16');
    expect(r.out.data).toEqual(r.reference.labels);
    // sizes are the painted voxels per id
    const sizes = new Array(r.streamed.objects.count).fill(0);
    for (const v of r.reference.labels) if (v) sizes[v - 1]++;
    expect(r.streamed.objects.sizes).toEqual(sizes);
    expect([...r.phases]).toEqual(['stats', 'predict', 'nms', 'write']);
    expect(r.monotonic).toBe(true);
  });

  it('3D anisotropic: 24×96×96, voxels [2,1,1], 96 rays, grid [1,2,2], 8×32×32 patches, slabs of 5 slices', async () => {
    const shape: [number, number, number] = [24, 96, 96];
    const labels = paintBlobs(shape, blobGrid(shape, [3, 5, 5], 0.95, 4));
    const d = { ...defaultDecoding(3, [2, 1, 1]), probThreshold: 0.45, nmsThreshold: 0.3 };
    expect(d.grid).toEqual([1, 2, 2]);
    const r = await compare(starTargetVolume(labels, shape, d, [2, 1, 1]), labels, d, [8, 32, 32]);
    expect(r.streamed.run.grid.axes[0]!.starts.length).toBeGreaterThanOrEqual(3);
    expect(r.cut).toBeGreaterThan(40);
    expect(r.streamed.objects.count).toBe(r.reference.count);
    expect(r.streamed.objects.count).toBeGreaterThan(50);
    expect(r.out.data).toEqual(r.reference.labels);
  });
});

describe('tiled instance prediction into files', () => {
  const n = 96;
  const labels = paintBlobs([n, n], blobGrid([n, n], [5, 5], 0.95, 3));
  const d = { ...defaultDecoding(2), probThreshold: 0.45, nmsThreshold: 0.4 };
  const vol = starTargetVolume(labels, [1, n, n], d);
  const model = identityModel(2, 33);
  const window = { patch: [1, 48, 48], normalize: 'none' as const };

  it('TIFF and NIfTI outputs hold the same uint16 labels; geometry kept', async () => {
    const mem = decodeStarOutput(await planarOutput(model, memorySource(vol), window), [1, n, n], d);
    for (const name of ['obj.tif', 'obj.nii.gz']) {
      const r = await predictInstancesToSink(model, memorySource(vol), d, fileSink(tmp.path(name), vol), window);
      expect(r.objects.count).toBe(mem.count);
      const back = await readVolume(tmp.path(name));
      expect(back.dtype).toBe('uint16');
      expect(back.shape).toEqual([1, n, n, 1]);
      expect(Array.from(back.data)).toEqual(Array.from(mem.labels));
    }
    expect(readdirSync(tmp.dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('a coarser candidate grid decodes as a model of that grid would', async () => {
    const coarse = { ...d, grid: [1, 4, 4] as [number, number, number] };
    const mem = decodeStarOutput(await planarOutput(model, memorySource(vol), window), [1, n, n], coarse);
    let sink: ReturnType<typeof memorySink> | undefined;
    const r = await predictInstancesToSink(model, memorySource(vol), d, (spec) => (sink = memorySink(spec.shape, spec.dtype, vol.geometry)), { ...window, candidateGrid: [1, 4, 4] });
    expect(r.candidateGrid).toEqual([1, 4, 4]);
    expect(r.candidates).toBe(mem.candidateCount);
    expect(sink!.volume.data).toEqual(mem.labels);
  });

  it('more than 65535 objects: uint32 labels, as the in-memory decoder', async () => {
    // every pixel of 260×260 a candidate whose shape is a disc of radius 0.6: 67 600 objects
    const m = 260, C = 33, tiny = { ...d, grid: [1, 1, 1] as [number, number, number] };
    const data = new Float32Array(m * m * C);
    for (let i = 0; i < m * m; i++) { data[i * C] = 0.9; data.fill(0.6, i * C + 1, (i + 1) * C); }
    const many = makeVolume([1, m, m, C], 'float32', data);
    let sink: ReturnType<typeof memorySink> | undefined;
    const r = await predictInstancesToSink(model, memorySource(many), tiny, (spec) => (sink = memorySink(spec.shape, spec.dtype, many.geometry)), { patch: [1, 128, 128], normalize: 'none' });
    expect(r.objects.count).toBe(m * m);
    expect(r.dtype).toBe('uint32');
    const mem = decodeStarOutput(await planarOutput(model, memorySource(many), { patch: [1, 128, 128], normalize: 'none' }), [1, m, m], tiny);
    expect(mem.labels).toBeInstanceOf(Uint32Array);
    expect(sink!.volume.data).toEqual(mem.labels);
  });

  it('cancel during NMS leaves no file and says so', async () => {
    const signal = { cancelled: false };
    const err = await predictInstancesToSink(model, memorySource(vol), d, fileSink(tmp.path('cancel.tif'), vol), {
      ...window, signal, onProgress: (p) => { if (p.phase === 'nms') signal.cancelled = true; },
    }).catch((e) => e);
    expect(isLumenError(err, 'cancelled')).toBe(true);
    expect(existsSync(tmp.path('cancel.tif'))).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('refuses a 2D instance model on a stack, and a model whose outputs do not fit the decoding, in one line', async () => {
    const stack = makeVolume([3, 16, 16, 33], 'float32');
    const e1 = await predictInstancesToSink(model, memorySource(stack), d, () => { throw new Error('no sink'); }).catch((e) => e);
    expect(isLumenError(e1, 'bad-input')).toBe(true);
    expect(e1.message).toMatch(/2D instance model .* stack of 3 slices/);
    const e2 = await predictInstancesToSink(identityModel(2, 9), memorySource(vol), d, () => { throw new Error('no sink'); }).catch((e) => e);
    expect(isLumenError(e2)).toBe(true);
    expect(e2.message).not.toContain('\n');
  });
});
