// The OME-Zarr image group: which Zarr format it is stored in, its NGFF version and its
// multiscales (the pyramid levels and the scale of each). Read from the group's own JSON files
// (zarr.json for Zarr v3 / NGFF 0.5, .zgroup + .zattrs for Zarr v2 / NGFF 0.4 and older), so a
// folder that is not OME-Zarr is refused with a reason before any array is opened.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LumenError } from '../../errors.ts';

export interface NgffDataset {
  path: string;
  /** per array dimension, the multiscale-wide scale already applied */
  scale?: number[];
  translation?: number[];
}

export interface NgffGroup {
  zarrFormat: 2 | 3;
  /** '0.5', '0.4', … as the metadata says */
  version: string;
  /** the raw `axes` value (parsed later, once the array's dimension count is known) */
  axes: unknown;
  datasets: NgffDataset[];
  name?: string;
  /** every group attribute, as stored */
  attributes: Record<string, unknown>;
}

export function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LumenError('bad-input', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? e})`, { cause: e });
  }
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch { /* reported below */ }
  throw new LumenError('bad-input', `${file} is not valid JSON metadata`);
}

/** Is `dir` a Zarr hierarchy node (v3 zarr.json or v2 .zgroup/.zattrs/.zarray)? */
export function looksLikeZarr(dir: string): boolean {
  return ['zarr.json', '.zgroup', '.zattrs', '.zarray'].some((f) => existsSync(path.join(dir, f)));
}

export function readNgffGroup(dir: string): NgffGroup {
  let isDir = false;
  try { isDir = statSync(dir).isDirectory(); } catch { /* reported below */ }
  if (!isDir) throw new LumenError('bad-input', `${dir} does not exist or is not a folder`);
  const v3 = path.join(dir, 'zarr.json');
  let zarrFormat: 2 | 3;
  let attributes: Record<string, unknown>;
  if (existsSync(v3)) {
    const meta = readJson(v3);
    if (meta.node_type === 'array') throw new LumenError('bad-input', `${dir} is a single Zarr array, not an OME-Zarr image; open the image folder above it`);
    if (meta.zarr_format !== 3) throw new LumenError('unsupported', `${v3} has zarr_format ${String(meta.zarr_format)}; expected 3`);
    zarrFormat = 3;
    attributes = (meta.attributes as Record<string, unknown> | undefined) ?? {};
  } else if (existsSync(path.join(dir, '.zgroup')) || existsSync(path.join(dir, '.zattrs'))) {
    zarrFormat = 2;
    attributes = existsSync(path.join(dir, '.zattrs')) ? readJson(path.join(dir, '.zattrs')) : {};
  } else if (existsSync(path.join(dir, '.zarray'))) {
    throw new LumenError('bad-input', `${dir} is a single Zarr array, not an OME-Zarr image; open the image folder above it`);
  } else {
    throw new LumenError('bad-input', `${dir} is not an OME-Zarr image (no zarr.json, .zgroup or .zattrs in it)`);
  }
  // 0.5 keeps everything under attributes.ome; 0.4 and older at the top of .zattrs
  const ome = (zarrFormat === 3 ? attributes.ome : attributes) as Record<string, unknown> | undefined;
  const multiscales = ome?.multiscales;
  if (!Array.isArray(multiscales) || multiscales.length === 0) {
    const what = ome && Array.isArray(ome.series) ? ' (it is a bioformats2raw collection: open one of its numbered images)'
      : ome && ome.plate ? ' (it is a plate: open one of its images)' : '';
    throw new LumenError('bad-input', `${dir} is a Zarr group without OME-Zarr multiscales metadata${what}`);
  }
  const ms = multiscales[0] as Record<string, unknown>;
  const version = String((zarrFormat === 3 ? ome!.version : ms.version) ?? (zarrFormat === 3 ? '0.5' : '0.4'));
  if (!Array.isArray(ms.datasets) || ms.datasets.length === 0) throw new LumenError('bad-input', `${dir}: multiscales lists no datasets (pyramid levels)`);
  const global = transforms(ms.coordinateTransformations, dir);
  const datasets = ms.datasets.map((d: unknown, i: number) => {
    const ds = d as Record<string, unknown>;
    if (typeof ds?.path !== 'string') throw new LumenError('bad-input', `${dir}: multiscales dataset ${i} has no path`);
    const own = transforms(ds.coordinateTransformations, dir);
    return { path: ds.path, ...combine(own, global) };
  });
  return { zarrFormat, version, axes: ms.axes, datasets, name: typeof ms.name === 'string' ? ms.name : undefined, attributes };
}

interface Transform { scale?: number[]; translation?: number[] }

function transforms(raw: unknown, where: string): Transform {
  if (raw === undefined) return {};
  if (!Array.isArray(raw)) throw new LumenError('bad-input', `${where}: coordinateTransformations is not a list`);
  const out: Transform = {};
  for (const t of raw as Array<Record<string, unknown>>) {
    const nums = (v: unknown) => Array.isArray(v) && v.every((n) => typeof n === 'number') ? (v as number[]) : undefined;
    if (t?.type === 'scale') out.scale = nums(t.scale);
    else if (t?.type === 'translation') out.translation = nums(t.translation);
    else if (t?.type !== 'identity') throw new LumenError('unsupported', `${where}: the coordinate transformation '${String(t?.type)}' is not supported (only scale and translation)`);
  }
  return out;
}

/** A dataset's transform followed by the multiscale-wide one (NGFF applies them in that order). */
function combine(own: Transform, global: Transform): Transform {
  const scale = own.scale && global.scale ? own.scale.map((s, i) => s * (global.scale![i] ?? 1)) : own.scale ?? global.scale;
  let translation = own.translation;
  if (global.scale && translation) translation = translation.map((t, i) => t * (global.scale![i] ?? 1));
  if (global.translation) translation = (translation ?? global.translation.map(() => 0)).map((t, i) => t + global.translation![i]!);
  return { scale, translation };
}
