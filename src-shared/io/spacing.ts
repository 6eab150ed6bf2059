// Voxel sizes come from free-text headers that are often wrong; every reader funnels them
// through here so a zero, negative or NaN size is reported instead of silently breaking
// distance-based code (smoothing, scale bars) downstream.
import type { Geometry } from '../volume.ts';
import { LumenError } from '../errors.ts';

const AXES = ['z', 'y', 'x'] as const;

export function checkSpacing(spacing: [number, number, number], where: string): [number, number, number] {
  // x first: a bad in-plane size is the root cause when z was derived from it
  [2, 1, 0].forEach((i) => {
    const s = spacing[i]!;
    if (!Number.isFinite(s) || s <= 0) {
      throw new LumenError('bad-input', `${where} gives the voxel size along ${AXES[i]} as ${s}; a voxel size must be a positive number (fix the header, e.g. Image › Properties in Fiji)`);
    }
  });
  return spacing;
}

/** Converts a length unit name found in a header to Lumen's units, with the factor to apply. */
export function parseUnit(name: string | undefined): { unit: Geometry['unit']; factor: number } {
  if (!name) return { unit: 'unknown', factor: 1 };
  const n = name.trim().toLowerCase().replace(/\\u00b5/g, 'µ').replace(/μ/g, 'µ');
  if (['micron', 'microns', 'um', 'µm', 'micrometer', 'micrometre', 'micrometers'].includes(n)) return { unit: 'um', factor: 1 };
  if (['mm', 'millimeter', 'millimetre', 'millimeters'].includes(n)) return { unit: 'mm', factor: 1 };
  if (['nm', 'nanometer', 'nanometre', 'nanometers'].includes(n)) return { unit: 'um', factor: 1e-3 };
  if (['cm', 'centimeter', 'centimetre'].includes(n)) return { unit: 'mm', factor: 10 };
  if (['m', 'meter', 'metre'].includes(n)) return { unit: 'mm', factor: 1e3 };
  return { unit: 'unknown', factor: 1 };
}
