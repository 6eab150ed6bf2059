// The files the user handed over. The renderer never names a path: a dropped or picked file is
// registered here (the server writes uploaded bytes into its session folder; Electron registers
// the path the OS gave the drop) and the renderer gets back an opaque handle. Services resolve
// handles here, so they can read only what the user chose.
import { randomBytes } from 'node:crypto';
import { LumenError } from '../../src-shared/errors.ts';
import type { FileHandle } from '../../src-shared/api.ts';

export class FileRegistry {
  private readonly files = new Map<string, { path: string; name: string; size: number }>();

  register(path: string, name: string, size: number): FileHandle {
    const handle = randomBytes(12).toString('hex');
    this.files.set(handle, { path, name, size });
    return { handle, name, size };
  }

  resolve(h: FileHandle): string {
    const f = this.files.get(h.handle);
    if (!f) throw new LumenError('bad-input', `${h.name} was not dropped or picked in this session; drop it again`);
    return f.path;
  }
}
