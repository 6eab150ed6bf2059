// Per-object measurements on a tiny anisotropic volume whose answers are worked out by hand.
import { describe, it, expect } from 'vitest';
import { measureObjects, objectTableCsv } from '../../src-shared/eval/object-table.ts';

// 2 slices of 3×4, spacing z 2, y 0.5, x 0.25 µm (a voxel is 0.25 µm³)
// id 5: (0,0,0) and (1,2,3);  id 7: the 2×2 square y 1–2, x 1–2 in slice 0;  id 70000: (1,0,0)
const labels = new Uint32Array([
  5, 0, 0, 0,
  0, 7, 7, 0,
  0, 7, 7, 0,

  70000, 0, 0, 0,
  0, 0, 0, 0,
  0, 0, 0, 5,
]);
const image = new Float32Array([
  10, 0, 0, 0,
  0, 1, 2, 0,
  0, 3, 6, 0,

  -4, 0, 0, 0,
  0, 0, 0, 0,
  0, 0, 0, 20,
]);
const spacing: [number, number, number] = [2, 0.5, 0.25];

describe('object table', () => {
  it('measures count, volume, centroid, bounding box and mean intensity of each object', () => {
    const rows = measureObjects(labels, [2, 3, 4], { spacing, image });
    expect(rows).toEqual([
      { id: 5, voxels: 2, volume: 0.5, centroid: [0.5, 1, 1.5], centroidPhysical: [1, 0.5, 0.375], bboxMin: [0, 0, 0], bboxMax: [1, 2, 3], meanIntensity: 15 },
      { id: 7, voxels: 4, volume: 1, centroid: [0, 1.5, 1.5], centroidPhysical: [0, 0.75, 0.375], bboxMin: [0, 1, 1], bboxMax: [0, 2, 2], meanIntensity: 3 },
      { id: 70000, voxels: 1, volume: 0.25, centroid: [1, 0, 0], centroidPhysical: [2, 0, 0], bboxMin: [1, 0, 0], bboxMax: [1, 0, 0], meanIntensity: -4 },
    ]);
    expect(measureObjects(labels, [2, 3, 4])[0]).not.toHaveProperty('meanIntensity');
  });

  it('writes a CSV whose header names the unit and whose rows parse back to the measurements', () => {
    const rows = measureObjects(labels, [2, 3, 4], { spacing, image });
    const lines = objectTableCsv(rows, 'um').trimEnd().split('\n');
    expect(lines[0]).toBe('id,voxels,volume_um3,centroid_z,centroid_y,centroid_x,centroid_z_um,centroid_y_um,centroid_x_um,'
      + 'bbox_z_min,bbox_y_min,bbox_x_min,bbox_z_max,bbox_y_max,bbox_x_max,mean_intensity');
    expect(lines).toHaveLength(4);
    const header = lines[0]!.split(',');
    const seven = Object.fromEntries(lines[2]!.split(',').map((v, k) => [header[k], Number(v)]));
    expect(seven).toEqual({
      id: 7, voxels: 4, volume_um3: 1, centroid_z: 0, centroid_y: 1.5, centroid_x: 1.5, centroid_z_um: 0, centroid_y_um: 0.75, centroid_x_um: 0.375,
      bbox_z_min: 0, bbox_y_min: 1, bbox_x_min: 1, bbox_z_max: 0, bbox_y_max: 2, bbox_x_max: 2, mean_intensity: 3,
    });
    // without an image the column stays, empty; an unknown unit is named as such
    const bare = objectTableCsv(measureObjects(labels, [2, 3, 4]), 'unknown').split('\n');
    expect(bare[0]).toMatch(/^id,voxels,volume_units3,.*,centroid_x_units,.*,mean_intensity$/);
    expect(bare[1]).toMatch(/^5,2,2,.*,$/);
  });
});
