/// <reference lib="dom" />
// Anatomical orientation end to end (npm run serve + chromium): a crop of the real MRI (RAS) and
// the same anatomy stored another way (array axes permuted and two of them reversed, the header's
// affine changed to say so) must look the same in every view, with the same letters; a stroke
// painted in the coronal view of the reordered file lands in the voxels a radiologist points at
// (checked through the header's transform); the exported labels carry the input's header.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { reorder, reorderData, type Reordered } from '../orientation/reorder.ts';
import { buildRenderer, dropFile, ensureChromium, launch, ROOT, screenPixels, serve, type Served } from './harness.ts';

type Zyx = [number, number, number];
const CROP: Zyx = [25, 41, 33], AT: Zyx = [40, 80, 60]; // odd sizes: the centre voxel is the same voxel in every storage
let server: Served;
let browser: Awaited<ReturnType<typeof launch>>;
let page: Page;
let dir: string;
let moved: Reordered;

beforeAll(async () => {
  ensureChromium();
  buildRenderer();
  dir = mkdtempSync(join(tmpdir(), 'lumen-e2e-orientation-'));
  const mri = await readVolume(join(ROOT, '../shared/data/mri/inia19-t1-brain.nii.gz'));
  const [, H, W] = mri.shape;
  const crop = new Float32Array(CROP[0] * CROP[1] * CROP[2]);
  for (let z = 0; z < CROP[0]; z++) for (let y = 0; y < CROP[1]; y++) for (let x = 0; x < CROP[2]; x++) {
    crop[(z * CROP[1] + y) * CROP[2] + x] = Number(mri.data[((AT[0] + z) * H + AT[1] + y) * W + AT[2] + x]);
  }
  const a = mri.geometry.affine!;
  // the crop's first voxel is voxel AT of the head: shift the origin there
  const affine = [...a];
  for (let r = 0; r < 3; r++) affine[r * 4 + 3] = a[r * 4]! * AT[2] + a[r * 4 + 1]! * AT[1] + a[r * 4 + 2]! * AT[0] + a[r * 4 + 3]!;
  await writeVolume(join(dir, 'head ras.nii'), makeVolume([...CROP, 1], 'float32', crop, { ...mri.geometry, affine }));
  moved = reorder(CROP, affine, [2, 0, 1], [true, false, true]);
  const spacing = [2, 0, 1].map((p) => mri.geometry.spacing[p]!) as Zyx;
  await writeVolume(join(dir, 'head reordered.nii'), makeVolume([...moved.shape, 1], 'float32', reorderData(crop, CROP, moved, (n) => new Float32Array(n)), { ...mri.geometry, spacing, affine: moved.affine }));
  server = await serve();
  browser = await launch();
  page = browser.page;
  page.on('pageerror', (e) => console.error('page error:', e.message));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (server) rmSync(server.projects, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function open(name: string, file: string): Promise<void> {
  if (await page.getByTestId('close-project').count()) await page.getByTestId('close-project').click();
  await page.getByTestId('new-project-name').fill(name);
  await page.getByTestId('create-project').click();
  await page.getByTestId('empty-project').waitFor();
  await dropFile(page, file, readFileSync(join(dir, file)));
  await page.locator('[data-view=coronal] canvas').waitFor({ timeout: 60_000 });
}

interface ViewPixels { letters: string; width: number; height: number; rgb: number[] }

/** What each anatomical view shows on screen (a screenshot of its plane, decoded in the page) and its edge letters. */
async function views(): Promise<Record<string, ViewPixels>> {
  const out: Record<string, ViewPixels> = {};
  for (const view of ['axial', 'coronal', 'sagittal']) {
    const plane = page.locator(`[data-view=${view}] .plane`);
    const letters = (await plane.locator('.edge-letter').allInnerTexts()).join('');
    // the letters sit outside the plane; the screenshot is of the plane's own box
    const { width, height, rgba } = await screenPixels(page, plane.locator('.plane-content'));
    const px = { width, height, rgb: rgba.filter((_, i) => i % 4 === 0) };
    out[view] = { letters, ...px };
  }
  return out;
}

describe('anatomical orientation (npm run serve + chromium)', () => {
  let original: Record<string, ViewPixels>;

  it('shows an RAS head in radiological views with the patient’s sides on the edges', async () => {
    await page.goto(server.url);
    await open('Head RAS', 'head ras.nii');
    original = await views();
    expect(original.axial!.letters).toBe('RLAP');
    expect(original.coronal!.letters).toBe('RLSI');
    expect(original.sagittal!.letters).toBe('APSI');
  }, 120_000);

  it('shows the same anatomy stored with permuted and reversed axes exactly the same way', async () => {
    await open('Head reordered', 'head reordered.nii');
    expect(await page.getByTestId('volume-info').innerText()).toContain(moved.shape.join('×'));
    const again = await views();
    for (const view of ['axial', 'coronal', 'sagittal']) {
      const a = original[view]!, b = again[view]!;
      expect(b.letters, view).toBe(a.letters);
      expect([b.width, b.height], view).toEqual([a.width, a.height]);
      let differ = 0;
      for (let i = 0; i < a.rgb.length; i++) if (Math.abs(a.rgb[i]! - b.rgb[i]!) > 8) differ++;
      expect(differ / a.rgb.length, view).toBeLessThan(0.01);
    }
  }, 120_000);

  it('a stroke in the coronal view lands where the radiologist points, and the export keeps the header', async () => {
    // paint the upper-left quarter of the coronal view: the patient's right (screen left) and superior (up)
    await page.getByTestId('tool-brush').click();
    const box = (await page.locator('[data-view=coronal] .plane').boundingBox())!;
    const p = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as [number, number];
    await page.mouse.move(...p(0.2, 0.2));
    await page.mouse.down();
    await page.mouse.move(...p(0.3, 0.25));
    await page.mouse.up();
    await page.getByTestId('tab-export').click();
    await page.getByTestId('export-format').selectOption('nifti');
    await expect.poll(async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-labels').click()]);
      const labels = await readVolume((await download.path())!);
      let n = 0;
      for (const v of labels.data as Uint8Array) if (v) n++;
      return n;
    }, { timeout: 20_000 }).toBeGreaterThan(0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-labels').click()]);
    const labels = await readVolume((await download.path())!);
    const input = await readVolume(join(dir, 'head reordered.nii'));
    // the header round-trips: same transform, same qform/sform codes
    expect(labels.geometry.affine!.map((v) => +v.toFixed(4))).toEqual(input.geometry.affine!.map((v) => +v.toFixed(4)));
    const h = labels.source!.header as Record<string, unknown>, hi = input.source!.header as Record<string, unknown>;
    expect([h.qformCode, h.sformCode]).toEqual([hi.qformCode, hi.sformCode]);
    // painted voxels in world space (RAS: +x right, +z superior) against the volume's centre
    const A = labels.geometry.affine!;
    const [, hh, ww] = labels.shape;
    const world = (z: number, y: number, x: number) => [0, 1, 2].map((r) => A[r * 4]! * x + A[r * 4 + 1]! * y + A[r * 4 + 2]! * z + A[r * 4 + 3]!);
    const centre = world(...(moved.shape.map((s) => (s - 1) / 2) as Zyx));
    let painted = 0, right = 0, superior = 0;
    (labels.data as Uint8Array).forEach((v, i) => {
      if (!v) return;
      painted++;
      const w = world(Math.floor(i / (hh * ww)), Math.floor(i / ww) % hh, i % ww);
      if (w[0]! > centre[0]!) right++;
      if (w[2]! > centre[2]!) superior++;
    });
    expect(painted).toBeGreaterThan(0);
    expect(right).toBe(painted);
    expect(superior).toBe(painted);
  }, 120_000);
});
