// Decide whether a file is a healthy Lumen project before opening it for writing.
//
// Order matters: first the raw 100-byte header (no SQLite involved, so a foreign file is
// never touched, not even by a -wal/-shm beside it), then a read-only SQLite connection
// for PRAGMA quick_check and the meta table. Only a file that passes all of it is opened
// read-write. Every refusal is a LumenError whose message says what is wrong in plain words.

import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync, unlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { LumenError } from '../../src-shared/errors.ts';
import { LUMEN_APPLICATION_ID, PROJECT_MAGIC, SCHEMA_VERSION } from './format.ts';

const SQLITE_MAGIC = 'SQLite format 3\u0000';

export interface HeaderFacts {
  pageSize: number;
  applicationId: number;
  userVersion: number;
}

function hasWalContent(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0;
  } catch {
    return false;
  }
}

function readHeader(path: string): { bytes: Buffer; size: number } {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new LumenError('bad-input', `there is no project at ${path}`);
  }
  if (!st.isFile()) throw new LumenError('not-a-project', `${basename(path)} is not a Lumen project (it is not a file)`);
  const bytes = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, bytes, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  return { bytes, size: st.size };
}

/** Header-only checks; throws not-a-project, newer-schema or damaged. */
export function checkHeader(path: string): HeaderFacts {
  const name = basename(path);
  const { bytes, size } = readHeader(path);
  if (size < 100 || bytes.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new LumenError('not-a-project', `${name} is not a Lumen project (it is not a database file, or its first bytes are damaged)`);
  }
  const applicationId = bytes.readUInt32BE(68);
  if (applicationId !== LUMEN_APPLICATION_ID) {
    throw new LumenError('not-a-project', `${name} is an SQLite database but not a Lumen project`);
  }
  const userVersion = bytes.readUInt32BE(60);
  if (userVersion > SCHEMA_VERSION) {
    throw new LumenError('newer-schema', `${name} was saved by a newer Lumen (project format ${userVersion}; this version reads up to ${SCHEMA_VERSION}). Update Lumen to open it.`);
  }
  const rawPageSize = bytes.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    throw new LumenError('damaged', `${name} is damaged (its header names an impossible page size)`);
  }
  // The header's page count is trustworthy when its "valid-for" stamp matches the change
  // counter; a file shorter than that count has lost its end. Not so while a -wal file
  // with content sits beside it: a checkpoint killed half-way writes page 1 (with the new
  // count) before the pages that extend the file, and SQLite recovers that from the WAL.
  const pageCount = bytes.readUInt32BE(28);
  const countValid = bytes.readUInt32BE(92) === bytes.readUInt32BE(24);
  if (size % pageSize !== 0 || (countValid && size < pageCount * pageSize && !hasWalContent(path))) {
    throw new LumenError('damaged', `${name} is damaged: the file is truncated (${size} bytes, expected ${countValid ? pageCount * pageSize : 'a whole number of pages'})`);
  }
  return { pageSize, applicationId, userVersion };
}

function sqliteDamage(name: string, e: unknown): LumenError {
  const code = (e as { code?: string }).code ?? '';
  const why = code.startsWith('SQLITE_CORRUPT') ? 'its internal structure is corrupt'
    : code === 'SQLITE_NOTADB' ? 'its pages are not valid database pages'
    : code.startsWith('SQLITE_IOERR') ? 'it could not be read from disk'
    : (e as Error).message;
  return new LumenError('damaged', `${name} is damaged and cannot be opened: ${why} (${code || 'error'})`, { cause: e });
}

/**
 * Full read-only check: header, then quick_check and the meta table. Leaves no -wal/-shm
 * behind when it refuses the file (a read-only SQLite connection creates them for WAL
 * files and cannot remove them).
 */
export function checkProjectFile(path: string): HeaderFacts {
  const facts = checkHeader(path);
  const name = basename(path);
  const sidecars = [`${path}-wal`, `${path}-shm`].filter((p) => !existsSync(p));
  let db: Database.Database | undefined;
  let ok = false;
  try {
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      const rows = db.pragma('quick_check(20)') as { quick_check: string }[];
      const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
      if (problems.length > 0) {
        throw new LumenError('damaged', `${name} is damaged: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ' …' : ''}`);
      }
    } catch (e) {
      if (e instanceof LumenError) throw e;
      throw sqliteDamage(name, e);
    }
    // The raw header shows the main file only; committed but not yet checkpointed
    // transactions live in the -wal. Ask SQLite again, through the WAL.
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if ((appId >>> 0) !== LUMEN_APPLICATION_ID) throw new LumenError('not-a-project', `${name} is an SQLite database but not a Lumen project`);
    if (version > SCHEMA_VERSION) {
      throw new LumenError('newer-schema', `${name} was saved by a newer Lumen (project format ${version}; this version reads up to ${SCHEMA_VERSION}). Update Lumen to open it.`);
    }
    let magic: string | undefined;
    try {
      magic = (db.prepare("SELECT value FROM meta WHERE key = 'magic'").get() as { value: string } | undefined)?.value;
    } catch (e) {
      throw new LumenError('damaged', `${name} carries the Lumen mark but its project tables are missing`, { cause: e });
    }
    if (magic !== PROJECT_MAGIC) throw new LumenError('damaged', `${name} carries the Lumen mark but its project tables are missing`);
    ok = true;
    return facts;
  } finally {
    db?.close();
    if (!ok) {
      for (const p of sidecars) {
        try { if (existsSync(p)) unlinkSync(p); } catch { /* best effort: only files this check created */ }
      }
    }
  }
}
