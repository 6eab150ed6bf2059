// DRIVE (retinal fundus photographs, Staal et al. 2004) as labeled 2D units: RGB image z-scored per
// channel, manual vessel labels inside the field of view as 1 (background) / 2 (vessel), outside
// it unlabeled; scores are computed inside the FOV, as the benchmark prescribes.
import { resolve } from 'node:path';
import { readVolume } from '../../src-shared/io/index.ts';
import type { LabeledVolume } from '../../src-shared/train/dataset.ts';
import { volumeToPlanar } from '../../src-shared/train/volume-convert.ts';
import { zscore } from '../../src-shared/train/normalize.ts';

export interface DriveCase { id: string; labeled: LabeledVolume; truth: Uint8Array; fov: Uint8Array }

export const DRIVE_IDS = Array.from({ length: 20 }, (_, i) => String(21 + i));

export async function loadDriveCase(root: string, id: string): Promise<DriveCase> {
  const image = await readVolume(resolve(root, 'images', `${id}_training.tif`));
  const manual = await readVolume(resolve(root, 'labels', `${id}_manual1.gif`));
  const mask = await readVolume(resolve(root, 'fov', `${id}_training_mask.gif`));
  const [, h, w] = image.shape;
  const first = (v: typeof image) => Uint8Array.from({ length: h * w }, (_, i) => (v.data[i * v.shape[3]]! > 0 ? 1 : 0));
  const truth = first(manual), fov = first(mask);
  const labels = Uint8Array.from(truth, (t, i) => (fov[i] ? (t ? 2 : 1) : 0));
  return { id, truth, fov, labeled: { shape: [1, h, w], channels: image.shape[3], image: volumeToPlanar(image, zscore), labels } };
}
