// The metadata Lumen writes validates against the official OME-NGFF JSON schemas (vendored in
// ./schemas, see its README): 0.4 for Zarr v2 (.zattrs), 0.5 for Zarr v3 (zarr.json attributes).
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { writeVolume } from '../../../src-shared/io/index.ts';
import { patternVolume, tempDir } from '../helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const HERE = path.dirname(fileURLToPath(import.meta.url));
const schema = (rel: string) => JSON.parse(readFileSync(path.join(HERE, 'schemas', rel), 'utf8')) as Record<string, unknown>;
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;

function validator(version: '0.4' | '0.5') {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  if (version === '0.5') {
    // the image schema asks for the 0.5 URL; the stored copy of _version.schema names latest/
    ajv.addSchema({ ...schema('0.5/_version.schema'), $id: 'https://ngff.openmicroscopy.org/0.5/schemas/_version.schema' });
  }
  return ajv.compile(schema(`${version}/image.schema`));
}

// big enough in y/x for a three-level pyramid, with channels and a unit
const vol = { ...patternVolume([5, 600, 300, 2], 'uint8', 2), geometry: { spacing: [1, 0.5, 0.5] as [number, number, number], unit: 'um' as const } };

describe('NGFF schemas', () => {
  it('0.5 (Zarr v3): zarr.json attributes validate; arrays name their dimensions', async () => {
    const p = tmp.file('v3.ome.zarr');
    await writeVolume(p, vol);
    const group = json(path.join(p, 'zarr.json'));
    expect(group).toMatchObject({ zarr_format: 3, node_type: 'group' });
    const validate = validator('0.5');
    expect(validate(group.attributes), JSON.stringify(validate.errors)).toBe(true);
    const ms = group.attributes.ome.multiscales[0];
    expect(ms.datasets.map((d: { path: string }) => d.path)).toEqual(['0', '1', '2']);
    // z (1 µm) is already twice y/x (0.5 µm): level 1 halves y and x only, level 2 all three
    expect(ms.datasets[1].coordinateTransformations).toEqual([{ type: 'scale', scale: [1, 1, 1, 1] }, { type: 'translation', translation: [0, 0, 0.25, 0.25] }]);
    expect(ms.datasets[2].coordinateTransformations[0]).toEqual({ type: 'scale', scale: [1, 2, 2, 2] });
    const arr = json(path.join(p, '1', 'zarr.json'));
    expect(arr).toMatchObject({ zarr_format: 3, node_type: 'array', shape: [2, 5, 300, 150], data_type: 'uint8', dimension_names: ['c', 'z', 'y', 'x'] });
    // the validator is not a rubber stamp: metadata without a scale is refused
    const broken = structuredClone(group.attributes);
    broken.ome.multiscales[0].datasets[0].coordinateTransformations = [{ type: 'translation', translation: [0, 0, 0, 0] }];
    expect(validate(broken)).toBe(false);
  });

  it('0.4 (Zarr v2): .zattrs validates; .zgroup and .zarray are Zarr v2 with / separators', async () => {
    const p = tmp.file('v2.ome.zarr');
    await writeVolume(p, vol, { zarrFormat: 2 });
    expect(json(path.join(p, '.zgroup'))).toEqual({ zarr_format: 2 });
    const attrs = json(path.join(p, '.zattrs'));
    const validate = validator('0.4');
    expect(validate(attrs), JSON.stringify(validate.errors)).toBe(true);
    expect(attrs.multiscales[0].version).toBe('0.4');
    expect(json(path.join(p, '0', '.zarray'))).toMatchObject({ zarr_format: 2, shape: [2, 5, 600, 300], dtype: '|u1', dimension_separator: '/', order: 'C' });
    const broken = structuredClone(attrs);
    broken.multiscales[0].axes.push({ name: 'w', type: 'space' });
    expect(validate(broken)).toBe(false);
  });
});
