// Temporary project files on the real disk, and byte fingerprints to prove a file untouched.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'lumen-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Hash of the file plus the list of files next to it (to catch stray -wal/-shm). */
export function snapshot(path: string, dir: string): { hash: string; files: string[]; walExists: boolean } {
  return { hash: sha256(path), files: readdirSync(dir).sort(), walExists: existsSync(`${path}-wal`) };
}
