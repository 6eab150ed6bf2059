// The uncertainty overlay's colouring, in Node on plain RGBA bytes: nothing where the model is sure,
// magenta turning yellow and more opaque as the uncertainty grows, and the count the slice view
// reports (data-uncertainty) equal to the pixels coloured.
import { describe, expect, it } from 'vitest';
import { overlayUncertainty, uncertaintyColor, UNSURE_FLOOR } from '../../src-renderer/lib/uncertainty-overlay.ts';
import { readPlane } from '../../src-renderer/lib/instance-overlay.ts';

/** n grey pixels (value g), opaque */
const grey = (n: number, g: number) => Uint8ClampedArray.from({ length: n * 4 }, (_, i) => (i % 4 === 3 ? 255 : g));

describe('uncertainty overlay', () => {
  it('leaves sure pixels untouched and counts only the ones it colours', () => {
    const rgba = grey(4, 100);
    const drawn = overlayUncertainty(rgba, Uint8Array.of(0, UNSURE_FLOOR - 1, UNSURE_FLOOR, 255));
    expect(drawn).toBe(2);
    expect(Array.from(rgba.subarray(0, 8))).toEqual([100, 100, 100, 255, 100, 100, 100, 255]);
    expect(Array.from(rgba.subarray(8, 12))).not.toEqual([100, 100, 100, 255]);
  });

  it('goes from magenta to yellow, more opaque the more unsure', () => {
    expect(uncertaintyColor(0)).toEqual([255, 0, 255]);
    expect(uncertaintyColor(255)).toEqual([255, 255, 0]);
    const values = [40, 80, 120, 160, 200, 255];
    const rgba = grey(values.length, 0);
    overlayUncertainty(rgba, Uint8Array.from(values));
    const red = values.map((_, p) => rgba[p * 4]!), green = values.map((_, p) => rgba[p * 4 + 1]!);
    for (let p = 1; p < values.length; p++) { expect(red[p]).toBeGreaterThan(red[p - 1]!); expect(green[p]).toBeGreaterThan(green[p - 1]!); }
    // most unsure: 80% yellow over the image, which shows through
    const top = grey(1, 100);
    overlayUncertainty(top, Uint8Array.of(255));
    expect(Array.from(top)).toEqual([224, 224, 20, 255]);
    const faint = grey(1, 100);
    overlayUncertainty(faint, Uint8Array.of(255), { maxAlpha: 0.4, floor: 0 });
    expect(faint[2]).toBe(60);
  });

  it('colours the plane the view shows: a y-plane read from a z, y, x map', () => {
    const shape = [3, 4, 5];
    const map = new Uint8Array(60);
    map[(2 * 4 + 1) * 5 + 3] = 255; // z 2, y 1, x 3
    const plane = readPlane(map, shape, 'y', 1); // rows z, columns x
    const rgba = grey(15, 0);
    expect(overlayUncertainty(rgba, plane)).toBe(1);
    expect(rgba[(2 * 5 + 3) * 4 + 1]).toBeGreaterThan(150);
    expect(() => overlayUncertainty(grey(14, 0), plane)).toThrow(/cannot take 15/);
  });
});
