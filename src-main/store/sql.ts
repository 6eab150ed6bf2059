// A thin layer over better-sqlite3: cached prepared statements and one way to run a
// transaction. Every mutating store method goes through `tx`, which is BEGIN IMMEDIATE
// (take the write lock up front, so a transaction never fails half-way on lock upgrade)
// and rolls back on any throw: one user action = one transaction = all or nothing.

import type Database from 'better-sqlite3';

export class Sql {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) this.cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  run(sql: string, ...params: unknown[]): Database.RunResult {
    return this.stmt(sql).run(...params);
  }

  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.stmt(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.stmt(sql).all(...params) as T[];
  }

  tx<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn(); // nested: part of the caller's transaction
    return this.db.transaction(fn).immediate();
  }
}

export function now(): string {
  return new Date().toISOString();
}

/** better-sqlite3 hands blobs back as Buffers; callers get plain Uint8Arrays. */
export function asBytes(b: Buffer | Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function parseJson<T>(text: string | null | undefined): T | undefined {
  return text == null ? undefined : (JSON.parse(text) as T);
}
