// How much of a volume its labeled planes speak for: along a labeled axis, the planes within one
// labeled-plane spacing of a labeled plane. Held-out planes test networks at about that distance
// and no farther, and networks, unlike the pixel classifier's local filters, can go wrong far from
// what they learned from: on the INIA19 MRI with 3 axial slices through the cerebellum (a tenth of
// the volume covered), a fine-tuned 3D network scored 0.51 on the held-out slice and 0.12 on the
// whole volume, the pixel classifier 0.33 and 0.30. So `auto` tries networks only where the labeled
// planes cover at least two thirds of the volume along some axis; otherwise it says which planes to
// add. (At half, the 4-class MRI with 3 slices covering 50–55% still let networks in: a 2D network
// scored 0.85 on the held-out sagittal slice and 0.41 on the whole volume, the forest 0.65 and 0.47.)
// In a series of separate images (train/image-series.ts) an image speaks for itself only.
import { AXIS_NAMES, type Axis, type LabelLayout } from '../layout.ts';

export const MIN_COVERAGE = 2 / 3;

export interface Coverage { axis: Axis; fraction: number }

/**
 * The best-covered axis; undefined where labels are not on planes (3D scribbles, dense masks).
 * `series`: the z-planes are separate images, so a labeled z-plane covers itself and no neighbours.
 */
export function planeCoverage(layout: LabelLayout, shape: readonly [number, number, number], series = false): Coverage | undefined {
  if (layout.kind !== 'planes') return undefined;
  if (shape[0] === 1) return { axis: 0, fraction: 1 };
  let best: Coverage | undefined;
  for (const axis of layout.axes) {
    const at = layout.planes.filter((p) => p.axis === axis).map((p) => p.index).sort((a, b) => a - b);
    const spacing = series && axis === 0 ? 0 : at.slice(1).reduce((m, p, i) => Math.max(m, p - at[i]!), 0);
    const extent = shape[axis];
    let covered = 0;
    for (let i = 0; i < extent; i++) if (at.some((p) => Math.abs(p - i) <= spacing)) covered++;
    const c = { axis, fraction: covered / extent };
    if (!best || c.fraction > best.fraction) best = c;
  }
  return best;
}

/** Why networks were not tried, for the report and the user. */
export function coverageAdvice(c: Coverage, extent: number, series = false): string {
  if (series && c.axis === 0) {
    return `the labeled images are ${Math.round(c.fraction * extent)} of the ${extent} in this file, and networks are not trusted on images `
      + 'unlike the ones they learned from: label parts of a few more images for them to compete';
  }
  return `the labeled planes speak for ${Math.round(100 * c.fraction)}% of the ${extent} ${AXIS_NAMES[c.axis]}-planes (those within their own spacing), `
    + `and networks are not trusted farther than that: label a few more planes spread along ${AXIS_NAMES[c.axis]} for them to compete`;
}
