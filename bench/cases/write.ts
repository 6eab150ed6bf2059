// Writes a case's image, sparse labels and the anchor's truth as real files through Lumen's own
// writers, in the image's format, so `lumen segment` reads them exactly as a user's files.
import { join } from 'node:path';
import { writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume, type Volume } from '../../src-shared/volume.ts';
import type { CaseFiles } from './types.ts';

/** `ext`: '.tif', '.nii' or '.nii.gz'. Binary truth is written 0/255 and multi-class as 1…K, which is how the anchor reads them. */
export async function writeCaseFiles(dir: string, name: string, ext: string, image: Volume, sparse: Uint8Array, truth: Uint8Array,
  classes: readonly number[], zAnisotropy: number): Promise<CaseFiles> {
  const [d, h, w] = image.shape;
  const files: CaseFiles = { image: join(dir, `${name}-image${ext}`), sparse: join(dir, `${name}-sparse${ext}`), truth: join(dir, `${name}-truth${ext}`), zAnisotropy };
  const like = { shape: image.shape, geometry: image.geometry, source: image.source };
  await writeVolume(files.image, image);
  await writeVolume(files.sparse, makeVolume([d, h, w, 1], 'uint8', sparse, image.geometry), { like });
  const anchorTruth = classes.length === 2 ? Uint8Array.from(truth, (t) => (t >= 2 ? 255 : 0)) : truth;
  await writeVolume(files.truth, makeVolume([d, h, w, 1], 'uint8', anchorTruth, image.geometry), { like });
  return files;
}
