/// <reference lib="dom" />
// The e2e harness: Debian's chromium (installed with apt where missing), driven by playwright-core,
// against `npm run serve` started as a child process on a free port with its own projects folder.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const CHROMIUM = '/usr/bin/chromium';

/** apt-get install chromium once if it is missing (CI runs as root on a fresh machine). */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const sh = 'export DEBIAN_FRONTEND=noninteractive; (apt-get install -y -qq chromium || (apt-get update -qq && apt-get install -y -qq chromium)) >/dev/null 2>&1';
  const r = spawnSync('bash', ['-c', process.getuid?.() === 0 ? sh : `sudo -n bash -c '${sh}'`], { stdio: 'inherit', timeout: 600_000 });
  if (r.status !== 0 || !existsSync(CHROMIUM)) throw new Error('chromium is missing and `apt-get install chromium` failed');
}

/** A hash of everything the renderer bundle is built from: its sources, the shared code it imports, the build config, the locked dependencies. */
function rendererSourcesHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else { h.update(p); h.update(readFileSync(p)); }
    }
  };
  walk(join(ROOT, 'src-renderer'));
  walk(join(ROOT, 'src-shared'));
  for (const f of ['vite.config.ts', 'package-lock.json']) if (existsSync(join(ROOT, f))) h.update(readFileSync(join(ROOT, f)));
  return h.digest('hex');
}

/**
 * The renderer, built (vite build) so the server serves current sources; skipped when dist/renderer
 * was built from these very sources (the e2e files of one run share one build).
 */
export function buildRenderer(): void {
  const stamp = join(ROOT, 'dist/renderer/.sources-sha256');
  const hash = rendererSourcesHash();
  if (existsSync(join(ROOT, 'dist/renderer/index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
  if (r.status !== 0) throw new Error('vite build failed');
  writeFileSync(stamp, hash);
}

export interface Served { url: string; projects: string; child: ChildProcess; stop(): Promise<void> }

/** `effortScale` multiplies every effort's training steps (default 0.5: the app test's quick runs). */
export async function serve(projects = mkdtempSync(join(tmpdir(), 'lumen-e2e-projects-')), opts: { effortScale?: number } = {}): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src-main/server.ts'), '--port', '0', '--projects', projects, '--effort-scale', String(opts.effortScale ?? 0.5)], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  const url = await new Promise<string>((ok, bad) => {
    let out = '';
    const timer = setTimeout(() => bad(new Error(`the server did not start: ${stderr}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /Lumen is running at (\S+)/.exec(out);
      if (m) { clearTimeout(timer); ok(m[1]!); }
    });
    child.once('exit', (code) => { clearTimeout(timer); bad(new Error(`the server exited (${code}): ${stderr}`)); });
  });
  return {
    url, projects, child,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((ok) => setTimeout(ok, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

/** A fresh profile per launch (playwright passes it as --user-data-dir). */
export async function launch(viewport = { width: 1440, height: 900 }): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'lumen-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    acceptDownloads: true,
    args: [
      '--headless', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
  const page = context.pages()[0] ?? await context.newPage();
  return { context, page, async close() { await context.close(); rmSync(profile, { recursive: true, force: true }); } };
}

/** Drop a file onto the window the way a user's drag does: a DataTransfer holding a File. */
export async function dropFile(page: Page, name: string, bytes: Buffer): Promise<void> {
  const dt = await page.evaluateHandle(({ name, b64 }) => {
    const bin = atob(b64);
    const arr = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
    const d = new DataTransfer();
    d.items.add(new File([arr], name, { type: 'image/tiff' }));
    return d;
  }, { name, b64: bytes.toString('base64') });
  await page.dispatchEvent('body', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('body', 'drop', { dataTransfer: dt });
}

/**
 * What an element shows on screen as RGBA bytes: its screenshot, decoded in the page (WebGL
 * canvases cannot be read back directly, and the screenshot includes CSS transforms).
 */
export async function screenPixels(page: Page, locator: Locator): Promise<{ width: number; height: number; rgba: number[] }> {
  const png = (await locator.screenshot({ animations: 'disabled' })).toString('base64');
  return page.evaluate(async (data) => {
    const img = new Image();
    img.src = `data:image/png;base64,${data}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    return { width: c.width, height: c.height, rgba: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) };
  }, png);
}
