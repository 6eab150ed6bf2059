// Not a test: the pixel classifier beside the ilastik-style anchor (../shared/anchors/pixel_forest.py)
// on the same sparse labels, one JSON line per case with Dice on the unlabeled voxels and seconds.
//   node --import tsx test/classic/anchor-compare.ts [burgess|poon|mri] [--no-anchor]
// burgess / poon: the VesselNN stacks, truth on z = ⌊d/3⌉, ⌊2d/3⌉ as background 1 / vessel 2,
// z spacing 3× the in-plane one (as the anchor README). mri: the INIA19 T1, 4 classes from its
// atlas (1 outside, 2 cerebrum ids 1–236, 3 cerebellum 237–253, 4 deep ≥ 254, +1000 alike; the
// grouping bench/cases/mri.ts uses), labeled on 3 sagittal (x) slices at the 25/50/75% quantiles
// of the brain voxels.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume, channelAsFloat32, type Volume } from '../../src-shared/volume.ts';
import { trainPixelClassifier, predictPixelClassifier } from '../../src-shared/classic/index.ts';
import { zscore } from '../../src-shared/train/normalize.ts';
import { createRuntime } from '../../src-main/runtime.ts';
import { dataPath, PROJECT_ROOT } from '../shared-data.ts';
import { decode, diceOf } from './synthetic.ts';

interface Case { name: string; image: Volume; imagePath: string; truth: Uint8Array; sparse: Uint8Array; classes: number[]; spacing: [number, number, number]; ext: string }

async function vessel(stack: string): Promise<Case> {
  const imagePath = dataPath(`vesselnn/${stack}_image.tif`);
  const image = await readVolume(imagePath);
  const dense = await readVolume(dataPath(`vesselnn/${stack}_labels.tif`));
  const [D, H, W] = image.shape, plane = H * W;
  const truth = Uint8Array.from(dense.data as Uint8Array, (v) => (v > 0 ? 2 : 1));
  const sparse = new Uint8Array(truth.length);
  for (const z of [Math.round(D / 3), Math.round((2 * D) / 3)]) sparse.set(truth.subarray(z * plane, (z + 1) * plane), z * plane);
  return { name: stack, image, imagePath, truth, sparse, classes: [1, 2], spacing: [3, 1, 1], ext: '.tif' };
}

async function mri(): Promise<Case> {
  const imagePath = dataPath('mri/inia19-t1-brain.nii.gz');
  const image = await readVolume(imagePath);
  const atlas = await readVolume(dataPath('mri/inia19-NeuroMaps.nii.gz'));
  const truth = Uint8Array.from(atlas.data as Int16Array, (id) => {
    if (id <= 0) return 1;
    const r = id % 1000;
    return r >= 237 && r <= 253 ? 3 : r >= 254 ? 4 : 2;
  });
  const [, , W] = image.shape;
  const counts = new Float64Array(W);
  for (let i = 0; i < truth.length; i++) if (truth[i]! >= 2) counts[i % W]!++;
  const total = counts.reduce((a, b) => a + b, 0);
  const xs = [0.25, 0.5, 0.75].map((q) => { let acc = 0; for (let x = 0; x < W; x++) { acc += counts[x]!; if (acc >= q * total) return x; } return W - 1; });
  const sparse = new Uint8Array(truth.length);
  for (let i = 0; i < truth.length; i++) if (xs.includes(i % W)) sparse[i] = truth[i]!;
  return { name: `inia19-4class-sagittal-x${xs.join(',')}`, image, imagePath, truth, sparse, classes: [1, 2, 3, 4], spacing: image.geometry.spacing, ext: '.nii.gz' };
}

async function runAnchor(c: Case, dir: string): Promise<Record<string, unknown>> {
  const [D, H, W] = c.image.shape;
  const like = { shape: c.image.shape, geometry: c.image.geometry, source: c.image.source };
  const sparse = join(dir, `sparse${c.ext}`), truth = join(dir, `truth${c.ext}`);
  await writeVolume(sparse, makeVolume([D, H, W, 1], 'uint8', c.sparse, c.image.geometry), { like });
  const t = c.classes.length === 2 ? Uint8Array.from(c.truth, (v) => (v >= 2 ? 255 : 0)) : c.truth;
  await writeVolume(truth, makeVolume([D, H, W, 1], 'uint8', t, c.image.geometry), { like });
  const r = spawnSync('/usr/bin/python3', [resolve(PROJECT_ROOT, '../shared/anchors/pixel_forest.py'), c.imagePath, sparse, truth, String(c.spacing[0] / c.spacing[2])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`anchor failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

async function runOurs(c: Case): Promise<Record<string, unknown>> {
  const runtime = createRuntime({ device: 'cpu' });
  const [D, H, W] = c.image.shape;
  const t0 = performance.now(), cpu0 = process.cpuUsage();
  const image = zscore(channelAsFloat32(c.image));
  const { model, report } = await trainPixelClassifier([{ shape: [D, H, W], channels: 1, image, labels: c.sparse }], { spacing: c.spacing, seed: 1 }, { factory: runtime.factory });
  const t1 = performance.now();
  const probs = await predictPixelClassifier(runtime.factory, model, image, [D, H, W], 1);
  const t2 = performance.now(), cpu = process.cpuUsage(cpu0);
  const pred = decode(probs, model.classes, c.truth.length);
  const mask = c.sparse.map((l) => (l ? 0 : 1));
  const perClass = Object.fromEntries(model.classes.slice(1).map((k) => [String(k), +diceOf(pred, c.truth, k, mask).toFixed(4)]));
  const values = Object.values(perClass);
  return {
    dice_per_class: perClass, mean_dice: +(values.reduce((a, b) => a + b, 0) / values.length).toFixed(4),
    seconds: { total: +((t2 - t0) / 1000).toFixed(1), train: +((t1 - t0) / 1000).toFixed(1), predict: +((t2 - t1) / 1000).toFixed(1), cpu: +((cpu.user + cpu.system) / 1e6).toFixed(1) },
    report,
  };
}

const which = process.argv[2] ?? 'burgess';
const c = which === 'mri' ? await mri() : await vessel(which === 'poon' ? 'poon2015_BBB_noLeakage' : 'burgess2014_tgMouse');
const dir = mkdtempSync(join(tmpdir(), 'lumen-classic-anchor-'));
try {
  const ours = await runOurs(c);
  const anchor = process.argv.includes('--no-anchor') ? undefined : await runAnchor(c, dir);
  // the machine is shared: the load average says how comparable the seconds are
  console.log(JSON.stringify({ case: c.name, shape: c.image.shape, ours, anchor, loadAverage: loadavg().map((l) => +l.toFixed(2)) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
