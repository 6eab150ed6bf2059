// The instance editor's operations on a real InstanceLayer: each is checked against the layer it
// should produce, voxel for voxel, then undone and redone through its delta (also after a round
// trip through the journal's byte form).
import { describe, it, expect } from 'vitest';
import {
  InstanceLayer, MAX_INSTANCE_ID, InstanceDeltaBuilder, encodeInstanceDelta, decodeInstanceDelta, invertInstanceDelta,
  objectIds, countObjects, nextInstanceId, narrowInstanceIds, paintInstanceStroke, eraseInstanceStroke, fillInstance,
  mergeInstances, deleteInstance, markAnnotatedBox, clearAnnotated, annotatedMask, replaceInstanceIds, SparseLabelVolume, paintStroke, type InstanceDelta,
} from '../../src-shared/labels/index.ts';
import { isLumenError } from '../../src-shared/errors.ts';

const SHAPE: [number, number, number] = [3, 40, 50];
const at = (z: number, y: number, x: number) => (z * SHAPE[1] + y) * SHAPE[2] + x;

/** Two discs on slice 1: object 300 at (10, 10) r 4, object 70000 at (10, 20) r 4 (they touch). */
function twoObjects(): InstanceLayer {
  const layer = new InstanceLayer(SHAPE);
  for (let y = 0; y < SHAPE[1]; y++) for (let x = 0; x < SHAPE[2]; x++) {
    if ((y - 10) ** 2 + (x - 10) ** 2 <= 16) layer.ids[at(1, y, x)] = 300;
    else if ((y - 10) ** 2 + (x - 20) ** 2 <= 36) layer.ids[at(1, y, x)] = 70000;
  }
  return layer;
}

function differences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** `delta` turns the layer into `expected` (the plane it names), exactly; undo and redo are exact, also after encoding. Leaves the layer as it was. */
function checkEdit(layer: InstanceLayer, delta: InstanceDelta, expected: Uint32Array | Uint8Array): void {
  const start = layer.plane(delta.plane).slice();
  expect(delta.offsets.length).toBe(differences(start, expected));
  const decoded = decodeInstanceDelta(encodeInstanceDelta(delta));
  expect(decoded).toEqual(delta);
  layer.applyDelta(decoded, 'forward');
  expect(differences(layer.plane(delta.plane), expected)).toBe(0);
  layer.applyDelta(decoded, 'backward');
  expect(differences(layer.plane(delta.plane), start)).toBe(0);
  layer.applyDelta(invertInstanceDelta(delta), 'backward'); // redo, as the inverse undone
  expect(differences(layer.plane(delta.plane), expected)).toBe(0);
  layer.applyDelta(delta, 'backward'); // leave the layer as it was
}

describe('instance ids', () => {
  it('a new object gets one above the largest id, beyond 255 and 65535; at the uint32 limit the smallest free one', () => {
    const layer = twoObjects();
    expect(objectIds(layer.ids)).toEqual([300, 70000]);
    expect(countObjects(layer.ids)).toBe(2);
    expect(nextInstanceId(layer)).toBe(70001);
    expect(nextInstanceId(new InstanceLayer(SHAPE))).toBe(1);
    layer.ids[at(0, 0, 0)] = MAX_INSTANCE_ID;
    layer.ids[at(0, 0, 1)] = 1;
    expect(nextInstanceId(layer)).toBe(2);
  });

  it('exports as uint16 while the ids fit, uint32 beyond', () => {
    const small = new InstanceLayer(SHAPE);
    small.ids[5] = 65535;
    expect(narrowInstanceIds(small.ids)).toBeInstanceOf(Uint16Array);
    expect(narrowInstanceIds(small.ids)[5]).toBe(65535);
    expect(narrowInstanceIds(twoObjects().ids)).toBeInstanceOf(Uint32Array);
  });
});

describe('instance edits', () => {
  it('paints a new object with its own id without eating into the neighbour it slips over', () => {
    const layer = twoObjects();
    const id = nextInstanceId(layer);
    const pts: [number, number][] = [[10, 26], [10, 40]]; // starts inside 70000's disc
    // the footprint of the same drag with the class brush (checked on its own in edit-ops.test.ts)
    const footprint = new SparseLabelVolume(SHAPE);
    footprint.applyDelta(paintStroke(footprint, { axis: 'z', index: 1, points: pts, radius: 3, value: 2 }));
    const covered = footprint.toDense();
    expect(covered.filter((v) => v > 0).length).toBeGreaterThan(100);
    const want = layer.ids.slice();
    for (let i = 0; i < want.length; i++) if (covered[i] && want[i] === 0) want[i] = id;
    const d = paintInstanceStroke(layer, { axis: 'z', index: 1, points: pts, radius: 3, id });
    checkEdit(layer, d, want);
    layer.applyDelta(d);
    expect(countObjects(layer.ids)).toBe(3);
    expect(layer.ids[at(1, 10, 26)]).toBe(70000); // the neighbour kept its voxels
    expect(layer.ids[at(1, 10, 35)]).toBe(70001);
    expect(layer.ids[at(0, 10, 35)]).toBe(0); // a 2D brush: other slices untouched
  });

  it('extends an object when painting with its id, and the eraser clears what lies under it (or only the id asked for)', () => {
    const layer = twoObjects();
    const grown = paintInstanceStroke(layer, { axis: 'z', index: 1, points: [[10, 10], [2, 10]], radius: 1, id: 300 });
    layer.applyDelta(grown);
    expect(layer.ids[at(1, 2, 10)]).toBe(300);
    const want = layer.ids.slice();
    for (let y = 0; y < SHAPE[1]; y++) for (let x = 0; x < SHAPE[2]; x++) if ((y - 10) ** 2 + (x - 15) ** 2 <= 4) want[at(1, y, x)] = 0;
    checkEdit(layer, eraseInstanceStroke(layer, { axis: 'z', index: 1, points: [[10, 15]], radius: 2 }), want);
    const onlyOne = eraseInstanceStroke(layer, { axis: 'z', index: 1, points: [[10, 15]], radius: 2, only: 300 });
    layer.applyDelta(onlyOne);
    expect(layer.ids[at(1, 10, 13)]).toBe(0);
    expect(layer.ids[at(1, 10, 16)]).toBe(70000);
  });

  it('fills one new object inside the intensity window, stopping at drawn objects and at the plane', () => {
    const layer = twoObjects();
    const image = new Float32Array(layer.ids.length);
    // a bright square on every slice, x 15..30, y 25..35, and a bright column joining it to 70000
    for (let z = 0; z < 3; z++) for (let y = 0; y < SHAPE[1]; y++) for (let x = 0; x < SHAPE[2]; x++) {
      if ((y >= 25 && y <= 35 && x >= 15 && x <= 30) || (x === 20 && y >= 10 && y <= 25)) image[at(z, y, x)] = 100;
    }
    const want = layer.ids.slice();
    for (let y = 0; y < SHAPE[1]; y++) for (let x = 0; x < SHAPE[2]; x++) {
      if (image[at(1, y, x)] === 100 && layer.ids[at(1, y, x)] === 0) want[at(1, y, x)] = 5;
    }
    const d = fillInstance(layer, { data: image, shape: SHAPE }, { seed: [1, 30, 20], min: 50, max: 200, id: 5, plane: 'z' });
    checkEdit(layer, d, want);
    expect(fillInstance(layer, { data: image, shape: SHAPE }, { seed: [1, 0, 0], min: 50, max: 200, id: 5, plane: 'z' }).offsets.length).toBe(0);
    try { fillInstance(layer, { data: image, shape: SHAPE }, { seed: [1, 30, 20], min: 50, max: 200, id: 5, plane: 'z', maxVoxels: 10 }); expect.unreachable(); }
    catch (e) { expect(isLumenError(e, 'too-large')).toBe(true); }
  });

  it('merges two objects into one and deletes one object, leaving every other voxel as it was', () => {
    const layer = twoObjects();
    layer.ids[at(2, 30, 30)] = 12;
    const merged = layer.ids.slice();
    for (let i = 0; i < merged.length; i++) if (merged[i] === 70000) merged[i] = 300;
    checkEdit(layer, mergeInstances(layer, 300, [70000]), merged);
    layer.applyDelta(mergeInstances(layer, 300, [70000]));
    expect(objectIds(layer.ids)).toEqual([12, 300]);
    expect(mergeInstances(layer, 300, [300, 0]).offsets.length).toBe(0);
    expect(() => mergeInstances(layer, 0, [12])).toThrow(RangeError);
    const deleted = layer.ids.slice();
    for (let i = 0; i < deleted.length; i++) if (deleted[i] === 300) deleted[i] = 0;
    checkEdit(layer, deleteInstance(layer, 300), deleted);
    layer.applyDelta(deleteInstance(layer, 300));
    expect(objectIds(layer.ids)).toEqual([12]);
  });

  it('marks fully annotated boxes and clears them; none marked means the whole image', () => {
    const layer = twoObjects();
    expect(layer.hasRegions).toBe(false);
    expect(annotatedMask(layer)).toBeUndefined();
    const want = new Uint8Array(layer.voxelCount);
    for (let y = 5; y <= 15; y++) for (let x = 3; x <= 30; x++) want[at(1, y, x)] = 1;
    const d = markAnnotatedBox(layer, [1, 15, 30], [1, 5, 3], 1); // corners in any order
    checkEdit(layer, d, want);
    layer.applyDelta(d);
    expect(layer.hasRegions).toBe(true);
    expect(layer.markedVoxels).toBe(11 * 28);
    expect(annotatedMask(layer)).toBe(layer.annotated);
    layer.applyDelta(markAnnotatedBox(layer, [1, 5, 3], [1, 15, 10], 0));
    expect(layer.markedVoxels).toBe(11 * 20);
    layer.applyDelta(clearAnnotated(layer));
    expect(layer.hasRegions).toBe(false);
    expect(() => new InstanceDeltaBuilder(layer, 'annotated').set(0, 2)).toThrow(RangeError);
  });

  it('imports a label image as one edit and refuses values that name no object', () => {
    const layer = twoObjects();
    const ids = new Float64Array(layer.voxelCount);
    ids[at(0, 1, 1)] = 4_000_000_000; ids[at(2, 3, 3)] = 256;
    checkEdit(layer, replaceInstanceIds(layer, ids), Uint32Array.from(ids));
    for (const bad of [1.5, -2, 2 ** 32]) {
      const b = Float64Array.from(ids); b[at(1, 2, 3)] = bad;
      try { replaceInstanceIds(layer, b, 'nuclei.tif'); expect.unreachable(); }
      catch (e) { expect(isLumenError(e, 'bad-input')).toBe(true); expect((e as Error).message).toMatch(/^nuclei\.tif holds .* at \(z 1, y 2, x 3\)/); }
    }
  });

  it('keeps the last of several writes to a voxel and refuses a delta made from other contents', () => {
    const layer = twoObjects();
    const b = new InstanceDeltaBuilder(layer);
    b.set(at(0, 5, 5), 9); b.set(at(0, 1, 1), 4); b.set(at(0, 5, 5), 8); b.set(at(1, 10, 10), 300);
    const d = b.finish();
    expect([...d.offsets]).toEqual([at(0, 1, 1), at(0, 5, 5)]);
    expect([...d.after]).toEqual([4, 8]);
    expect([...d.before]).toEqual([0, 0]);
    layer.applyDelta(d);
    try { layer.applyDelta(d); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'damaged')).toBe(true); }
    const bytes = encodeInstanceDelta(d);
    try { decodeInstanceDelta(bytes.subarray(0, bytes.length - 1)); expect.unreachable(); } catch (e) { expect(isLumenError(e, 'damaged')).toBe(true); }
  });
});
