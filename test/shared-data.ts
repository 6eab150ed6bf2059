// Where the real data lives: ../shared/data beside the project root (read-only, never copied).
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_DATA = resolve(PROJECT_ROOT, '../shared/data');
export const dataPath = (...parts: string[]) => resolve(SHARED_DATA, ...parts);
