// The arrays Lumen writes: dimensions (c,) z, y, x with the channel axis in one chunk (so one
// chunk file holds every channel of a box), little-endian, gzip (v3) or zlib (v2), fill value 0,
// chunk keys with '/' separators. This file turns that layout into Zarr array metadata and back.
import path from 'node:path';
import type { DType } from '../../volume.ts';
import { LumenError } from '../../errors.ts';
import type { ChunkCompression } from './chunk-codec.ts';
import { readJson } from './ngff-group.ts';

export interface ArrayLayout {
  zarrFormat: 2 | 3;
  dtype: DType;
  channels: number;
  /** z, y, x */
  shape: [number, number, number];
  /** z, y, x */
  chunks: [number, number, number];
  compression: ChunkCompression;
}

const V2_TYPE: Record<DType, string> = {
  uint8: '|u1', int8: '|i1', uint16: '<u2', int16: '<i2', uint32: '<u4', int32: '<i4', float32: '<f4', float64: '<f8',
};

/** NGFF order: the channel axis first, and only when there is more than one channel. */
function dims(l: ArrayLayout): { shape: number[]; chunks: number[]; names: string[] } {
  const c = l.channels > 1;
  return {
    shape: c ? [l.channels, ...l.shape] : [...l.shape],
    chunks: c ? [l.channels, ...l.chunks] : [...l.chunks],
    names: c ? ['c', 'z', 'y', 'x'] : ['z', 'y', 'x'],
  };
}

/** The array's metadata file name and content. */
export function arrayMetadata(l: ArrayLayout): { file: string; json: Record<string, unknown> } {
  const d = dims(l);
  if (l.zarrFormat === 3) {
    const codecs: unknown[] = [{ name: 'bytes', configuration: { endian: 'little' } }];
    if (l.compression === 'gzip') codecs.push({ name: 'gzip', configuration: { level: 1 } });
    if (l.compression === 'zlib') throw new Error('zlib is not a Zarr v3 codec');
    return {
      file: 'zarr.json',
      json: {
        zarr_format: 3, node_type: 'array', shape: d.shape, data_type: l.dtype,
        chunk_grid: { name: 'regular', configuration: { chunk_shape: d.chunks } },
        chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
        fill_value: 0, codecs, dimension_names: d.names, attributes: {},
      },
    };
  }
  return {
    file: '.zarray',
    json: {
      zarr_format: 2, shape: d.shape, chunks: d.chunks, dtype: V2_TYPE[l.dtype],
      compressor: l.compression === 'raw' ? null : { id: l.compression, level: 1 },
      fill_value: 0, order: 'C', filters: null, dimension_separator: '/',
    },
  };
}

/** Path of chunk (iz, iy, ix) relative to the array folder. */
export function chunkPath(l: ArrayLayout, [iz, iy, ix]: [number, number, number]): string {
  const parts = [...(l.channels > 1 ? [0] : []), iz, iy, ix].map(String);
  return path.join(...(l.zarrFormat === 3 ? ['c', ...parts] : parts));
}

/** Reads back an array in the layout above (refusing others: those Lumen reads but does not extend). */
export function readArrayLayout(arrayDir: string, zarrFormat: 2 | 3, channelAxis: boolean): ArrayLayout {
  const file = path.join(arrayDir, zarrFormat === 3 ? 'zarr.json' : '.zarray');
  const m = readJson(file);
  const refuse = (why: string): never => { throw new LumenError('unsupported', `${file}: ${why}; Lumen writes only into arrays it laid out itself`); };
  let shape: number[], chunks: number[], dtype: DType | undefined, compression: ChunkCompression;
  if (zarrFormat === 3) {
    shape = m.shape as number[];
    chunks = (m.chunk_grid as { configuration?: { chunk_shape?: number[] } })?.configuration?.chunk_shape ?? refuse('no regular chunk grid');
    dtype = (Object.keys(V2_TYPE) as DType[]).find((t) => t === m.data_type);
    const enc = m.chunk_key_encoding as { name?: string; configuration?: { separator?: string } };
    if (enc?.name !== 'default' || (enc.configuration?.separator ?? '/') !== '/') refuse('chunk keys are not c/…/…');
    const names = ((m.codecs as Array<{ name: string; configuration?: { endian?: string } }>) ?? []).map((c) => c.name);
    const endian = (m.codecs as Array<{ name: string; configuration?: { endian?: string } }>)?.[0]?.configuration?.endian ?? 'little';
    if (names[0] !== 'bytes' || endian !== 'little' || names.length > 2 || (names[1] !== undefined && names[1] !== 'gzip')) refuse(`the codecs ${names.join(', ')} are not bytes + gzip`);
    compression = names[1] === 'gzip' ? 'gzip' : 'raw';
  } else {
    shape = m.shape as number[];
    chunks = m.chunks as number[];
    dtype = (Object.keys(V2_TYPE) as DType[]).find((t) => V2_TYPE[t] === m.dtype || V2_TYPE[t].replace('|', '<') === m.dtype);
    if (m.dimension_separator !== '/') refuse('chunk keys are not …/…/…');
    if (m.order !== 'C' || (Array.isArray(m.filters) && m.filters.length)) refuse('not C order without filters');
    const id = (m.compressor as { id?: string } | null)?.id;
    if (id !== undefined && id !== 'zlib' && id !== 'gzip') refuse(`the compressor ${id} is not zlib or gzip`);
    compression = (id ?? 'raw') as ChunkCompression;
  }
  if (!dtype) return refuse(`the data type ${String(m.data_type ?? m.dtype)} is not one Lumen writes`);
  const channels = channelAxis ? shape[0]! : 1;
  if (channelAxis && chunks[0] !== channels) refuse('the channels are split over several chunks');
  const zyx = (a: number[]) => a.slice(channelAxis ? 1 : 0) as [number, number, number];
  if (zyx(shape).length !== 3) refuse('the array is not (c,) z, y, x');
  return { zarrFormat, dtype, channels, shape: zyx(shape), chunks: zyx(chunks), compression };
}
