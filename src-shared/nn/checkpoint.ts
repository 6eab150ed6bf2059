// Named float32 tensors ↔ bytes: 'LMCK', u32 header length, JSON header, zero pad to 4, data.
// Used for training checkpoints (parameters + optimizer state + step) and weight snapshots.
import { LumenError } from '../errors.ts';

const MAGIC = 0x4b434d4c; // 'LMCK' little-endian

export interface NamedTensor { shape: number[]; data: Float32Array }

export function encodeTensors(tensors: ReadonlyMap<string, NamedTensor>, meta: Record<string, unknown> = {}): Uint8Array {
  let offset = 0;
  const entries = [...tensors].map(([name, t]) => {
    const e = { name, shape: t.shape, offset, length: t.data.length };
    offset += t.data.length;
    return e;
  });
  const header = new TextEncoder().encode(JSON.stringify({ version: 1, meta, entries }));
  const headerPadded = Math.ceil((8 + header.length) / 4) * 4;
  const out = new Uint8Array(headerPadded + offset * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  out.set(header, 8);
  const floats = new Float32Array(out.buffer, headerPadded, offset);
  for (const e of entries) floats.set(tensors.get(e.name)!.data, e.offset);
  return out;
}

export function decodeTensors(bytes: Uint8Array): { tensors: Map<string, NamedTensor>; meta: Record<string, unknown> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || view.getUint32(0, true) !== MAGIC) throw new LumenError('damaged', 'this is not a Lumen checkpoint');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) throw new LumenError('truncated', 'this checkpoint ends inside its header');
  let header: { meta: Record<string, unknown>; entries: { name: string; shape: number[]; offset: number; length: number }[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new LumenError('damaged', 'this checkpoint has an unreadable header');
  }
  const start = Math.ceil((8 + headerLength) / 4) * 4;
  const total = header.entries.reduce((n, e) => n + e.length, 0);
  if (start + total * 4 > bytes.length) throw new LumenError('truncated', 'this checkpoint ends before all its weights');
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + total * 4));
  const tensors = new Map<string, NamedTensor>();
  for (const e of header.entries) tensors.set(e.name, { shape: e.shape, data: floats.subarray(e.offset, e.offset + e.length) });
  return { tensors, meta: header.meta };
}
