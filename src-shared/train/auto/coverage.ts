// How much of a volume its labeled planes speak for: along a labeled axis, the planes within one
// labeled-plane spacing of a labeled plane. Held-out planes test networks at about that distance
// and no farther, and networks, unlike the pixel classifier's local filters, can go wrong far from
// what they learned from: on the INIA19 MRI with 3 axial slices through the cerebellum (a tenth of
// the volume covered), a fine-tuned 3D network scored 0.51 on the held-out slice and 0.12 on the
// whole volume, the pixel classifier 0.33 and 0.30. So `auto` tries networks only where the labeled
// planes cover at least half of the volume along some axis; otherwise it says which planes to add.
import { AXIS_NAMES, type Axis, type LabelLayout } from '../layout.ts';

export const MIN_COVERAGE = 0.5;

export interface Coverage { axis: Axis; fraction: number }

/** The best-covered axis; undefined where labels are not on planes (3D scribbles, dense masks). */
export function planeCoverage(layout: LabelLayout, shape: readonly [number, number, number]): Coverage | undefined {
  if (layout.kind !== 'planes') return undefined;
  if (shape[0] === 1) return { axis: 0, fraction: 1 };
  let best: Coverage | undefined;
  for (const axis of layout.axes) {
    const at = layout.planes.filter((p) => p.axis === axis).map((p) => p.index).sort((a, b) => a - b);
    const spacing = at.slice(1).reduce((m, p, i) => Math.max(m, p - at[i]!), 0);
    const extent = shape[axis];
    let covered = 0;
    for (let i = 0; i < extent; i++) if (at.some((p) => Math.abs(p - i) <= spacing)) covered++;
    const c = { axis, fraction: covered / extent };
    if (!best || c.fraction > best.fraction) best = c;
  }
  return best;
}

/** Why networks were not tried, for the report and the user. */
export function coverageAdvice(c: Coverage, extent: number): string {
  return `the labeled planes speak for ${Math.round(100 * c.fraction)}% of the ${extent} ${AXIS_NAMES[c.axis]}-planes (those within their own spacing), `
    + `and networks are not trusted farther than that: label a few more planes spread along ${AXIS_NAMES[c.axis]} for them to compete`;
}
