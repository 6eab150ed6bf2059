// Streaming: file → file prediction equals the in-memory sliding window; whole-volume
// post-processing done in passes over a temporary mask equals the in-memory functions; and peak
// memory does not grow with the stack's depth (measured in child processes).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeVolume } from '../../src-shared/volume.ts';
import { openVolume, readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { slidingWindowPredict } from '../../src-shared/infer/sliding-window.ts';
import { predictToSink } from '../../src-shared/infer/pipeline.ts';
import { fileSink } from '../../src-shared/infer/file-sink.ts';
import { memorySource, memorySink } from '../../src-shared/infer/source.ts';
import { threshold } from '../../src-shared/infer/postprocess/threshold.ts';
import { fillHoles } from '../../src-shared/infer/postprocess/fill-holes.ts';
import { labelComponents, removeSmallComponents } from '../../src-shared/infer/postprocess/components.ts';
import { blobVolume, convNetModel, tempDir } from './helpers.ts';

const run = promisify(execFile);
const tmp = tempDir();
afterAll(() => tmp.remove());

const shape: [number, number, number] = [30, 41, 37];
const geometry = { spacing: [2.5, 0.4, 0.4] as [number, number, number], unit: 'um' as const };
const img = makeVolume([...shape, 1], 'uint16', Uint16Array.from(blobVolume(...shape, 9), (v) => Math.round(2000 + 1500 * v)), geometry);
const opts = { patch: [8, 24, 24], overlap: 0.25 } as const;

describe('streaming file to file', () => {
  it('TIFF → TIFF probabilities equal the in-memory sliding window; geometry kept; no leftovers', async () => {
    await writeVolume(tmp.path('img.tif'), img);
    const reader = await openVolume(tmp.path('img.tif'));
    const r = await predictToSink(convNetModel(), reader, fileSink(tmp.path('prob.tif'), reader.info), { ...opts, output: 'probabilities' });
    await reader.close();
    expect(r.run.grid.axes[0]!.starts.length).toBeGreaterThan(3); // several z-bands
    const mem = await slidingWindowPredict(convNetModel(), img, opts);
    const out = await readVolume(tmp.path('prob.tif'));
    expect(out.dtype).toBe('float32');
    expect(out.geometry.spacing).toEqual([2.5, 0.4, 0.4]);
    expect(Array.from(out.data)).toEqual(Array.from(mem.data));
    expect(readdirSync(tmp.dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('NIfTI in, NIfTI.gz labels out (0/255)', async () => {
    await writeVolume(tmp.path('img.nii'), img);
    const reader = await openVolume(tmp.path('img.nii'));
    await predictToSink(convNetModel(), reader, fileSink(tmp.path('lab.nii.gz'), reader.info), { ...opts, post: { value: 255 } });
    await reader.close();
    const mem = await slidingWindowPredict(convNetModel(), img, opts);
    const out = await readVolume(tmp.path('lab.nii.gz'));
    expect(out.dtype).toBe('uint8');
    expect(out.shape).toEqual([...shape, 1]);
    expect(Array.from(out.data)).toEqual(Array.from(threshold(mem.data as Float32Array, 0.5, 255)));
  });

  it('fill holes + min size + instances in passes equal the whole-volume functions', async () => {
    const post = { threshold: 0.45, fillHoles: true, minSize: 20, instances: true };
    let sink: ReturnType<typeof memorySink> | undefined;
    const r = await predictToSink(convNetModel({ seed: 3 }), memorySource(img), (spec) => (sink = memorySink(spec.shape, spec.dtype, geometry)), { ...opts, post, tempDir: tmp.dir });
    const mem = await slidingWindowPredict(convNetModel({ seed: 3 }), img, opts);
    const mask = fillHoles(threshold(mem.data as Float32Array, 0.45), shape);
    const kept = removeSmallComponents(mask, shape, 20);
    const inst = labelComponents(kept, shape);
    expect(r.dtype).toBe('uint16');
    expect(r.objects!.count).toBe(inst.count);
    expect(r.objects!.sizes).toEqual(inst.sizes);
    expect(inst.count).toBeGreaterThan(0);
    expect(Array.from(sink!.volume.data)).toEqual(Array.from(inst.labels));
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('lumen-mask'))).toEqual([]);
  });
});

describe('bounded memory', () => {
  it('peak RSS does not grow with the stack: 64 vs 640 slices of 512×512 uint16 (≈34 MB vs ≈336 MB)', async () => {
    const child = async (d: number) => {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/infer/stream-child.ts', tmp.path(`stream-${d}`), String(d), '512', '512', '8,512,512'], { maxBuffer: 1 << 20 });
      return JSON.parse(stdout.trim().split('\n').at(-1)!) as { fileBytes: number; maxRSS: number; outBytes: number; predictSeconds: number; rssAfterGenerate: number };
    };
    const small = await child(64);
    const big = await child(640);
    console.log(JSON.stringify({ small, big }));
    expect(big.fileBytes).toBeGreaterThan(330e6);
    expect(big.outBytes).toBeGreaterThan(160e6);
    // 10× the voxels, (nearly) the same peak: bounded by a few slabs, not by the volume
    expect(big.maxRSS - small.maxRSS).toBeLessThan(48e6);
    // and well below the file plus the process's fixed size (node, tsx, ORT loaded), which is the
    // least that holding the stack would take, before any float copy of it
    expect(big.maxRSS).toBeLessThan(0.8 * (big.fileBytes + big.rssAfterGenerate));
    expect(existsSync(tmp.path('stream-640'))).toBe(false);
  }, 180_000);
});
