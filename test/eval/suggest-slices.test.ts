// Suggesting the slices to paint next on constructed volumes whose answer is known: the most
// uncertain slices win, unless painted or next to a painted slice or a better suggestion; scores
// average the unlabeled voxels only; planes crossed by strokes on another axis stay candidates.
import { describe, expect, it } from 'vitest';
import { suggestSlices } from '../../src-shared/eval/suggest-slices.ts';
import { isLumenError } from '../../src-shared/errors.ts';

const D = 20, H = 4, W = 5, HW = H * W;
const SHAPE = [D, H, W] as const;

/** Uncertainty per z-slice from `bySlice` (default 0.1), the same over each slice. */
function perSlice(bySlice: Record<number, number>): Float32Array {
  return Float32Array.from({ length: D * HW }, (_, i) => bySlice[Math.floor(i / HW)] ?? 0.1);
}

/** z = 5 painted whole (background), a stroke along row 1 of z = 14 (class 2). */
function paintedLabels(): Uint8Array {
  const l = new Uint8Array(D * HW);
  l.fill(1, 5 * HW, 6 * HW);
  for (let x = 0; x < W; x++) l[14 * HW + 1 * W + x] = 2;
  return l;
}

describe('suggestSlices', () => {
  it('ranks by uncertainty, skipping painted slices, their neighbours and the neighbours of better suggestions', () => {
    // without the skipping rules the order would be 14, 6, 13, 10, 11, 1, 18
    const u = perSlice({ 14: 1, 6: 0.95, 13: 0.9, 10: 0.8, 11: 0.75, 1: 0.6, 18: 0.5 });
    const got = suggestSlices(u, paintedLabels(), SHAPE, 'z', { spread: 2 });
    expect(got.map((s) => s.index)).toEqual([10, 1, 18]);
    expect(got.map((s) => s.score)).toEqual([0.8, 0.6, 0.5].map((v) => Math.fround(v)));
    // a spread of 5 also rules out 10 and 18 (4 from the painted z = 14) and 1 (4 from z = 5): only the ends are left
    expect(suggestSlices(u, paintedLabels(), SHAPE, 'z', { spread: 5, count: 5 }).map((s) => s.index)).toEqual([0, 19]);
  });

  it('scores a slice by its unlabeled voxels only, and keeps planes that strokes on another axis merely cross', () => {
    // every y-plane crosses the painted z = 5; the labeled voxels are given uncertainty 1 so that counting them would show
    const labels = paintedLabels();
    const u = Float32Array.from({ length: D * HW }, (_, i) => (labels[i] ? 1 : Math.floor(i / W) % H === 2 ? 0.5 : 0.3));
    const got = suggestSlices(u, labels, SHAPE, 'y', { count: 4, spread: 1 });
    expect(got.map((s) => s.index)).toEqual([2, 0, 1, 3]);
    expect(got[0]!.score).toBeCloseTo(0.5, 6); // 0.525 if the labeled voxel of z = 5 were counted
    expect(got[1]!.score).toBeCloseTo(0.3, 6);
  });

  it('with labels in 3D (no painted planes), any slice holding a label counts as painted', () => {
    const labels = new Uint8Array(D * HW);
    labels.fill(1, 0, 12 * HW); // slices 0..11 densely labeled: a mask, not a few planes
    labels[15 * HW + 7] = 2; // one voxel on z = 15
    const u = perSlice({ 15: 0.9, 19: 0.7, 13: 0.4 });
    expect(suggestSlices(u, labels, SHAPE, 'z', { spread: 1, count: 5 }).map((s) => s.index)).toEqual([19, 13, 12, 14, 16]);
  });

  it('default count is 3 and the default spread is 2 on short axes; fewer when fewer slices are clear', () => {
    const u = perSlice({ 0: 0.9, 1: 0.85, 2: 0.8, 3: 0.75 });
    const got = suggestSlices(u, paintedLabels(), SHAPE, 'z');
    expect(got.map((s) => s.index)).toEqual([0, 2, 7]); // 1 and 3 lie next to a better one, 4 and 6 next to z = 5; then ties go to the lower index
    // every slice lies within 8 of the painted z = 5 or z = 14: nothing to suggest
    expect(suggestSlices(u, paintedLabels(), SHAPE, 'z', { spread: 8 })).toEqual([]);
  });

  it('refuses mismatched volumes, an unknown axis and an empty request with typed errors', () => {
    const u = perSlice({}), l = paintedLabels();
    const err = (f: () => unknown) => { try { f(); return null; } catch (e) { return e; } };
    expect(isLumenError(err(() => suggestSlices(u.subarray(1), l, SHAPE, 'z')), 'shape-mismatch')).toBe(true);
    expect(isLumenError(err(() => suggestSlices(u, l, SHAPE, 'w' as 'z')), 'bad-input')).toBe(true);
    expect(isLumenError(err(() => suggestSlices(u, l, SHAPE, 'constructor' as 'z')), 'bad-input')).toBe(true);
    expect(isLumenError(err(() => suggestSlices(u, l, SHAPE, 'z', { count: 0 })), 'bad-input')).toBe(true);
    expect(isLumenError(err(() => suggestSlices(u, l, SHAPE, 'z', { spread: 0.5 })), 'bad-input')).toBe(true);
  });
});
