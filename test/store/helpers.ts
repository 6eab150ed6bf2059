// Temporary project files on the real disk, and byte fingerprints to prove a file untouched.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

export function tempDir(prefix = 'lumen-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove the folders tempDir made (call from afterAll). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Hash of the file plus the list of files next to it (to catch stray -wal/-shm). */
export function snapshot(path: string, dir: string): { hash: string; files: string[]; walExists: boolean } {
  return { hash: sha256(path), files: readdirSync(dir).sort(), walExists: existsSync(`${path}-wal`) };
}
