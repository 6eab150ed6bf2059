// `lumen segment` end to end over shapes × label layouts × dtypes × 2 or 4 classes, pairwise: every
// pair of levels of any two factors appears in some case (the full product would be 240 runs).
// Each case writes a synthetic image with known truth as a real TIFF or NIfTI file, paints sparse
// labels from the truth in its layout, runs the CLI as a user would (a child `node bin/lumen.mjs`,
// so exit status and stderr are the user's), then checks: exit 0 and no stack trace, the output
// has the input's shape and geometry, and Dice on the voxels nobody labeled (the mean over the
// object classes for 4 classes) ≥ 0.9 with 2 classes, a floor per layout with 4 (MIN_DICE). The
// images are easy (contrast-to-noise 4, objects several voxels across: matrix-volumes.ts), so a
// miss means a path is broken, not that the data is hard.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { PROJECT_ROOT } from '../shared-data.ts';
import { synthesize, sparseLabels, type Layout, type SynthSpec } from './matrix-volumes.ts';

type Shape = 'A' | 'B' | 'C' | 'D' | 'E';
/** The shapes, each with its file format and voxel size (anisotropic but for D). */
const SHAPES: Record<Shape, Pick<SynthSpec, 'shape' | 'channels' | 'spacing' | 'unit'> & { ext: string; what: string }> = {
  A: { what: '31×61×57 (a stack smaller than one 64² patch, odd sizes)', shape: [31, 61, 57], channels: 1, spacing: [2, 0.5, 0.5], unit: 'um', ext: 'tif' },
  B: { what: '4×40×40 (4 thick slices)', shape: [4, 40, 40], channels: 1, spacing: [3, 1, 1], unit: 'mm', ext: 'nii.gz' },
  C: { what: '1×64×64 (a single slice)', shape: [1, 64, 64], channels: 1, spacing: [1, 0.7, 0.7], unit: 'um', ext: 'tif' },
  D: { what: '24×48×40 (isotropic)', shape: [24, 48, 40], channels: 1, spacing: [1, 1, 1], unit: 'mm', ext: 'nii' },
  E: { what: '1×48×48×3 (RGB)', shape: [1, 48, 48], channels: 3, spacing: [1, 0.5, 0.5], unit: 'um', ext: 'tif' },
};

interface Case { shape: Shape; layout: Layout; dtype: SynthSpec['dtype']; classes: 2 | 4 }

// Pairwise cover: the 24 valid shape × layout pairs (single slices have no z-slices, orthogonal
// planes or 3D scribbles), each dtype with every shape, both class counts with every shape, layout
// and dtype. The first case is the reported crash (31×61×57 uint16, 2 z-slices).
const CASES: Case[] = [
  { shape: 'A', layout: 'z-slices', dtype: 'uint16', classes: 2 },
  { shape: 'A', layout: 'y-slices', dtype: 'int16', classes: 4 },
  { shape: 'A', layout: 'x-slices', dtype: 'float32', classes: 2 },
  { shape: 'A', layout: 'three-planes', dtype: 'uint8', classes: 4 },
  { shape: 'A', layout: 'strokes', dtype: 'int16', classes: 2 },
  { shape: 'A', layout: 'scribbles-3d', dtype: 'float32', classes: 4 },
  { shape: 'B', layout: 'z-slices', dtype: 'float32', classes: 4 },
  { shape: 'B', layout: 'y-slices', dtype: 'uint8', classes: 2 },
  { shape: 'B', layout: 'x-slices', dtype: 'uint16', classes: 4 },
  { shape: 'B', layout: 'three-planes', dtype: 'int16', classes: 2 },
  { shape: 'B', layout: 'strokes', dtype: 'uint8', classes: 4 },
  { shape: 'B', layout: 'scribbles-3d', dtype: 'uint16', classes: 2 },
  { shape: 'D', layout: 'z-slices', dtype: 'int16', classes: 2 },
  { shape: 'D', layout: 'y-slices', dtype: 'uint16', classes: 4 },
  { shape: 'D', layout: 'x-slices', dtype: 'uint8', classes: 2 },
  { shape: 'D', layout: 'three-planes', dtype: 'float32', classes: 4 },
  { shape: 'D', layout: 'strokes', dtype: 'uint16', classes: 2 },
  { shape: 'D', layout: 'scribbles-3d', dtype: 'int16', classes: 4 },
  { shape: 'C', layout: 'y-slices', dtype: 'float32', classes: 2 },
  { shape: 'C', layout: 'x-slices', dtype: 'int16', classes: 2 },
  { shape: 'C', layout: 'strokes', dtype: 'uint8', classes: 4 },
  { shape: 'C', layout: 'strokes', dtype: 'uint16', classes: 2 },
  { shape: 'E', layout: 'y-slices', dtype: 'uint8', classes: 2 },
  { shape: 'E', layout: 'x-slices', dtype: 'uint16', classes: 2 },
  { shape: 'E', layout: 'strokes', dtype: 'float32', classes: 4 },
  { shape: 'E', layout: 'strokes', dtype: 'int16', classes: 2 },
];

/**
 * Training effort for the matrix: a twentieth of the default. `auto`'s time budget scales with it
 * (180 s × effort): case 1 takes 6.5 s instead of 13.3 s at 0.1, with the same candidates trained
 * (both forests and both 2D networks; the 3D ones are passed over for time at 0.1 too). The volumes
 * are at most 31×61×57 and the images easy: at 0.05 every case clears its floor, the closest
 * being case 14 (0.891 against 0.85) and case 6 (0.688 against 0.55).
 */
const EFFORT = '0.05';

/**
 * Dice on the unlabeled voxels each case must reach. The issue asks 0.9 of every layout on an easy
 * case, bright blobs or tubes on a dark noisy background: the 2-class cases, which reach it in every
 * layout. With 4 classes of graded brightness (dark blobs, brighter tubes, brightest balls) sparse
 * labels reach less: smoothed features see a ring of the middle class around every bright ball,
 * and labels on a plane that grazes a class give the forest a few dozen of its voxels (case 14's
 * two y-planes: 29 of the brightest class; scikit-learn's forest on the same labels scores
 * 0.79–0.89 over seeds). These floors sit below what they reach today, so a broken path still fails.
 */
const MIN_DICE: Record<2 | 4, Record<Layout, number>> = {
  2: { 'z-slices': 0.9, 'y-slices': 0.9, 'x-slices': 0.9, 'three-planes': 0.9, strokes: 0.9, 'scribbles-3d': 0.9 },
  4: { 'z-slices': 0.85, 'y-slices': 0.85, 'x-slices': 0.85, 'three-planes': 0.85, strokes: 0.7, 'scribbles-3d': 0.55 },
};

const lumen = (args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
  const child = spawn('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), ...args], { cwd: PROJECT_ROOT });
  let stdout = '', stderr = '';
  child.stdout.on('data', (b) => { stdout += b; });
  child.stderr.on('data', (b) => { stderr += b; });
  child.on('close', (status) => done({ status, stdout, stderr }));
});

/** Dice per object class (values 2…K) over the voxels where `scored`, and their mean. */
function diceOnUnlabeled(pred: ArrayLike<number>, truth: Uint8Array, labels: Uint8Array, classes: number): { perClass: number[]; mean: number } {
  const perClass: number[] = [];
  for (let v = 2; v <= classes; v++) {
    let tp = 0, fp = 0, fn = 0;
    for (let i = 0; i < truth.length; i++) {
      if (labels[i]! > 0) continue;
      const p = classes === 2 ? pred[i]! > 0 : pred[i] === v, t = truth[i] === v;
      if (p && t) tp++; else if (p) fp++; else if (t) fn++;
    }
    perClass.push(tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn));
  }
  return { perClass, mean: perClass.reduce((a, b) => a + b, 0) / perClass.length };
}

// Cases run two at a time (vitest.config.ts maxConcurrency): each is a child process whose start-up,
// file I/O and single-threaded stretches (sampling, the forest's tree building) leave a core idle.
describe.concurrent('lumen segment: shapes × layouts × dtypes × classes (pairwise)', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lumen-matrix-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  CASES.forEach(({ shape, layout, dtype, classes }, k) => it(`${k + 1}: ${SHAPES[shape].what}, ${layout}, ${dtype}, ${classes} classes`, async () => {
    const s = SHAPES[shape];
    const { image, truth } = synthesize({ ...s, dtype, classes, seed: 100 + k });
    const [D, H, W] = s.shape;
    const labels = sparseLabels(truth, s.shape, layout, classes, 200 + k);
    const imagePath = join(dir, `case${k}-image.${s.ext}`), labelsPath = join(dir, `case${k}-labels.${s.ext}`), outPath = join(dir, `case${k}-pred.${s.ext}`);
    await writeVolume(imagePath, image);
    await writeVolume(labelsPath, makeVolume([D, H, W, 1], 'uint8', labels, image.geometry));

    const r = await lumen(['segment', '--image', imagePath, '--labels', labelsPath, '--out', outPath, '--effort', EFFORT]);
    expect(r.stderr, 'a stack trace reached the user').not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.status, r.stderr.split('\n').filter((l) => l.startsWith('lumen')).join('\n')).toBe(0);

    const written = await readVolume(imagePath), out = await readVolume(outPath);
    expect(out.shape).toEqual([D, H, W, 1]);
    expect(out.geometry.unit).toBe(written.geometry.unit);
    out.geometry.spacing.forEach((v, i) => expect(v, `spacing along axis ${i}`).toBeCloseTo(s.spacing[i]!, 5));
    if (written.geometry.affine) written.geometry.affine.forEach((v, i) => expect(out.geometry.affine?.[i], `affine[${i}]`).toBeCloseTo(v, 5));

    // binary: 0 / 1 (--out-scale 1); several classes: the class values as painted, background 1
    const values = [...new Set(out.data)].sort((a, b) => a - b);
    expect(values.every((v) => (classes === 2 ? v === 0 || v === 1 : v >= 1 && v <= classes)), `output values ${values.join(', ')}`).toBe(true);
    const dice = diceOnUnlabeled(out.data, truth, labels, classes);
    const chosen = /"chosen":"([^"]+)"/.exec(r.stdout)?.[1] ?? '?';
    console.log(`matrix ${k + 1} ${layout}: Dice ${dice.mean.toFixed(3)} [${dice.perClass.map((d) => d.toFixed(3)).join(" ")}] (${chosen})`);
    expect(dice.mean, `Dice per class ${dice.perClass.map((d) => d.toFixed(3)).join(', ')}; ${r.stdout.trim()}`).toBeGreaterThanOrEqual(MIN_DICE[classes][layout]);
  }, 180_000));
});
