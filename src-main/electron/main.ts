// The Electron shell: one window, the renderer from dist/renderer over a private lumen:// scheme
// with a strict CSP, and the api.ts contract over IPC to the same LumenHost the WebSocket server
// uses. Thin on purpose: everything behind `lumen:call` is exercised through the browser transport
// in the tests, because the Electron binary cannot be downloaded on the build machines.
import { app, BrowserWindow, dialog, ipcMain, protocol, net, type IpcMainInvokeEvent } from 'electron';
import { statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LumenHost } from '../host/lumen-host.ts';
import { FileRegistry } from '../host/files.ts';
import { contentSecurityPolicy, ensureRendererBuilt, RENDERER_DIR } from '../server.ts';
import type { Download, HostEvent } from '../../src-shared/api.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PRELOAD = resolve(HERE, '../../dist/electron/preload.cjs');
const ORIGIN = 'lumen://app';

protocol.registerSchemesAsPrivileged([{ scheme: 'lumen', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function fromOurPage(e: IpcMainInvokeEvent): boolean {
  return (e.senderFrame?.url ?? '').startsWith(`${ORIGIN}/`);
}

async function main(): Promise<void> {
  await app.whenReady();
  ensureRendererBuilt();
  const files = new FileRegistry();
  const host = new LumenHost({ projectsDir: join(app.getPath('documents'), 'Lumen'), transport: 'electron', files });

  protocol.handle('lumen', async (req) => {
    const url = new URL(req.url);
    const rel = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
    const path = resolve(RENDERER_DIR, `.${rel}`);
    if (!path.startsWith(RENDERER_DIR + sep)) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(path).href);
    const headers = new Headers(res.headers);
    headers.set('content-security-policy', contentSecurityPolicy(null));
    return new Response(res.body, { status: res.status, headers });
  });

  ipcMain.handle('lumen:call', async (e, method: unknown, req: unknown) => {
    if (!fromOurPage(e)) return { ok: false, error: { code: 'forbidden', message: 'not from the Lumen window' } };
    try {
      return { ok: true, res: await host.call(method, req) };
    } catch (err) {
      return { ok: false, error: { code: (err as { code?: string }).code ?? 'internal', message: (err as Error).message } };
    }
  });
  // the preload turns a dropped/picked File into its path with webUtils.getPathForFile, which
  // only knows files the OS handed to this window; the page itself never sees or sends paths
  ipcMain.handle('lumen:registerFile', (e, path: unknown, relative: unknown) => {
    if (!fromOurPage(e) || typeof path !== 'string' || !path) throw new Error('not a dropped file');
    const st = statSync(path);
    if (!st.isFile()) throw new Error(`${basename(path)} is not a file`);
    // a file of a picked folder (an OME-Zarr) keeps its path below the folder's parent
    const inFolder = typeof relative === 'string' && relative.includes('/') && path.endsWith(`/${relative}`);
    return files.register(path, inFolder ? relative : basename(path), st.size);
  });
  ipcMain.handle('lumen:save', async (e, d: Download) => {
    if (!fromOurPage(e) || !(d?.bytes instanceof Uint8Array) || typeof d.fileName !== 'string') return;
    const r = await dialog.showSaveDialog({ defaultPath: basename(d.fileName) });
    if (!r.canceled && r.filePath) writeFileSync(r.filePath, d.bytes);
  });

  const win = new BrowserWindow({
    width: 1400, height: 900, title: 'Lumen', backgroundColor: '#111418',
    webPreferences: { preload: PRELOAD, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, spellcheck: false },
  });
  host.onEvent((ev: HostEvent) => { if (!win.isDestroyed()) win.webContents.send('lumen:event', ev); });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (ev, url) => { if (!url.startsWith(`${ORIGIN}/`)) ev.preventDefault(); });
  // a drop outside the page's handler would navigate to file://…: never
  win.webContents.session.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  await win.loadURL(`${ORIGIN}/index.html${process.argv.includes('--sample') ? '?sample=1' : ''}`);
  app.on('window-all-closed', () => { void host.close().finally(() => app.quit()); });
}

main().catch((e) => { console.error(e); app.exit(1); });
