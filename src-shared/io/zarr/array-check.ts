// What an array's own metadata says before zarrita opens it: its voxel type as a Lumen dtype, that
// every codec it names is one Lumen can decode, and how its chunk keys are spelled (to name a bad
// chunk in an error). Checked at open, so `lumen info` already refuses what reading would.
import path from 'node:path';
import { registry } from 'zarrita';
import type { DType } from '../../volume.ts';
import { LumenError } from '../../errors.ts';
import { readJson } from './ngff-group.ts';

export interface ArrayFacts {
  /** the dtype Lumen hands out (bool becomes uint8) */
  dtype: DType;
  /** the chunk's key relative to the array folder, e.g. c/0/1/2 (v3) or 0.1.2 / 0/1/2 (v2) */
  chunkKey: (coords: number[]) => string;
  codecs: string[];
}

const V2_DTYPES: Record<string, DType> = {
  b1: 'uint8', u1: 'uint8', i1: 'int8', u2: 'uint16', i2: 'int16', u4: 'uint32', i4: 'int32', f4: 'float32', f8: 'float64',
};
const V3_DTYPES: Record<string, DType> = {
  bool: 'uint8', uint8: 'uint8', int8: 'int8', uint16: 'uint16', int16: 'int16', uint32: 'uint32', int32: 'int32', float32: 'float32', float64: 'float64',
};

export function checkArray(arrayDir: string, zarrFormat: 2 | 3): ArrayFacts {
  const file = path.join(arrayDir, zarrFormat === 3 ? 'zarr.json' : '.zarray');
  const meta = readJson(file);
  let dtype: DType | undefined;
  let rawType: string;
  let codecs: string[];
  let chunkKey: (c: number[]) => string;
  if (zarrFormat === 3) {
    if (meta.node_type !== 'array') throw new LumenError('bad-input', `${file} does not describe an array`);
    rawType = String(meta.data_type);
    dtype = V3_DTYPES[rawType];
    codecs = collectV3Codecs(meta.codecs);
    const enc = meta.chunk_key_encoding as { name?: string; configuration?: { separator?: string } } | undefined;
    const sep = enc?.configuration?.separator ?? (enc?.name === 'v2' ? '.' : '/');
    chunkKey = enc?.name === 'v2' ? (c) => (c.length ? c.join(sep) : '0') : (c) => ['c', ...c].join(sep);
  } else {
    rawType = String(meta.dtype);
    dtype = V2_DTYPES[rawType.slice(1)];
    const compressor = meta.compressor as { id?: string } | null | undefined;
    const filters = (meta.filters as Array<{ id?: string }> | null | undefined) ?? [];
    codecs = [...filters.map((f) => f?.id), compressor?.id].filter((c): c is string => !!c).map((c) => `numcodecs.${c}`);
    const sep = typeof meta.dimension_separator === 'string' ? meta.dimension_separator : '.';
    chunkKey = (c) => c.join(sep);
  }
  if (!dtype) throw new LumenError('unsupported', `${file} stores ${rawType} voxels; Lumen reads 8/16/32-bit integers, float32, float64 and bool`);
  for (const c of codecs) {
    if (!registry.has(c)) throw new LumenError('unsupported', `${file} uses the codec '${c.replace(/^numcodecs\./, '')}', which Lumen cannot decode`);
  }
  return { dtype, chunkKey, codecs };
}

/** Codec names of a v3 array, including those inside a sharding codec. */
function collectV3Codecs(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const out: string[] = [];
  for (const c of raw as Array<{ name?: string; configuration?: { codecs?: unknown; index_codecs?: unknown } }>) {
    if (!c?.name) continue;
    if (c.name === 'sharding_indexed') out.push(...collectV3Codecs(c.configuration?.codecs), ...collectV3Codecs(c.configuration?.index_codecs));
    else out.push(c.name);
  }
  return out;
}
