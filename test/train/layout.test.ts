// Label layouts (where the user painted), the axis views 2D networks train on, and the held-out
// split auto scores candidates on.
import { describe, expect, it } from 'vitest';
import { detectLayout, describeLayout } from '../../src-shared/train/layout.ts';
import { fromAxisFront, labeledVolumeAlong, shapeAlong, toAxisFront } from '../../src-shared/train/axis-view.ts';
import { describeHeldOut, splitForValidation } from '../../src-shared/train/validation-split.ts';
import { clearlyBetter, compareScores, heldOutScore } from '../../src-shared/train/auto/score.ts';
import { classIndexTable, labelClasses, outputChannels, trainableClasses } from '../../src-shared/train/classes.ts';
import { isLumenError } from '../../src-shared/errors.ts';

const shape: [number, number, number] = [12, 20, 16];
const at = (z: number, y: number, x: number) => (z * shape[1] + y) * shape[2] + x;

function paint(fn: (z: number, y: number, x: number) => number): Uint8Array {
  const l = new Uint8Array(shape[0] * shape[1] * shape[2]);
  for (let z = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) l[at(z, y, x)] = fn(z, y, x);
  return l;
}

describe('label layout', () => {
  it('finds whole slices along z, y or x', () => {
    const z = detectLayout(paint((z, y) => (z === 3 || z === 8 ? 1 + (y > 10 ? 1 : 0) : 0)), shape);
    expect(z).toMatchObject({ kind: 'planes', axes: [0] });
    expect(z.kind === 'planes' && z.planes.map((p) => p.index).sort()).toEqual([3, 8]);
    const y = detectLayout(paint((_z, y, x) => (y === 5 ? 1 + (x % 2) : 0)), shape);
    expect(y).toMatchObject({ kind: 'planes', axes: [1], planes: [{ axis: 1, index: 5 }] });
    const x = detectLayout(paint((z, _y, x) => (x === 2 || x === 13 ? 1 + (z % 2) : 0)), shape);
    expect(x).toMatchObject({ kind: 'planes', axes: [2] });
    expect(describeLayout(x)).toBe('2 x planes');
    // 2 of a 4-slice stack are still "a few slices"
    const thin = new Uint8Array(4 * 8 * 8);
    thin.fill(1, 0, 64); thin.fill(2, 128, 192);
    expect(detectLayout(thin, [4, 8, 8])).toMatchObject({ kind: 'planes', axes: [0] });
  });

  it('finds strokes on one plane of each axis, and calls ball scribbles and dense masks 3D', () => {
    // short strokes, not whole slices, on z = 6, y = 4 and x = 9
    const strokes = paint((z, y, x) => ((z === 6 && y > 2 && y < 6 && x < 8) || (y === 4 && z < 4 && x > 8) || (x === 9 && z > 8 && y > 12) ? 2 : 0));
    const l = detectLayout(strokes, shape);
    expect(l).toMatchObject({ kind: 'planes', axes: [0, 1, 2] });
    const ball = paint((z, y, x) => ((z - 6) ** 2 + (y - 10) ** 2 + (x - 8) ** 2 <= 16 ? 1 : 0));
    expect(detectLayout(ball, shape).kind).toBe('volume');
    expect(detectLayout(paint(() => 1), shape).kind).toBe('volume');
  });

  it('treats a 2D image as its one plane', () => {
    expect(detectLayout(new Uint8Array([0, 1, 2, 0]), [1, 2, 2])).toMatchObject({ kind: 'planes', axes: [0], planes: [{ index: 0, voxels: 2 }] });
  });
});

describe('axis views', () => {
  it('moves an axis to the front and back again, plane i being the plane along that axis', () => {
    const data = Float32Array.from({ length: 2 * 12 * 20 * 16 }, (_, i) => i);
    for (const axis of [1, 2] as const) {
      const turned = toAxisFront(data, shape, 2, axis);
      const s = shapeAlong(shape, axis);
      // voxel (z=4, y=7, x=11) of channel 1 is on plane y=7 / x=11 of the turned volume
      const [a, b, c] = axis === 1 ? [7, 4, 11] : [11, 4, 7];
      expect(turned[12 * 20 * 16 + (a * s[1] + b) * s[2] + c]).toBe(data[12 * 20 * 16 + at(4, 7, 11)]);
      expect(fromAxisFront(turned, shape, 2, axis)).toEqual(data);
    }
    const v = labeledVolumeAlong({ shape, channels: 1, image: new Float32Array(12 * 20 * 16), labels: paint((_z, y) => (y === 5 ? 2 : 0)) }, 1);
    expect(v.shape).toEqual([20, 12, 16]);
    expect(v.labels.subarray(5 * 12 * 16, 6 * 12 * 16).every((l) => l === 2)).toBe(true);
  });
});

describe('held-out split', () => {
  it('holds out bands of every labeled plane, keeping every class on both sides', () => {
    const labels = paint((z, y, x) => (z === 3 || z === 8 ? (x > 7 ? 2 : 1) + (y > 14 && x > 7 ? 1 : 0) : 0));
    const layout = detectLayout(labels, shape);
    const s = splitForValidation(labels, shape, layout);
    const total = labels.reduce((a, v) => a + (v ? 1 : 0), 0);
    expect(s.heldOutVoxels).toBeGreaterThan(0.08 * total);
    expect(s.heldOutVoxels).toBeLessThan(0.3 * total);
    for (let i = 0; i < labels.length; i++) expect(s.train[i]! + s.validation[i]!).toBe(labels[i]);
    expect(labelClasses(s.validation)).toEqual([1, 2, 3]);
    expect(labelClasses(s.train)).toEqual([1, 2, 3]);
    // on x-planes the bands run along y, so both parts still get voxels
    const xl = paint((_z, y, x) => (x === 4 ? 1 + (y % 2) : 0));
    const xs = splitForValidation(xl, shape, detectLayout(xl, shape));
    expect(xs.heldOutVoxels).toBeGreaterThan(0);
    expect(xs.train.some((v) => v > 0)).toBe(true);
  });
});

describe('held-out planes', () => {
  it('holds out a whole outer plane of an axis with three, so scores ask how learning carries to other planes', () => {
    // three y-planes, classes 1 and 2 on each; one z-plane crossing them
    const labels = paint((z, y, x) => (y === 3 || y === 9 || y === 15 ? 1 + (x > 7 ? 1 : 0) : z === 6 && x < 4 ? 1 : 0));
    const layout = detectLayout(labels, shape);
    const s = splitForValidation(labels, shape, layout);
    expect(s.heldOutPlanes).toEqual([expect.objectContaining({ axis: 1, index: 15 })]);
    expect(describeHeldOut(s)).toBe('whole planes held out: y 15');
    for (let z = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) {
      const i = at(z, y, x);
      expect(s.train[i]! + s.validation[i]!).toBe(labels[i]);
      // held out: plane y 15, except where it crosses the kept z-plane (which a z-network learns from)
      const held = y === 15 && z !== 6;
      expect(s.validation[i]).toBe(held ? labels[i] : 0);
    }
    expect(s.heldOutVoxels).toBe((shape[0] - 1) * shape[2]);
  });

  it('picks another plane when the outer one lacks a class, and bands when no plane has them all', () => {
    const labels = paint((_z, y, x) => (y === 15 ? 1 : y === 3 || y === 9 ? 1 + (x > 7 ? 1 : 0) : 0));
    const s = splitForValidation(labels, shape, detectLayout(labels, shape));
    expect(s.heldOutPlanes.map((p) => p.index)).toEqual([3]);
    expect(labelClasses(s.validation)).toEqual([1, 2]);
    expect(labelClasses(s.train)).toEqual([1, 2]);
    // class 2 on one plane only: holding any plane out loses it on one side
    const one = paint((_z, y, x) => (y === 15 && x > 7 ? 2 : y === 3 || y === 9 || y === 15 ? 1 : 0));
    const bands = splitForValidation(one, shape, detectLayout(one, shape));
    expect(bands.heldOutPlanes).toEqual([]);
    expect(bands.heldOutVoxels).toBeGreaterThan(0);
  });

  it('holds out one of two planes only when asked (small volumes), and never with bands-only', () => {
    const labels = paint((z, _y, x) => (z === 3 || z === 8 ? 1 + (x > 7 ? 1 : 0) : 0));
    const layout = detectLayout(labels, shape);
    expect(splitForValidation(labels, shape, layout).heldOutPlanes).toEqual([]);
    expect(splitForValidation(labels, shape, layout, { minPlanesToHoldOut: 2 }).heldOutPlanes.map((p) => [p.axis, p.index])).toEqual([[0, 8]]);
    expect(splitForValidation(labels, shape, layout, { minPlanesToHoldOut: Infinity }).heldOutPlanes).toEqual([]);
  });
});

describe('classes and held-out scores', () => {
  it('maps label values to output channels', () => {
    expect(trainableClasses(new Uint8Array([0, 1, 2, 2]))).toEqual([1, 2]);
    expect(outputChannels([1, 2])).toBe(1);
    expect(outputChannels([1, 2, 3, 5])).toBe(4);
    expect(classIndexTable([1, 2, 3, 5])[5]).toBe(3);
    for (const bad of [[0, 0], [0, 2, 3], [0, 1, 1]]) {
      let e: unknown;
      try { trainableClasses(new Uint8Array(bad)); } catch (err) { e = err; }
      expect(isLumenError(e, 'bad-input')).toBe(true);
    }
  });

  it('scores binary and multi-class probabilities per class on the labeled voxels only', () => {
    const labels = new Uint8Array([1, 2, 2, 0, 1]);
    const bin = heldOutScore(new Float32Array([0.1, 0.9, 0.2, 0.9, 0.8]), labels, [1, 2]);
    expect(bin.dice).toBeCloseTo(0.5); // tp 1, fn 1, fp 1
    expect(bin.voxels).toEqual({ 1: 2, 2: 2 });
    // 3 classes, planar [3][4]: voxels are classes 1, 2, 3, 3; predicted 1, 2, 3, 2
    const probs = new Float32Array([0.8, 0.1, 0.1, 0.1, 0.1, 0.8, 0.1, 0.6, 0.1, 0.1, 0.8, 0.3]);
    const multi = heldOutScore(probs, new Uint8Array([1, 2, 3, 3]), [1, 2, 3]);
    expect(multi.perClass).toEqual({ 2: 0.6667, 3: 0.6667 });
    expect(multi.dice).toBeCloseTo(2 / 3);
  });

  it('calls a higher score clearly better only beyond one standard error over the held-out blocks', () => {
    // 2 planes of 64×64 held out, class 2 a stripe in every block; b errs on `errors` of every 16 rows
    const s: [number, number, number] = [2, 64, 64], n = 2 * 64 * 64;
    const labels = Uint8Array.from({ length: n }, (_, i) => (i % 64 < 24 ? 2 : 1));
    const truth = Float32Array.from(labels, (l) => (l === 2 ? 0.9 : 0.1));
    const worse = (rows: (y: number, z: number) => boolean) => Float32Array.from(truth, (p, i) => (rows(Math.floor(i / 64) % 64, Math.floor(i / 4096)) && i % 64 === 10 ? 0.1 : p));
    const a = heldOutScore(truth, labels, [1, 2], s);
    expect(a.blocks).toHaveLength(4 * 4); // blocks of 16³: both planes share them
    // b misses a voxel in every row: a small loss, but the same in every block, so clearly real
    const everywhere = heldOutScore(worse(() => true), labels, [1, 2], s);
    expect(a.dice - everywhere.dice).toBeGreaterThan(0);
    expect(clearlyBetter(a, everywhere)).toBe(true);
    // a wins one block by 160 voxels and loses another by 112: ahead on the whole, but that hangs on
    // which blocks happened to be held out
    const missIn = (p: Float32Array, by: number, bx: number, width: number) =>
      Float32Array.from(p, (v, i) => (Math.floor((i % 4096) / 64) >> 4 === by && (i % 64) >> 4 === bx && i % 16 < width && i < 4096 ? 0.1 : v));
    const mixedA = heldOutScore(missIn(truth, 2, 1, 7), labels, [1, 2], s);
    const mixedB = heldOutScore(missIn(truth, 0, 0, 10), labels, [1, 2], s);
    expect(mixedA.dice).toBeGreaterThan(mixedB.dice);
    expect(clearlyBetter(mixedA, mixedB)).toBe(false);
    expect(clearlyBetter(everywhere, a)).toBe(false);
    // a lead that is clear between two candidates, but not for the best of three (√(2 ln 3) standard errors)
    const twoBlocks = heldOutScore(missIn(missIn(truth, 0, 0, 10), 1, 0, 10), labels, [1, 2], s);
    const lead = heldOutScore(missIn(truth, 2, 1, 3), labels, [1, 2], s);
    expect(clearlyBetter(lead, twoBlocks, 1)).toBe(true);
    expect(clearlyBetter(lead, twoBlocks, 3)).toBe(false);
  });

  it('ranks by Dice on many held-out voxels, and by the probability of the true class on few', () => {
    const many = { 1: 500, 2: 400 }, few = { 1: 500, 2: 3 };
    const sharp = { dice: 0.9, perClass: {}, soft: 0.7 }, soft = { dice: 0.8, perClass: {}, soft: 0.8 };
    expect(compareScores({ ...sharp, voxels: many }, { ...soft, voxels: many })).toBeGreaterThan(0);
    expect(compareScores({ ...sharp, voxels: few }, { ...soft, voxels: few })).toBeLessThan(0);
    // with few voxels, soft scores within 0.02 tie (the earlier candidate stays)
    expect(compareScores({ ...sharp, voxels: few }, { ...sharp, soft: 0.71, voxels: few })).toBe(0);
    // a Dice tie is settled by the soft score
    expect(compareScores({ ...sharp, voxels: many }, { ...sharp, dice: 0.902, soft: 0.6, voxels: many })).toBeGreaterThan(0);
  });
});
