// Browser mode: serves the renderer (dist/renderer) and the api.ts contract over a WebSocket, on
// 127.0.0.1 only, with a random token per session. The same LumenHost runs behind Electron's IPC.
//
// Security, in the order a request meets it:
// - the socket is bound to 127.0.0.1; Host must be 127.0.0.1:PORT or localhost:PORT (DNS rebinding);
// - the WebSocket and the upload endpoint need the session token (in the URL the server prints)
//   and a same-origin Origin header, so another web page in the user's browser cannot talk to it;
// - every message is decoded and checked against REQUEST_SCHEMAS before a service runs;
// - files: the browser cannot give a path, so a dropped file's bytes are POSTed to /upload and
//   land in this session's scratch folder; the host then knows it only by the handle it returned.
//   Nothing else on disk is reachable from the page.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { extname, join, resolve, sep, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeFrame, encodeFrame, type HostEvent } from '../src-shared/api.ts';
import { ApiFailure, LumenHost } from './host/lumen-host.ts';
import { FileRegistry } from './host/files.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
export const RENDERER_DIR = join(ROOT, 'dist/renderer');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.wasm': 'application/wasm', '.ico': 'image/x-icon',
};

export interface ServerOptions {
  port?: number;
  projectsDir?: string;
  rendererDir?: string;
  /** ORT threads for training/inference workers */
  threads?: number;
  /** see HostOptions.effortScale */
  effortScale?: number;
  log?: (line: string) => void;
}

export interface RunningServer { url: string; port: number; token: string; host: LumenHost; close(): Promise<void> }

/** The strict CSP for the page (the Electron shell sets the same). */
export function contentSecurityPolicy(port: number | null): string {
  const ws = port ? ` ws://127.0.0.1:${port} ws://localhost:${port}` : '';
  return [
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
    `connect-src 'self'${ws}`, "worker-src 'self' blob:", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'none'",
  ].join('; ');
}

export function ensureRendererBuilt(dir = RENDERER_DIR, log: (l: string) => void = () => {}): void {
  if (existsSync(join(dir, 'index.html'))) return;
  log('building the renderer (first run)…');
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('vite build failed');
}

export async function startServer(o: ServerOptions = {}): Promise<RunningServer> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const rendererDir = o.rendererDir ?? RENDERER_DIR;
  ensureRendererBuilt(rendererDir, log);
  const token = randomBytes(18).toString('base64url');
  const uploads = mkdtempSync(join(tmpdir(), 'lumen-uploads-'));
  const files = new FileRegistry();
  const host = new LumenHost({ projectsDir: o.projectsDir ?? join(homedir(), 'Lumen'), transport: 'websocket', files, ...(o.threads ? { threads: o.threads } : {}), ...(o.effortScale ? { effortScale: o.effortScale } : {}) });
  let port = 0;
  let uploadCount = 0;

  const hostOk = (req: IncomingMessage) => req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  const originOk = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
  };
  const tokenOk = (url: URL) => url.searchParams.get('token') === token;

  const fail = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(message);
  };

  const server = createServer((req, res) => {
    void (async () => {
      if (!hostOk(req)) return fail(res, 403, 'forbidden host');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      if (url.pathname === '/upload' && req.method === 'POST') {
        if (!tokenOk(url) || !originOk(req)) return fail(res, 403, 'forbidden');
        // one file, or a file of a picked folder (an OME-Zarr): `path` relative to the folder's
        // parent, the same `batch` for all of the folder's files so they land in one tree
        const relative = folderUploadPath(url.searchParams.get('path'), url.searchParams.get('batch'));
        if (relative === null) return fail(res, 400, 'bad folder path');
        const name = relative ? relative.path : (url.searchParams.get('name') ?? 'file').replace(/[\\/]/g, '_').slice(0, 200) || 'file';
        const dir = relative ? join(uploads, `batch-${relative.batch}`, dirname(relative.path)) : join(uploads, String(++uploadCount));
        mkdirSync(dir, { recursive: true });
        const path = relative ? join(uploads, `batch-${relative.batch}`, relative.path) : join(dir, name.startsWith('.') ? `_${name}` : name);
        try {
          await pipeline(req, createWriteStream(path));
        } catch {
          rmSync(dir, { recursive: true, force: true });
          return fail(res, 400, 'upload interrupted');
        }
        const handle = files.register(path, name, statSync(path).size);
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(handle));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'method not allowed');
      let rel = decodeURIComponent(url.pathname);
      if (rel === '/') rel = '/index.html';
      const path = resolve(rendererDir, `.${rel}`);
      if (!path.startsWith(rendererDir + sep) || !existsSync(path) || !statSync(path).isFile()) return fail(res, 404, 'not found');
      res.writeHead(200, {
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        'content-security-policy': contentSecurityPolicy(port),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      createReadStream(path).pipe(res);
    })().catch((e) => fail(res, 500, (e as Error).message));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 << 20 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname !== '/ws' || !hostOk(req) || !originOk(req) || !tokenOk(url)) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const broadcast = (e: HostEvent) => { const f = encodeFrame({ event: e }); for (const s of sockets) s.send(f); };
  host.onEvent(broadcast);
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data, isBinary) => {
      let id: unknown = null;
      void (async () => {
        if (!isBinary) throw new ApiFailure('bad-request', 'messages must be binary frames');
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        let msg: { id?: unknown; method?: unknown; req?: unknown };
        try { msg = decodeFrame(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)) as typeof msg; } catch { throw new ApiFailure('bad-request', 'unreadable message'); }
        if (typeof msg !== 'object' || msg === null || !Number.isSafeInteger(msg.id)) throw new ApiFailure('bad-request', 'a message needs a numeric id');
        id = msg.id;
        const res = await host.call(msg.method, msg.req);
        ws.send(encodeFrame({ id, ok: true, res }));
      })().catch((e) => {
        const err = e instanceof ApiFailure ? { code: e.code, message: e.message } : { code: 'internal', message: (e as Error).message };
        if (ws.readyState === ws.OPEN) ws.send(encodeFrame({ id, ok: false, error: err }));
      });
    });
  });

  await new Promise<void>((ok, bad) => {
    server.once('error', bad);
    server.listen(o.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  return {
    url, port, token, host,
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections?.();
      await host.close();
      rmSync(uploads, { recursive: true, force: true });
    },
  };
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `npm run serve [-- --port N --projects DIR --effort-scale F --sample]` */
export async function main(argv = process.argv.slice(2)): Promise<RunningServer> {
  const port = Number(argValue(argv, 'port') ?? process.env.LUMEN_PORT ?? 5178);
  const projectsDir = argValue(argv, 'projects') ?? process.env.LUMEN_PROJECTS ?? join(homedir(), 'Lumen');
  const effortScale = Number(argValue(argv, 'effort-scale') ?? 1);
  if (!(effortScale > 0)) throw new Error('--effort-scale must be a positive number');
  let s: RunningServer;
  try {
    s = await startServer({ port, projectsDir, effortScale });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    s = await startServer({ port: 0, projectsDir, effortScale });
  }
  const sample = argv.includes('--sample') ? '&sample=1' : '';
  // one parseable line on stdout: tests and scripts read the URL from it
  console.log(`Lumen is running at ${s.url}${sample}`);
  process.stderr.write(`projects folder: ${projectsDir}  (Ctrl+C to stop)\n`);
  const stop = () => { void s.close().finally(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return s;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(`lumen serve: ${(e as Error).message}`); process.exit(1); });
}

/**
 * The relative path of a folder upload, checked: segments of letters, digits and . _ - (zarr's
 * `.zarray` included) but never `.` or `..`, at most 16 deep; a batch id of 8–64 letters and
 * digits. undefined for a plain file upload, null for a bad one.
 */
function folderUploadPath(path: string | null, batch: string | null): { path: string; batch: string } | undefined | null {
  if (path === null && batch === null) return undefined;
  if (!path || !batch || !/^[A-Za-z0-9]{8,64}$/.test(batch)) return null;
  const parts = path.split('/');
  if (parts.length > 16 || parts.some((p) => !/^[A-Za-z0-9._ ()-]{1,200}$/.test(p) || p === '.' || p === '..')) return null;
  return { path: parts.join('/'), batch };
}
