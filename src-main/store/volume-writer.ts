// Importing a volume slice by slice, for stacks too big to hold in memory or read by an
// async reader. The whole import is still ONE transaction (BEGIN at start, COMMIT at
// commit()), so a crash or an abort leaves no half volume; while it is open the store
// refuses other writes, because they would silently join this transaction.

import { LumenError } from '../../src-shared/errors.ts';
import type { TypedArray } from '../../src-shared/volume.ts';
import type { Sql } from './sql.ts';
import { insertVolumeRow, SlabSink, type AddVolumeOptions, type VolumeHeader } from './volume-table.ts';

export class VolumeWriter {
  readonly id: number;
  /** slices per stored slab: pushing multiples of this avoids extra copying */
  readonly slabDepth: number;
  private readonly sink: SlabSink;
  private state: 'open' | 'committed' | 'aborted' = 'open';

  /** Use ProjectStore.beginVolume. */
  constructor(private readonly sql: Sql, header: VolumeHeader, opts: Omit<AddVolumeOptions, 'mode' | 'path'>, private readonly onEnd: () => void) {
    sql.db.exec('BEGIN IMMEDIATE');
    try {
      const row = insertVolumeRow(sql, header, { ...opts, mode: 'embed' });
      this.id = row.id;
      this.slabDepth = row.slabDepth;
      this.sink = new SlabSink(sql, row.id, header, row.slabDepth);
    } catch (e) {
      sql.db.exec('ROLLBACK');
      throw e;
    }
  }

  get slicesWritten(): number { return this.sink.slices; }

  /** The next whole z-slices, in order (any number of them). */
  writeSlices(data: TypedArray): void {
    this.assertOpen();
    try {
      this.sink.push(data);
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Finish: all slices must have been written. Returns the volume id. */
  commit(): number {
    this.assertOpen();
    try {
      this.sink.finish();
    } catch (e) {
      this.abort();
      throw e;
    }
    this.sql.db.exec('COMMIT');
    this.state = 'committed';
    this.onEnd();
    return this.id;
  }

  /** Drop everything written so far. Safe to call twice or after a failed write. */
  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    if (this.sql.db.inTransaction) this.sql.db.exec('ROLLBACK');
    this.onEnd();
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new LumenError('bad-input', `the volume import was already ${this.state}`);
  }
}
