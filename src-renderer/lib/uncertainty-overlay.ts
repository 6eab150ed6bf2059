// Where the model is unsure, drawn over a composited slice (renderPlane's output): a heat colour
// from magenta (somewhat unsure) to yellow (the classes equally likely), with opacity growing with
// the uncertainty, and nothing at all where the model is sure, so the image and the prediction stay
// readable everywhere the user need not look. Pure functions over RGBA bytes (testable in Node).

/** Uncertainty (0..255, as prediction.readUncertainty sends it) below which nothing is drawn: 0.1. */
export const UNSURE_FLOOR = 26;

/** The heat colour of uncertainty `u` (0..255): magenta → yellow. */
export function uncertaintyColor(u: number): [number, number, number] {
  const t = Math.min(255, Math.max(0, u)) / 255;
  return [255, Math.round(255 * t), Math.round(255 * (1 - t))];
}

export interface UncertaintyStyle {
  /** opacity at uncertainty 1 (default 0.8): the image stays faintly visible even there */
  maxAlpha?: number;
  /** draw nothing below this (0..255, default UNSURE_FLOOR) */
  floor?: number;
}

/**
 * Blend the plane's uncertainty (`plane`, row-major, one byte per pixel) over `rgba` (4 bytes per
 * pixel, same rows and columns). Returns how many pixels it coloured.
 */
export function overlayUncertainty(rgba: Uint8ClampedArray | Uint8Array, plane: Uint8Array, style: UncertaintyStyle = {}): number {
  const maxAlpha = style.maxAlpha ?? 0.8, floor = style.floor ?? UNSURE_FLOOR;
  if (rgba.length !== plane.length * 4) throw new Error(`an RGBA plane of ${rgba.length / 4} pixels cannot take ${plane.length} uncertainty values`);
  let drawn = 0;
  for (let p = 0; p < plane.length; p++) {
    const u = plane[p]!;
    if (u < floor) continue;
    const a = (maxAlpha * u) / 255;
    const [R, G, B] = uncertaintyColor(u);
    const i = p * 4;
    rgba[i] = rgba[i]! * (1 - a) + R * a;
    rgba[i + 1] = rgba[i + 1]! * (1 - a) + G * a;
    rgba[i + 2] = rgba[i + 2]! * (1 - a) + B * a;
    drawn++;
  }
  return drawn;
}
