// `lumen predict` with an instance (StarDist) model: objects written as labels (TIFF, OME-Zarr),
// the object count and stage timings in the JSON line, --prob writing the 1 + R channels, and the
// refusals (a 2D model on a stack, --blocks, --flips, mask options) as one readable line. The
// models are real .onnx files whose weights are zero but for the head's bias, so the network hands
// out one probability and one distance everywhere: a lattice of equal discs/balls, found quickly.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildInferenceGraph } from '../../src-shared/nn/trainer.ts';
import { initParams } from '../../src-shared/nn/params.ts';
import { instanceModelConfig } from '../../src-shared/instances/train/train-instances.ts';
import { instanceModelBytes } from '../../src-shared/instances/train/model-bytes.ts';
import { defaultDecoding, type InstanceDecoding } from '../../src-shared/instances/train/decoding.ts';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { PROJECT_ROOT } from '../shared-data.ts';
import { tempDir } from '../infer/helpers.ts';
import { runInferenceJob, type InferenceJob } from '../../src-main/workers/inference-job.ts';
import { pretrainedPath } from '../../src-main/pretrained.ts';
import { isLumenError } from '../../src-shared/errors.ts';

const tmp = tempDir('lumen-predict-instances-');
afterAll(() => tmp.remove());
const lumen = (...args: string[]) => spawnSync('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 120_000 });

/** An instance model whose output is sigmoid(2) ≈ 0.88 and `radius` voxels along every ray, everywhere. */
function constantStarModel(d: InstanceDecoding, radius: number): Uint8Array {
  const config = instanceModelConfig(d.dims, 1, d);
  const params = initParams(buildInferenceGraph(config, d.dims === 3 ? [1, 1, 8, 8, 8] : [1, 1, 8, 8]).specs, 0);
  for (const [name, p] of params) p.fill(name === 'head.bias' ? radius : 0);
  params.get('head.bias')![0] = 2;
  return instanceModelBytes({ config, params, provenance: {}, instances: d });
}

const d2 = defaultDecoding(2);
const d3 = defaultDecoding(3, [2, 1, 1]);
writeFileSync(tmp.path('star2d.onnx'), constantStarModel(d2, 5));
writeFileSync(tmp.path('star3d.onnx'), constantStarModel(d3, 4));
const geometry = { spacing: [2, 0.5, 0.5] as [number, number, number], unit: 'um' as const };
const job = (model: string, image: string, out: string): InferenceJob => ({
  model: { path: tmp.path(model) }, input: { kind: 'file', path: tmp.path(image) }, output: { kind: 'file', path: tmp.path(out) }, device: 'cpu', threads: 2,
});
const noise = (n: number) => Uint16Array.from({ length: n }, (_, i) => 100 + ((i * 7919) % 50));

describe('lumen predict with an instance model', () => {
  it('2D: writes uint16 objects to TIFF and reports their count and the stages', async () => {
    await writeVolume(tmp.path('img2d.tif'), makeVolume([1, 64, 80, 1], 'uint16', noise(64 * 80), geometry));
    const r = lumen('predict', '--model', tmp.path('star2d.onnx'), '--image', tmp.path('img2d.tif'), '--out', tmp.path('obj2d.tif'), '--instances');
    expect(r.status, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(line.dtype).toBe('uint16');
    expect(line.objects).toBeGreaterThan(20);
    expect(line.candidates).toBe(32 * 40); // every grid pixel: the probability is 0.88 everywhere
    expect(line.probThreshold).toBe(0.5);
    expect(Object.keys(line.stageSeconds)).toEqual(['network', 'window', 'candidates', 'nms', 'write']);
    const out = await readVolume(tmp.path('obj2d.tif'));
    expect(out.shape).toEqual([1, 64, 80, 1]);
    // ids 1…objects; a kept disc that more probable ones cover entirely has no voxel
    expect(new Set(out.data.filter((v) => v > 0)).size).toBe(line.objects - line.emptyIds);
    expect(Math.max(...out.data)).toBeLessThanOrEqual(line.objects);
    expect(line.objectVoxels.reduce((a: number, b: number) => a + b, 0)).toBe(out.data.filter((v) => v > 0).length);
  });

  it('--prob writes the 1 + 32 channels; --prob-threshold above the probability finds nothing', async () => {
    const prob = lumen('predict', '--model', tmp.path('star2d.onnx'), '--image', tmp.path('img2d.tif'), '--out', tmp.path('prob.tif'), '--prob');
    expect(prob.status, prob.stderr).toBe(0);
    const out = await readVolume(tmp.path('prob.tif'));
    expect(out.shape).toEqual([1, 64, 80, 33]);
    expect(out.data[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 5);
    expect(out.data[1]).toBeCloseTo(5, 5);
    // the job the CLI's worker runs, in this process
    const none = await runInferenceJob({ ...job('star2d.onnx', 'img2d.tif', 'none.tif'), instances: { probThreshold: 0.9 } });
    expect(none.objects!.count).toBe(0);
    // a coarser candidate grid: a quarter of the candidates
    const coarse = await runInferenceJob({ ...job('star2d.onnx', 'img2d.tif', 'coarse.tif'), instances: { candidateGrid: [1, 4, 4] } });
    expect(coarse.instances!.candidates).toBe(16 * 20);
    expect(coarse.instances!.candidateGrid).toEqual([1, 4, 4]);
  });

  it('3D anisotropic: writes objects to OME-Zarr', async () => {
    await writeVolume(tmp.path('img3d.tif'), makeVolume([8, 32, 40, 1], 'uint16', noise(8 * 32 * 40), geometry));
    const r = lumen('predict', '--model', tmp.path('star3d.onnx'), '--image', tmp.path('img3d.tif'), '--out', tmp.path('obj3d.ome.zarr'));
    expect(r.status, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(line.objects).toBeGreaterThan(5);
    const out = await readVolume(tmp.path('obj3d.ome.zarr'));
    expect(out.dtype).toBe('uint16');
    expect(out.shape).toEqual([8, 32, 40, 1]);
    expect(out.geometry.spacing).toEqual([2, 0.5, 0.5]);
    expect(new Set(out.data.filter((v) => v > 0)).size).toBe(line.objects - line.emptyIds);
  });

  it('refuses in one line: --blocks (CLI), a 2D model on a stack, --flips, mask options, thresholds for a class model (job)', async () => {
    const r = lumen('predict', '--blocks', 'init', '--model', tmp.path('star3d.onnx'), '--image', tmp.path('img3d.tif'), '--out', tmp.path('x.zarr'));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/one NMS over the whole volume, which --blocks cannot split/);
    const refused = async (j: InferenceJob, code: string, message: RegExp) => {
      const e = await runInferenceJob(j).then(() => undefined, (x: unknown) => x);
      expect(isLumenError(e, code as never), String(e)).toBe(true);
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).not.toContain('\n');
    };
    await refused(job('star2d.onnx', 'img3d.tif', 'x.tif'), 'bad-input', /a 2D instance model finds objects in single images; this is a stack of 8 slices/);
    await refused({ ...job('star3d.onnx', 'img3d.tif', 'x.tif'), options: { flips: true } }, 'bad-input', /--flips/);
    await refused({ ...job('star3d.onnx', 'img3d.tif', 'x.tif'), options: { post: { minSize: 5, threshold: 0.3 } } }, 'bad-input',
      /an instance model writes objects, not a mask: --threshold .*, --min-size do not apply/);
    await refused({ ...job('star3d.onnx', 'img3d.tif', 'x.tif'), model: { path: pretrainedPath('vessels-3d') }, instances: { nmsThreshold: 0.3 } }, 'bad-input',
      /--prob-threshold, --nms-threshold and --candidate-grid apply to instance models/);
    for (const f of ['x.tif', 'x.zarr']) expect(existsSync(tmp.path(f))).toBe(false);
  });
});
