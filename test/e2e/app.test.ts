/// <reference lib="dom" />
// The app end to end, as a microscopist uses it, through `npm run serve` and Debian's chromium:
// create a project, drop the VesselNN stack on the window, paint foreground and background on two
// slices, train with auto, see the prediction and where the model is unsure, jump to a slice it
// suggests painting next, undo a stroke, then restart the server, reopen the
// project and find everything there; then the start screen: a bad file leaves nothing, a picked
// file opens, projects are renamed and deleted, a NIfTI opens with the MRI preset. Screenshots of
// the main screens go to docs/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { readVolume, writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { buildRenderer, dropFile, ensureChromium, launch, ROOT, screenPixels, serve, type Served } from './harness.ts';

const IMAGE = join(ROOT, '../shared/data/vesselnn/burgess2014_tgMouse_image.tif');
const TRUTH = join(ROOT, '../shared/data/vesselnn/burgess2014_tgMouse_labels.tif');
const SAMPLE = join(ROOT, 'resources/samples/vesselnn-burgess2014-crop_image.tif');
// a plain test run keeps the committed screenshots as they are; `npm run screenshots` refreshes them
const SHOTS = resolve(ROOT, process.env.LUMEN_SCREENSHOTS_DIR ?? 'test-output/screenshots');
const PROJECT = 'Mouse vessels';
const SLICES = [4, 10];

let server: Served;
let browser: Awaited<ReturnType<typeof launch>>;
let page: Page;
let truth: { shape: number[]; data: ArrayLike<number> };
/** points of the loss chart when training ended */
let lossPoints = -1;

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function revision(): Promise<number> {
  return Number(/revision (\d+)/.exec(await page.getByTestId('revision').innerText())![1]);
}

async function goToSlice(z: number): Promise<void> {
  const box = page.getByTestId('slice-index-z');
  for (let i = 0; i < 40; i++) {
    const cur = Number((await box.innerText()).split('/')[0]!.trim()) - 1;
    if (cur === z) return;
    await page.getByTestId(cur < z ? 'next-z' : 'prev-z').click();
    await expect.poll(async () => (await box.innerText()).split('/')[0]!.trim()).not.toBe(String(cur + 1));
  }
  throw new Error(`could not reach slice ${z}`);
}

/** Drag the brush along voxel (row, col) points of the axial view. */
async function stroke(points: [number, number][]): Promise<void> {
  const canvas = page.getByTestId('canvas-z');
  const box = (await canvas.boundingBox())!;
  const [rows, cols] = [truth.shape[1]!, truth.shape[2]!];
  const at = ([r, c]: [number, number]) => [box.x + ((c + 0.5) / cols) * box.width, box.y + ((r + 0.5) / rows) * box.height] as const;
  const before = await revision();
  const [x0, y0] = at(points[0]!);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const p of points.slice(1)) { const [x, y] = at(p); await page.mouse.move(x, y, { steps: 4 }); }
  await page.mouse.up();
  await expect.poll(revision, { timeout: 10_000 }).toBe(before + 1);
}

/** Horizontal runs inside (or well outside) the true vessels on slice z: where a careful user would paint. */
function runs(z: number, vessel: boolean, count: number, minLength: number): [number, number][][] {
  const [, H, W] = truth.shape as [number, number, number];
  const inside = (r: number, c: number) => truth.data[(z * H + r) * W + c]! > 0;
  const margin = vessel ? 0 : 6;
  const ok = (r: number, c: number) => {
    if (vessel) return inside(r, c) && inside(r - 1, c) && inside(r + 1, c);
    for (let dr = -margin; dr <= margin; dr++) for (let dc = -margin; dc <= margin; dc++) {
      const rr = r + dr, cc = c + dc;
      if (rr < 0 || cc < 0 || rr >= H || cc >= W || inside(rr, cc)) return false;
    }
    return true;
  };
  const found: { r: number; c0: number; c1: number }[] = [];
  for (let r = 8; r < H - 8; r += 3) {
    let c0 = -1;
    for (let c = 8; c <= W - 8; c++) {
      const good = c < W - 8 && ok(r, c);
      if (good && c0 < 0) c0 = c;
      if (!good && c0 >= 0) { if (c - c0 >= minLength) found.push({ r, c0, c1: c - 1 }); c0 = -1; }
    }
  }
  found.sort((a, b) => (b.c1 - b.c0) - (a.c1 - a.c0));
  const picked: typeof found = [];
  for (const f of found) {
    if (picked.every((p) => Math.abs(p.r - f.r) > 24)) picked.push(f);
    if (picked.length === count) break;
  }
  return picked.map((f) => {
    const len = Math.min(f.c1 - f.c0, vessel ? 200 : 120);
    return [[f.r, f.c0], [f.r, f.c0 + len / 2], [f.r, f.c0 + len]] as [number, number][];
  });
}

beforeAll(async () => {
  ensureChromium();
  buildRenderer();
  truth = await readVolume(TRUTH);
  server = await serve();
  browser = await launch();
  page = browser.page;
  page.on('pageerror', (e) => console.error('page error:', e.message));
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (server) rmSync(server.projects, { recursive: true, force: true });
});

/** Pixels of the 3D view in the foreground class's orange (#f97316, shaded): its label surface. */
async function classColouredPixels(): Promise<number> {
  const { rgba: d } = await screenPixels(page, page.locator('[data-testid=view-3d] .vtk'));
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i]! > 120 && d[i]! > d[i + 1]! + 40 && d[i]! > d[i + 2]! + 80) n++;
  return n;
}

describe('Lumen in the browser (npm run serve + chromium)', () => {
  it('shows the start screen and refuses a bad file with a readable message, importing nothing', async () => {
    await page.goto(server.url);
    await page.getByTestId('start-screen').waitFor();
    await shot('start');
    await page.getByTestId('new-project-name').fill('Bad drop');
    await page.getByTestId('create-project').click();
    await page.getByTestId('empty-project').waitFor();
    await dropFile(page, 'broken.tif', Buffer.from('II*\0 this is not really a TIFF file, just its first bytes'));
    const error = page.getByTestId('error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.innerText()).toMatch(/tif|TIFF|broken/i);
    await expect.poll(() => page.getByTestId('empty-project').isVisible()).toBe(true); // nothing half-imported
    await page.getByTestId('close-project').click();
    await page.getByTestId('start-screen').waitFor();
  });

  it('creates a project and imports the VesselNN stack dropped on the window, with progress', async () => {
    await page.getByTestId('new-project-name').fill(PROJECT);
    await page.getByTestId('create-project').click();
    await page.getByTestId('empty-project').waitFor();
    await page.evaluate(() => {
      const w = window as unknown as { sawProgress: boolean };
      w.sawProgress = false;
      new MutationObserver(() => { if (document.querySelector('[data-testid=progress]')) w.sawProgress = true; }).observe(document.body, { childList: true, subtree: true });
    });
    await dropFile(page, 'burgess2014_tgMouse_image.tif', readFileSync(IMAGE));
    await page.getByTestId('canvas-z').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { sawProgress: boolean }).sawProgress)).toBe(true);
    expect(await page.getByTestId('volume-info').innerText()).toContain('15×512×512');
    await page.waitForTimeout(1500); // let the 3D view draw
    await shot('viewer');
  });

  it('paints foreground and background on two slices; every stroke is saved', async () => {
    await page.getByTestId('brush-size').fill('3');
    for (const z of SLICES) {
      await goToSlice(z);
      await page.getByTestId('class-2').click();
      for (const s of runs(z, true, 3, 12)) await stroke(s);
      await page.getByTestId('class-1').click();
      for (const s of runs(z, false, 3, 30)) await stroke(s);
    }
    expect(await revision()).toBeGreaterThanOrEqual(8);
    // the 3D view draws the painted class as a surface in the class's colour
    await expect.poll(() => page.getByTestId('view3d-status').innerText(), { timeout: 20_000 }).toBe('image + labels: 1 class surface');
    await expect.poll(() => classColouredPixels(), { timeout: 20_000 }).toBeGreaterThan(30);
    await shot('labels');
  });

  it('previews the labels on the visible slice seconds after a stroke, while the window keeps answering', async () => {
    const status = page.getByTestId('preview-status');
    const previewed = async () => Number(await page.getByTestId('slice-z').getAttribute('data-preview'));
    // the slice just painted: its preview follows the last stroke
    await expect.poll(previewed, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => status.innerText(), { timeout: 30_000 }).toMatch(/^preview of your labels, [\d.]+ s after the stroke$/);
    // a slice never painted, where the forest must draw vessels of its own
    await goToSlice(7);
    await expect.poll(previewed, { timeout: 30_000 }).toBeGreaterThan(0);
    await shot('live-preview');
    // each slice scrolled to is previewed in the host's worker; meanwhile the window must answer at once
    const times: number[] = [];
    const parts: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = await page.evaluate(async (down) => {
        const el = document.querySelector('[data-testid=slice-index-z]')!;
        const before = el.textContent;
        const t0 = performance.now();
        window.dispatchEvent(new KeyboardEvent('keydown', { key: down ? 'PageDown' : 'PageUp' }));
        await new Promise<void>((ok) => { const tick = () => (el.textContent !== before ? ok() : requestAnimationFrame(tick)); tick(); });
        const ui = performance.now() - t0;
        const ping = await (window as unknown as { __lumen: { ping(): Promise<number> } }).__lumen.ping();
        return { ui, ping };
      }, i % 2 === 0);
      times.push(Math.max(t.ui, t.ping));
      parts.push(`${t.ui.toFixed(0)}/${t.ping.toFixed(0)}`);
      await page.waitForTimeout(400); // past the 150 ms pause after which the preview is asked for
    }
    console.log(`UI answer times while previewing, slice change/host ping (ms): ${parts.join(', ')}`);
    expect(times.filter((t) => t < 100).length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...times)).toBeLessThan(500);
    // and the slice the scrolling ended on gets its preview
    await expect.poll(previewed, { timeout: 30_000 }).toBeGreaterThan(0);
    // switched off, nothing is drawn
    await page.getByTestId('live-preview').uncheck();
    await expect.poll(previewed).toBe(-1);
    await page.getByTestId('live-preview').check();
    await expect.poll(previewed, { timeout: 30_000 }).toBeGreaterThan(0);
  });

  it('undoes a stroke with Ctrl+Z and redoes it with Ctrl+Shift+Z', async () => {
    const r = await revision();
    await page.getByTestId('class-2').click();
    await stroke([[5, 5], [5, 60]]); // a slip of the hand in the corner
    await page.keyboard.press('Control+z');
    await expect.poll(revision).toBe(r + 2);
    expect(await page.getByTestId('redo').isEnabled()).toBe(true);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(revision).toBe(r + 3);
    await page.keyboard.press('Control+z');
    await expect.poll(revision).toBe(r + 4);
  });

  it('trains with auto in a worker while the UI keeps answering within 100 ms, then shows the prediction', async () => {
    await page.getByTestId('tab-train').click();
    expect(await page.getByTestId('strategy').inputValue()).toBe('auto');
    await page.getByTestId('effort').selectOption('quick');
    await page.getByTestId('train-start').click();
    await page.getByTestId('train-stop').waitFor();
    // wait until the worker is really busy (a loss came back), then probe the UI
    await expect.poll(async () => (await page.getByTestId('train-phase').innerText().catch(() => '')).length > 0 && !(await page.getByTestId('train-phase').innerText()).startsWith('starting'), { timeout: 120_000 }).toBe(true);
    const times: number[] = [];
    const parts: string[] = [];
    for (let i = 0; i < 8; i++) {
      // one UI round: a key press changes the slice, the DOM shows it, and the host answers a ping
      const t = await page.evaluate(async () => {
        const el = document.querySelector('[data-testid=slice-index-z]')!;
        const before = el.textContent;
        const t0 = performance.now();
        window.dispatchEvent(new KeyboardEvent('keydown', { key: before!.startsWith('1 ') ? 'PageDown' : 'PageUp' }));
        await new Promise<void>((ok) => { const tick = () => (el.textContent !== before ? ok() : requestAnimationFrame(tick)); tick(); });
        const ui = performance.now() - t0;
        const ping = await (window as unknown as { __lumen: { ping(): Promise<number> } }).__lumen.ping();
        return { ui, ping };
      });
      times.push(Math.max(t.ui, t.ping));
      parts.push(`${t.ui.toFixed(0)}/${t.ping.toFixed(0)}`);
      if (i === 3) await shot('training');
      await page.waitForTimeout(300);
    }
    console.log(`UI answer times while training, slice change/host ping (ms): ${parts.join(', ')}`);
    // Three quarters of the probes must answer within 100 ms, and none may take 500 ms (a frozen
    // renderer fails them all). On two cores shared by training, chromium and SwiftShader, a probe
    // or two can land on a scheduling gap: one CI run saw 227 and 110 ms among six under 65 ms.
    expect(times.filter((t) => t < 100).length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...times)).toBeLessThan(500);
    await page.getByTestId('train-message').waitFor({ timeout: 300_000 });
    expect(await page.getByTestId('train-message').innerText()).toContain('Prediction updated');
    await expect.poll(() => page.getByTestId('view3d-status').innerText(), { timeout: 20_000 }).toBe('image + prediction: 1 class surface');
    lossPoints = Number(await page.getByTestId('loss-chart').getAttribute('data-points'));
    await goToSlice(7);
    await page.waitForTimeout(2500);
    await shot('prediction');
    // where the model is unsure (U): drawn over the slices, and the slices most worth painting next
    expect(await page.getByTestId('slice-z').getAttribute('data-uncertainty')).toBe('-1');
    await page.keyboard.press('u');
    expect(await page.getByTestId('show-uncertainty').isChecked()).toBe(true);
    await expect.poll(async () => Number(await page.getByTestId('slice-z').getAttribute('data-uncertainty')), { timeout: 20_000 }).toBeGreaterThan(0);
    const suggestion = page.getByTestId('suggested-slices').locator('[data-testid^=suggest-z-]');
    await suggestion.first().waitFor({ timeout: 20_000 });
    const next = Number((await suggestion.first().getAttribute('data-testid'))!.slice('suggest-z-'.length));
    console.log(`paint next (z): ${(await page.getByTestId('suggested-slices').innerText()).replace(/\s+/g, ' ')}`);
    for (const z of SLICES) expect(Math.abs(next - z)).toBeGreaterThanOrEqual(2); // not a painted slice nor its neighbour
    await suggestion.first().click();
    await expect.poll(() => page.getByTestId('slice-index-z').innerText()).toBe(`${next + 1} / 15`);
    await expect.poll(async () => Number(await page.getByTestId('slice-z').getAttribute('data-uncertainty'))).toBeGreaterThan(0);
    await page.waitForTimeout(1000);
    await shot('uncertainty');
    await page.getByTestId('show-uncertainty').uncheck();
    await expect.poll(() => page.getByTestId('slice-z').getAttribute('data-uncertainty')).toBe('-1');
    await page.getByTestId('tab-models').click();
    await expect.poll(() => page.locator('[data-testid=models-table] tbody tr').count()).toBe(1);
    // how auto chose: every candidate with its held-out Dice and time, the chosen one marked
    const candidates = page.locator('[data-testid^=candidates-] [data-testid=candidate-row]');
    expect(await candidates.count()).toBeGreaterThanOrEqual(2);
    expect(await candidates.first().innerText()).toMatch(/pixel-classifier[\s\S]*\d\.\d{3}[\s\S]*\d+ s/);
    expect(await page.locator('[data-testid=candidate-row][data-chosen=true]').count()).toBe(1);
    await shot('models');
    await page.getByTestId('tab-results').click();
    // the experiment runner's learning curve, imported from its results file as a user would
    await page.locator('[data-testid=results-panel] input[type=file]').setInputFiles(join(ROOT, 'docs/results/drive-learning-curve.json'));
    const card = page.locator('[data-testid^=experiment-]');
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator('h3').innerText()).toBe('DRIVE learning curve');
    expect(await card.locator('tbody tr').count()).toBe(4); // N = 1, 2, 5, 10
    expect(await card.locator('thead').innerText()).toMatch(/synthetic-pretrain/);
    await shot('results');
  }, 420_000);

  it('finds everything again after restarting the server and reopening the project', async () => {
    const rev = await revision();
    await browser.close();
    await server.stop();
    server = await serve(server.projects);
    browser = await launch();
    page = browser.page;
    await page.goto(server.url);
    await page.getByTestId('recent-list').getByText(PROJECT, { exact: true }).click();
    await page.getByTestId('canvas-z').waitFor({ timeout: 60_000 });
    expect(await revision()).toBe(rev);
    expect(await page.getByTestId('redo').isEnabled()).toBe(true); // the undone stroke is still redoable
    // the uncertainty map was kept with the prediction: Paint next suggests slices again
    await page.getByTestId('suggested-slices').locator('[data-testid^=suggest-z-]').first().waitFor({ timeout: 20_000 });
    // the Train panel draws the last run's loss curve again, as it was when training ended
    await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBe(lossPoints);
    await page.getByTestId('tab-models').click();
    await expect.poll(() => page.locator('[data-testid=models-table] tbody tr').count()).toBe(1);
    await page.getByTestId('tab-export').click();
    expect(await page.getByTestId('export-prediction').isEnabled()).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-labels').click()]);
    const labels = await readVolume((await download.path())!);
    const [, H, W] = labels.shape;
    const count = (z: number, v: number) => { let n = 0; for (let i = 0; i < H * W; i++) if (labels.data[z * H * W + i] === v) n++; return n; };
    for (const z of SLICES) { expect(count(z, 1)).toBeGreaterThan(50); expect(count(z, 2)).toBeGreaterThan(50); }
    // the undone stroke (rows 2–8 near the corner of slice 10) is not in the labels
    let corner = 0;
    for (let r = 0; r < 9; r++) for (let c = 0; c < 64; c++) if (labels.data[(SLICES[1]! * H + r) * W + c] === 2) corner++;
    expect(corner).toBe(0);
    const [pred] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-prediction').click()]);
    const p = await readVolume((await pred.path())!);
    expect(p.shape.slice(0, 3)).toEqual([15, 512, 512]);
  }, 180_000);

  it('leaves nothing behind for a bad file dropped on the start screen, opens a picked file, renames and deletes projects with confirmation, opens a NIfTI with the MRI preset and keeps the one chosen', async () => {
    await page.getByTestId('close-project').click();
    await page.getByTestId('start-screen').waitFor();
    const onDisk = () => readdirSync(server.projects).filter((f) => f.endsWith('.lumen')).sort();
    const before = onDisk();
    await dropFile(page, 'truncated.tif', readFileSync(IMAGE).subarray(0, 3000));
    await page.getByTestId('error').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('error').innerText()).toContain('truncated.tif'); // the user's file, not an upload path
    await page.getByTestId('start-screen').waitFor();
    expect(onDisk()).toEqual(before); // no empty project left over
    expect(await page.getByTestId('recent-truncated').count()).toBe(0);

    // the file picker (Electron shows the system's dialog for it); progress from the first byte
    await page.evaluate(() => {
      const w = window as unknown as { sawProgress: boolean };
      w.sawProgress = false;
      new MutationObserver(() => { if (document.querySelector('[data-testid=progress]')) w.sawProgress = true; }).observe(document.body, { childList: true, subtree: true });
    });
    await page.getByTestId('file-picker').setInputFiles(SAMPLE);
    await page.getByTestId('canvas-z').waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => (window as unknown as { sawProgress: boolean }).sawProgress)).toBe(true);
    const id = await page.getByTestId('project-name').innerText();
    expect(id).toBe(basename(SAMPLE, '.tif'));
    expect(await page.getByTestId('volume-info').innerText()).toContain('15×128×128');
    expect(await page.getByTestId('preset').inputValue()).toBe('fluorescence'); // a TIFF: microscopy

    await page.getByTestId('close-project').click();
    await page.getByTestId(`rename-${id}`).click();
    await page.getByTestId('rename-input').fill(PROJECT); // taken: refused, the form stays
    await page.getByTestId('rename-save').click();
    await expect.poll(async () => (await page.getByTestId('error').innerText().catch(() => ''))).toMatch(/already exists/);
    await page.getByTestId('rename-input').fill('Picked crop');
    await page.getByTestId('rename-save').click();
    await page.getByTestId('recent-Picked crop').waitFor();
    expect(onDisk()).toContain('Picked crop.lumen');
    expect(onDisk()).not.toContain(`${id}.lumen`);

    await page.getByTestId('delete-Picked crop').click();
    await page.getByTestId('delete-cancel').click(); // second thoughts: nothing happens
    expect(onDisk()).toContain('Picked crop.lumen');
    await page.getByTestId('delete-Picked crop').click();
    await shot('delete-confirm');
    await page.getByTestId('delete-confirm').click();
    await expect.poll(() => page.getByTestId('recent-Picked crop').count()).toBe(0);
    expect(onDisk()).not.toContain('Picked crop.lumen');
    expect(onDisk()).toContain(`${PROJECT}.lumen`);

    // a NIfTI opens with the MRI preset; the preset the user picks is kept for the project
    const mri = await readVolume(join(ROOT, '../shared/data/mri/inia19-t1-brain.nii.gz'));
    const [, H, W] = mri.shape, crop = new Float32Array(24 * 40 * 40);
    for (let z = 0; z < 24; z++) for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) crop[(z * 40 + y) * 40 + x] = Number(mri.data[((50 + z) * H + 80 + y) * W + 60 + x]);
    const niiPath = join(mkdtempSync(join(tmpdir(), 'lumen-e2e-nii-')), 'brain crop.nii');
    await writeVolume(niiPath, makeVolume([24, 40, 40, 1], 'float32', crop, mri.geometry));
    await page.getByTestId('file-picker').setInputFiles(niiPath);
    await page.getByTestId('canvas-z').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('preset').inputValue()).toBe('mri');
    await page.getByTestId('preset').selectOption('fluorescence');
    await page.getByTestId('close-project').click();
    await page.getByTestId('recent-list').getByText('brain crop', { exact: true }).click();
    await page.getByTestId('canvas-z').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('preset').inputValue()).toBe('fluorescence');

    // an OME-Zarr folder, picked as a folder: its files travel with their tree and open as one image
    await page.getByTestId('close-project').click();
    const zarrDir = join(mkdtempSync(join(tmpdir(), 'lumen-e2e-zarr-')), 'vessels.ome.zarr');
    await writeVolume(zarrDir, await readVolume(SAMPLE), { chunks: [4, 64, 64] });
    await page.getByTestId('folder-picker').setInputFiles(zarrDir);
    await page.getByTestId('canvas-z').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('volume-info').innerText()).toContain('vessels.ome.zarr · 15×128×128');
    expect(await page.getByTestId('project-name').innerText()).toBe('vessels.ome');
  }, 180_000);
});
