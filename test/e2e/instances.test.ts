/// <reference lib="dom" />
// Instance mode end to end, through `npm run serve` and Debian's chromium: a 128×128 crop of the
// nuclei2d image (real fluorescence, StarDist's sample) dropped on the window, the nuclei reaching
// into its top 48 rows drawn as objects with the brush (one stroke each, tracing the annotators'
// outlines), those rows marked as fully annotated, Train instances, the objects found shown in colour with their
// count, exported as a label image and a CSV whose rows match the count; a label image of the
// wrong shape is refused in one line. Training runs few steps (effort quick × 0.2): this checks
// the app around the engine, not the engine's accuracy (test/instances does that).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { measureObjects } from '../../src-shared/eval/object-table.ts';
import { objectIds } from '../../src-shared/labels/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { buildRenderer, dropFile, ensureChromium, launch, ROOT, serve, type Served } from './harness.ts';

const NUCLEI = join(ROOT, '../shared/data/nuclei2d');
const SHOTS = resolve(ROOT, process.env.LUMEN_SCREENSHOTS_DIR ?? 'test-output/screenshots');
const S = 128, Y0 = 192, X0 = 192; // the crop: 10 nuclei, 4 of them reach into its top 48 rows
const TOP = 48;

let server: Served;
let browser: Awaited<ReturnType<typeof launch>>;
let page: Page;
let dir: string;
let truth: Uint16Array;
let found = 0;

async function instanceRevision(): Promise<number> {
  return Number(/revision (\d+)/.exec(await page.getByTestId('instance-revision').innerText())![1]);
}

/** Screen position of the centre of voxel (row, col) on the axial view. */
async function at(): Promise<(r: number, c: number) => [number, number]> {
  const box = (await page.getByTestId('canvas-z').boundingBox())!;
  return (r, c) => [box.x + ((c + 0.5) / S) * box.width, box.y + ((r + 0.5) / S) * box.height];
}

/** One drag through voxel points; waits until the edit is saved. */
async function drag(points: [number, number][]): Promise<void> {
  const pos = await at();
  const before = await instanceRevision();
  await page.mouse.move(...pos(...points[0]!));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...pos(...p)); // the app fills the gaps between pointer positions
  await page.mouse.up();
  await expect.poll(instanceRevision, { timeout: 10_000 }).toBe(before + 1);
}

/**
 * One brush stroke over an object of the truth: from its pixel nearest the centroid (so the stroke
 * starts on nothing drawn: a new object) to its top row, then row by row, left to right and back.
 */
function objectStroke(id: number, centroid: [number, number]): [number, number][] {
  const rows = new Map<number, [number, number]>();
  let best: [number, number] = [0, 0], bestD = Infinity;
  for (let r = 0; r < S; r++) for (let c = 0; c < S; c++) {
    if (truth[r * S + c] !== id) continue;
    const span = rows.get(r);
    rows.set(r, span ? [Math.min(span[0], c), Math.max(span[1], c)] : [c, c]);
    const d = (r - centroid[0]) ** 2 + (c - centroid[1]) ** 2;
    if (d < bestD) { bestD = d; best = [r, c]; }
  }
  const pts: [number, number][] = [best];
  [...rows.keys()].sort((a, b) => a - b).forEach((r, k) => {
    const [c0, c1] = rows.get(r)!;
    pts.push(...(k % 2 === 0 ? [[r, c0], [r, c1]] : [[r, c1], [r, c0]]) as [number, number][]);
  });
  return pts;
}

/** Pixels of the axial canvas coloured clearly (objects), as opposed to the grey image. */
function colouredPixels(): Promise<number> {
  return page.evaluate(() => {
    const c = document.querySelector('[data-testid=canvas-z]') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.max(d[i]!, d[i + 1]!, d[i + 2]!) - Math.min(d[i]!, d[i + 1]!, d[i + 2]!) > 60) n++;
    return n;
  });
}

beforeAll(async () => {
  ensureChromium();
  buildRenderer();
  dir = mkdtempSync(join(tmpdir(), 'lumen-e2e-nuclei-'));
  const image = await readVolume(join(NUCLEI, 'image.tif'));
  const labels = await readVolume(join(NUCLEI, 'instances.tif'));
  const W = image.shape[2];
  const crop = new Uint16Array(S * S);
  truth = new Uint16Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    crop[y * S + x] = Number(image.data[(Y0 + y) * W + X0 + x]);
    truth[y * S + x] = Number(labels.data[(Y0 + y) * W + X0 + x]);
  }
  await writeVolume(join(dir, 'nuclei crop.tif'), makeVolume([1, S, S, 1], 'uint16', crop));
  await writeVolume(join(dir, 'wrong shape.tif'), makeVolume([1, S, S + 3, 1], 'uint16'));
  server = await serve(undefined, { effortScale: 0.2 });
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

describe('instance mode in the browser (npm run serve + chromium)', () => {
  it('draws the nuclei of the top rows as objects, each with its own id, and marks those rows as fully annotated', async () => {
    await page.goto(server.url);
    await page.getByTestId('new-project-name').fill('Nuclei');
    await page.getByTestId('create-project').click();
    await page.getByTestId('empty-project').waitFor();
    await dropFile(page, 'nuclei crop.tif', readFileSync(join(dir, 'nuclei crop.tif')));
    await page.getByTestId('canvas-z').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('volume-info').innerText()).toContain('1×128×128');

    await page.getByTestId('mode-instances').click();
    await page.getByTestId('tool-brush').click();
    await page.getByTestId('brush-size').fill('0');
    const objects = measureObjects(truth, [1, S, S]).filter((o) => o.bboxMin[1] < TOP);
    expect(objects.length).toBe(4);
    for (const [k, o] of objects.entries()) {
      await drag(objectStroke(o.id, [o.centroid[1], o.centroid[2]]));
      await expect.poll(async () => page.getByTestId('instance-count').innerText()).toMatch(new RegExp(`^${k + 1} drawn`));
    }
    expect(await page.getByTestId('region-state').innerText()).toContain('the whole image');
    await page.getByTestId('tool-region').click();
    await drag([[0, 0], [TOP - 1, S - 1]]);
    expect(await page.getByTestId('region-state').innerText()).toContain('the marked regions');
    expect(await colouredPixels()).toBeGreaterThan(1000);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'objects-drawn.png') });
  }, 120_000);

  it('refuses a label image of the wrong shape in one readable line, losing nothing', async () => {
    const before = await page.getByTestId('instance-count').innerText();
    const rev = await instanceRevision();
    await page.getByTestId('import-instances-file').setInputFiles(join(dir, 'wrong shape.tif'));
    const error = page.getByTestId('error');
    await error.waitFor({ timeout: 30_000 });
    const text = (await error.innerText()).replace(/\s*Dismiss\s*$/, '');
    expect(text).toBe("wrong shape.tif is 1×128×131 but the image is 1×128×128: an instance label image must have the image's shape");
    await error.getByRole('button', { name: 'Dismiss' }).click();
    expect(await page.getByTestId('instance-count').innerText()).toBe(before);
    expect(await instanceRevision()).toBe(rev);
  });

  it('trains instances with progress and shows the objects found, coloured, with their count', async () => {
    await page.getByTestId('tab-train').click();
    await page.getByTestId('effort').selectOption('quick');
    // a new network only, also where a bundled nuclei model is installed (fine-tuning it as well would double the time)
    if (await page.locator('[data-testid=instance-start] option[value=scratch]').count()) await page.getByTestId('instance-start').selectOption('scratch');
    await page.getByTestId('train-instances').click();
    await page.getByTestId('train-progress').waitFor({ timeout: 30_000 });
    mkdirSync(join(ROOT, 'test-output/screenshots'), { recursive: true });
    await page.getByTestId('train-message').waitFor({ timeout: 150_000 });
    const message = await page.getByTestId('train-message').innerText();
    expect(message).toMatch(/^Objects found: \d+\.$/);
    found = Number(/(\d+)/.exec(message)![1]);
    expect(found).toBeGreaterThan(0);
    expect(await page.getByTestId('found-count').innerText()).toBe(`${found} found by the model`);
    await expect.poll(() => page.getByTestId('view3d-status').innerText()).toBe(`image + ${found} objects found`);
    expect(await colouredPixels()).toBeGreaterThan(1000);
    await page.getByTestId('tab-models').click();
    expect(await page.locator('[data-testid=models-table] tbody tr').count()).toBe(1);
    await page.getByTestId('tab-train').click();
    await page.waitForTimeout(500);
    // a few steps find noise as much as nuclei: kept out of docs/screenshots
    await page.screenshot({ path: join(ROOT, 'test-output/screenshots/objects-found-quick.png') });
  }, 180_000);

  it('exports the objects found as a label image and a CSV with one row per object', async () => {
    await page.getByTestId('tab-export').click();
    const [tif] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-instances').click()]);
    expect(tif.suggestedFilename()).toBe('Nuclei-objects.tif');
    const labels = await readVolume((await tif.path())!);
    expect(labels.shape).toEqual([1, S, S, 1]);
    expect(labels.dtype).toBe('uint16');
    expect(objectIds(labels.data).length).toBe(found);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-objects').click()]);
    expect(csv.suggestedFilename()).toBe('Nuclei-objects.csv');
    const lines = readFileSync((await csv.path())!, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^id,voxels,volume_units3,centroid_z,/);
    expect(lines.length - 1).toBe(found);
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(objectIds(labels.data));
  }, 60_000);
});
