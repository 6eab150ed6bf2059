// Object ids of an instance layer: which exist, how many, the next free one, and the narrowest
// array that holds them for export (uint16 up to 65535, uint32 beyond).

import { LumenError } from '../errors.ts';
import { MAX_INSTANCE_ID, type InstanceLayer } from './instance-layer.ts';

/** The distinct non-zero ids, ascending. */
export function objectIds(ids: ArrayLike<number>): number[] {
  const seen = new Set<number>();
  let last = 0;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (v !== 0 && v !== last) { seen.add(v); last = v; }
  }
  return [...seen].sort((a, b) => a - b);
}

/** How many objects (distinct non-zero ids) the image holds. */
export function countObjects(ids: ArrayLike<number>): number {
  return objectIds(ids).length;
}

export function maxObjectId(ids: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i]! > m) m = ids[i]!;
  return m;
}

/**
 * The id a new object gets: one above the largest in use, so ids are never reused while the
 * older object exists; once the largest possible id is taken, the smallest unused one.
 */
export function nextInstanceId(layer: InstanceLayer): number {
  const max = maxObjectId(layer.ids);
  if (max < MAX_INSTANCE_ID) return max + 1;
  const used = objectIds(layer.ids);
  let expect = 1;
  for (const id of used) { if (id !== expect) break; expect++; }
  if (expect > MAX_INSTANCE_ID) throw new LumenError('too-large', `every object id up to ${MAX_INSTANCE_ID} is in use`);
  return expect;
}

/** The ids as uint16 when they fit (the usual label TIFF), else uint32. */
export function narrowInstanceIds(ids: Uint32Array): Uint16Array | Uint32Array {
  return maxObjectId(ids) <= 0xffff ? Uint16Array.from(ids) : ids;
}
