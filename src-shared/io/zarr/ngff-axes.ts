// Where t, c, z, y and x sit among an OME-Zarr array's dimensions, and what a level's scale means
// as Lumen Geometry. NGFF puts time first, then channel, then space (z, y, x); Lumen only needs
// the positions, so axes named or typed in any order that names them all are accepted.
import type { Geometry } from '../../volume.ts';
import { LumenError } from '../../errors.ts';
import { parseUnit } from '../spacing.ts';

export interface NgffAxis {
  name: string;
  type?: string;
  unit?: string;
}

/** Index of each axis in the array's dimensions; absent axes (no t, no c, no z) are undefined. */
export interface AxisLayout {
  t?: number;
  c?: number;
  z?: number;
  y: number;
  x: number;
  ndim: number;
}

/** Parses the `axes` list (0.4/0.5 objects, 0.3 plain names, or none: the 0.1/0.2 t,c,z,y,x tail). */
export function parseAxes(raw: unknown, ndim: number, where: string): NgffAxis[] {
  if (raw === undefined) return ['t', 'c', 'z', 'y', 'x'].slice(5 - ndim).map((name) => ({ name }));
  if (!Array.isArray(raw)) throw new LumenError('bad-input', `${where}: multiscales axes is not a list`);
  return raw.map((a) => {
    if (typeof a === 'string') return { name: a };
    if (a && typeof a === 'object' && typeof (a as NgffAxis).name === 'string') {
      const { name, type, unit } = a as NgffAxis;
      return { name, type: typeof type === 'string' ? type : undefined, unit: typeof unit === 'string' ? unit : undefined };
    }
    throw new LumenError('bad-input', `${where}: an axis in multiscales has no name`);
  });
}

export function axisLayout(axes: NgffAxis[], ndim: number, where: string): AxisLayout {
  if (axes.length !== ndim) throw new LumenError('bad-input', `${where}: multiscales lists ${axes.length} axes but the array has ${ndim} dimensions`);
  const layout: Partial<AxisLayout> = { ndim };
  const space: number[] = [];
  axes.forEach((a, i) => {
    const kind = a.type ?? ({ t: 'time', c: 'channel', z: 'space', y: 'space', x: 'space' } as Record<string, string>)[a.name.toLowerCase()];
    if (kind === 'time') layout.t = i;
    else if (kind === 'channel') layout.c = i;
    else if (kind === 'space') space.push(i);
    else throw new LumenError('unsupported', `${where}: the axis '${a.name}' (type ${a.type ?? 'none'}) is neither time, channel nor space`);
  });
  if (space.length < 2 || space.length > 3) throw new LumenError('unsupported', `${where}: ${space.length} spatial axes; Lumen reads images with 2 (y, x) or 3 (z, y, x)`);
  // by name when the axes are called z, y, x; otherwise the last spatial axis is x, as in NGFF
  const byName = (n: string) => space.find((i) => axes[i]!.name.toLowerCase() === n);
  const named = space.length === 3 ? [byName('z'), byName('y'), byName('x')] : [undefined, byName('y'), byName('x')];
  const complete = named.slice(3 - space.length).every((i) => i !== undefined);
  const [z, y, x] = complete ? named : space.length === 3 ? space : [undefined, ...space];
  return { ...layout, z, y: y!, x: x! } as AxisLayout;
}

export const NGFF_UNIT: Record<Geometry['unit'], string | undefined> = { um: 'micrometer', mm: 'millimeter', unknown: undefined };

/**
 * Voxel size along z, y, x from a level's scale (already combined with the multiscale-wide one).
 * Spatial axes with different units are brought to one (micrometers when they mix); a missing or
 * unknown unit on any of them leaves the numbers as written with unit 'unknown'.
 */
export function geometryFromScale(axes: NgffAxis[], layout: AxisLayout, scale: number[], where: string): Geometry {
  const pick = (i: number | undefined) => (i === undefined ? 1 : scale[i]!);
  const raw: [number, number, number] = [pick(layout.z), pick(layout.y), pick(layout.x)];
  if (!raw.every((v) => Number.isFinite(v) && v > 0)) throw new LumenError('bad-input', `${where}: the voxel size (scale) ${raw.join(', ')} is not positive`);
  const idx = [layout.z, layout.y, layout.x].filter((i): i is number => i !== undefined);
  const known = idx.map((i) => parseUnit(axes[i]!.unit));
  if (known.some((u) => u.unit === 'unknown')) return { spacing: raw, unit: 'unknown' };
  const unit = known.every((u) => u.unit === known[0]!.unit) ? known[0]!.unit : 'um';
  const toUnit = (i: number | undefined, v: number) => {
    if (i === undefined) return v; // a 2D image's depth: one voxel of the in-plane unit
    const u = parseUnit(axes[i]!.unit);
    return v * u.factor * (u.unit === unit ? 1 : unit === 'um' ? 1000 : 1e-3);
  };
  return { spacing: [toUnit(layout.z, raw[0]), toUnit(layout.y, raw[1]), toUnit(layout.x, raw[2])], unit };
}
