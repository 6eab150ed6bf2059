// Voxel size and page layout from the two conventions microscopists actually produce:
// ImageJ/Fiji (key=value lines in ImageDescription plus X/YResolution) and OME-TIFF (XML in
// ImageDescription). Plain TIFF resolution in inches is a print setting, not a voxel size,
// so it is ignored.
import type { Geometry } from '../volume.ts';
import { checkSpacing, parseUnit } from './spacing.ts';
import { TAG, num, text, type Ifd } from './tiff-ifd.ts';

export interface TiffLayout {
  geometry: Geometry;
  /** separate channels stored as separate pages (ImageJ hyperstacks, OME multi-channel) */
  pageChannels: number;
  /** page index of (z, c) */
  pageOf: (z: number, c: number) => number;
  /** ImageJ's own >4 GB trick: one directory, `images=N` pages stored back to back */
  imagejImages?: number;
  convention: 'imagej' | 'ome' | 'plain';
  /** how many pages the metadata promises, to word 'ends at slice k of N' */
  promisedPages?: number;
}

export function parseImageJ(desc: string | undefined): Map<string, string> | undefined {
  if (!desc || !desc.startsWith('ImageJ=')) return undefined;
  const m = new Map<string, string>();
  for (const line of desc.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) m.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return m;
}

function xmlAttr(xml: string, element: string, attr: string): string | undefined {
  const el = new RegExp(`<(?:\\w+:)?${element}\\b([^>]*)>`).exec(xml);
  if (!el) return undefined;
  const a = new RegExp(`\\b${attr}\\s*=\\s*"([^"]*)"`).exec(el[1]!);
  return a?.[1];
}

export function tiffLayout(first: Ifd, pages: number, where: string): TiffLayout {
  const desc = text(first, TAG.ImageDescription);
  const ij = parseImageJ(desc);
  const xres = num(first, TAG.XResolution, NaN);
  const yres = num(first, TAG.YResolution, NaN);
  const resUnit = num(first, TAG.ResolutionUnit, 2);
  const identity = (z: number, c: number) => z + c;

  if (ij) {
    const { unit, factor } = parseUnit(ij.get('unit'));
    const hasRes = Number.isFinite(xres) || Number.isFinite(yres) || first.tags.has(TAG.XResolution);
    const sx = hasRes ? factor / (first.tags.has(TAG.XResolution) ? xres : yres) : 1;
    const sy = hasRes ? factor / (first.tags.has(TAG.YResolution) ? yres : xres) : 1;
    const sz = ij.has('spacing') ? Number(ij.get('spacing')) * factor : sx;
    const spacing = checkSpacing([sz, sy, sx], `the ImageJ metadata of ${where}`);
    const channels = Math.max(1, Math.floor(Number(ij.get('channels') ?? 1)) || 1);
    const images = Math.floor(Number(ij.get('images') ?? pages)) || pages;
    const layout: TiffLayout = {
      geometry: { spacing, unit: hasRes || ij.has('spacing') ? unit : 'unknown' },
      pageChannels: 1, pageOf: identity, convention: 'imagej', promisedPages: images,
    };
    if (images > pages && pages === 1) layout.imagejImages = images;
    const total = layout.imagejImages ?? pages;
    // ImageJ hyperstack order is c fastest, then z, then t; we fold t into z.
    if (channels > 1 && total % channels === 0) {
      layout.pageChannels = channels;
      layout.pageOf = (z, c) => z * channels + c;
    }
    return layout;
  }

  if (desc && /<(\w+:)?OME\b/.test(desc)) {
    const px = (axis: string) => {
      const v = xmlAttr(desc, 'Pixels', `PhysicalSize${axis}`);
      if (v === undefined) return undefined;
      const { unit, factor } = parseUnit(xmlAttr(desc, 'Pixels', `PhysicalSize${axis}Unit`) ?? 'µm');
      return { value: Number(v) * factor, unit };
    };
    const x = px('X'), y = px('Y'), z = px('Z');
    const sx = x?.value ?? 1, sy = y?.value ?? sx, sz = z?.value ?? sx;
    const unit = x?.unit ?? y?.unit ?? z?.unit ?? 'unknown';
    const spacing = checkSpacing([sz, sy, sx], `the OME metadata of ${where}`);
    const sizeC = Number(xmlAttr(desc, 'Pixels', 'SizeC') ?? 1);
    const sizeZ = Number(xmlAttr(desc, 'Pixels', 'SizeZ') ?? 1);
    const sizeT = Number(xmlAttr(desc, 'Pixels', 'SizeT') ?? 1);
    const order = (xmlAttr(desc, 'Pixels', 'DimensionOrder') ?? 'XYZCT').toUpperCase();
    const samples = num(first, TAG.SamplesPerPixel, 1);
    const layout: TiffLayout = {
      geometry: { spacing, unit: x || y || z ? unit : 'unknown' }, pageChannels: 1, pageOf: identity, convention: 'ome',
      promisedPages: samples === 1 ? sizeC * sizeZ * sizeT : sizeZ * sizeT,
    };
    if (sizeC > 1 && samples === 1 && sizeC * sizeZ * sizeT === pages && /^XY[ZCT]{3}$/.test(order)) {
      // Strides of the three page axes in DimensionOrder; t is folded into z (t outer).
      const size: Record<string, number> = { Z: sizeZ, C: sizeC, T: sizeT };
      const stride: Record<string, number> = {};
      let s = 1;
      for (const a of order.slice(2)) { stride[a] = s; s *= size[a]!; }
      layout.pageChannels = sizeC;
      layout.pageOf = (zz, c) => (zz % sizeZ) * stride.Z! + Math.floor(zz / sizeZ) * stride.T! + c * stride.C!;
    }
    return layout;
  }

  // Plain TIFF: centimetres are a real physical size; inches (the default) are print DPI.
  if (resUnit === 3 && first.tags.has(TAG.XResolution)) {
    const sx = 1e4 / xres, sy = first.tags.has(TAG.YResolution) ? 1e4 / yres : sx;
    const spacing = checkSpacing([sx, sy, sx], `the resolution tags of ${where}`);
    return { geometry: { spacing, unit: 'um' }, pageChannels: 1, pageOf: identity, convention: 'plain' };
  }
  return { geometry: { spacing: [1, 1, 1], unit: 'unknown' }, pageChannels: 1, pageOf: identity, convention: 'plain' };
}

/** Rejects descriptions that parse but are unusable, so the caller can say which file. */
export function describeLayoutProblem(layout: TiffLayout, pages: number): string | undefined {
  if (layout.imagejImages === undefined && pages % layout.pageChannels !== 0) return `${pages} pages cannot be split into ${layout.pageChannels} channels`;
  return undefined;
}
