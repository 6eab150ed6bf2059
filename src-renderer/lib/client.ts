// The renderer's side of api.ts: one LumenClient per window. In Electron the preload exposes
// `window.lumenIpc` (contextBridge); in a browser the page talks to the local server over a
// WebSocket, authenticated by the token in its URL.
import { decodeFrame, encodeFrame, type Download, type FileHandle, type HostEvent, type LumenClient, type Method, type Req, type Res } from '../../src-shared/api.ts';

export class ApiCallError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

interface IpcBridge {
  call(method: string, req: unknown): Promise<{ ok: true; res: unknown } | { ok: false; error: { code: string; message: string } }>;
  onEvent(fn: (e: HostEvent) => void): () => void;
  registerFile(file: File): Promise<FileHandle>;
  save(d: Download): Promise<void>;
}

declare global {
  interface Window { lumenIpc?: IpcBridge }
}

function saveInBrowser(d: Download): void {
  const blob = new Blob([d.bytes! as BlobPart], { type: 'application/octet-stream' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = d.fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function ipcClient(bridge: IpcBridge): LumenClient {
  return {
    async call<M extends Method>(method: M, req: Req<M>): Promise<Res<M>> {
      const r = await bridge.call(method, req);
      if (!r.ok) throw new ApiCallError(r.error.code, r.error.message);
      return r.res as Res<M>;
    },
    onEvent: (fn) => bridge.onEvent(fn),
    sendFile: (file) => bridge.registerFile(file),
    save: (d) => { void bridge.save(d); },
  };
}

export function wsClient(base: URL, token: string): LumenClient {
  const listeners = new Set<(e: HostEvent) => void>();
  const pending = new Map<number, { ok: (v: unknown) => void; bad: (e: Error) => void }>();
  let next = 1;
  let ws: WebSocket;
  let ready: Promise<void>;
  const connect = () => {
    ws = new WebSocket(`${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/ws?token=${encodeURIComponent(token)}`);
    ws.binaryType = 'arraybuffer';
    ready = new Promise((ok, bad) => {
      ws.onopen = () => ok();
      ws.onerror = () => bad(new ApiCallError('offline', 'cannot reach the Lumen server; is `npm run serve` still running?'));
    });
    ws.onmessage = (ev) => {
      const msg = decodeFrame(new Uint8Array(ev.data as ArrayBuffer)) as { id?: number; ok?: boolean; res?: unknown; error?: { code: string; message: string }; event?: HostEvent };
      if (msg.event) { for (const fn of listeners) fn(msg.event); return; }
      const p = pending.get(msg.id!);
      if (!p) return;
      pending.delete(msg.id!);
      if (msg.ok) p.ok(msg.res);
      else p.bad(new ApiCallError(msg.error!.code, msg.error!.message));
    };
    ws.onclose = () => {
      for (const p of pending.values()) p.bad(new ApiCallError('offline', 'the connection to the Lumen server was lost'));
      pending.clear();
    };
  };
  connect();
  return {
    async call<M extends Method>(method: M, req: Req<M>): Promise<Res<M>> {
      await ready;
      if (ws.readyState !== WebSocket.OPEN) throw new ApiCallError('offline', 'the connection to the Lumen server was lost; reload the page');
      const id = next++;
      return new Promise<Res<M>>((ok, bad) => {
        pending.set(id, { ok: ok as (v: unknown) => void, bad });
        ws.send(encodeFrame({ id, method, req }));
      });
    },
    onEvent(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    sendFile(file, onProgress, batch) {
      // XMLHttpRequest, not fetch: it reports upload progress
      return new Promise<FileHandle>((ok, bad) => {
        const xhr = new XMLHttpRequest();
        const inFolder = batch && file.webkitRelativePath ? `&batch=${batch}&path=${encodeURIComponent(file.webkitRelativePath)}` : '';
        xhr.open('POST', `/upload?token=${encodeURIComponent(token)}&name=${encodeURIComponent(file.name)}${inFolder}`);
        xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.total);
        xhr.onload = () => (xhr.status === 200 ? ok(JSON.parse(xhr.responseText) as FileHandle) : bad(new ApiCallError('upload', `${file.name} could not be sent: ${xhr.responseText}`)));
        xhr.onerror = () => bad(new ApiCallError('upload', `${file.name} could not be sent to the Lumen server`));
        xhr.send(file);
      });
    },
    save: saveInBrowser,
  };
}

export function createClient(): LumenClient {
  if (window.lumenIpc) return ipcClient(window.lumenIpc);
  const url = new URL(location.href);
  return wsClient(url, url.searchParams.get('token') ?? '');
}
