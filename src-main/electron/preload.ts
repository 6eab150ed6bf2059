// Preload (sandboxed, context-isolated): exposes exactly the LumenClient bridge, nothing of Node.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';

contextBridge.exposeInMainWorld('lumenIpc', {
  call: (method: string, req: unknown) => ipcRenderer.invoke('lumen:call', method, req),
  onEvent: (fn: (e: unknown) => void) => {
    const l = (_e: IpcRendererEvent, ev: unknown) => fn(ev);
    ipcRenderer.on('lumen:event', l);
    return () => { ipcRenderer.off('lumen:event', l); };
  },
  registerFile: (file: File) => ipcRenderer.invoke('lumen:registerFile', webUtils.getPathForFile(file), file.webkitRelativePath),
  save: (d: unknown) => ipcRenderer.invoke('lumen:save', d),
});
