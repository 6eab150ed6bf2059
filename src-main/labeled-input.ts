// Image + label files → a LabeledVolume for the strategies, with the checks a user needs when
// the two files do not belong together.
import { readVolume } from '../src-shared/io/index.ts';
import { LumenError } from '../src-shared/errors.ts';
import type { Volume } from '../src-shared/volume.ts';
import type { LabeledVolume } from '../src-shared/train/dataset.ts';
import { volumeToPlanar } from '../src-shared/train/volume-convert.ts';
import { zscore } from '../src-shared/train/normalize.ts';

export interface LoadedInput { image: Volume; labeled: LabeledVolume }

/** Labels in Lumen's convention: 0 unlabeled, 1 background, 2 foreground. */
export function checkLabelValues(labels: Volume, path: string): Uint8Array {
  const out = new Uint8Array(labels.shape[0] * labels.shape[1] * labels.shape[2]);
  const c = labels.shape[3];
  for (let i = 0; i < out.length; i++) {
    const v = labels.data[i * c]!;
    if (v !== 0 && v !== 1 && v !== 2) {
      throw new LumenError('bad-input', `${path} holds the value ${v}; labels must be 0 = unlabeled, 1 = background, 2 = foreground`);
    }
    out[i] = v;
  }
  if (!out.some((v) => v > 0)) throw new LumenError('bad-input', `${path} has no labeled voxel: paint some background (1) and foreground (2)`);
  return out;
}

export async function loadLabeledInput(imagePath: string, labelsPath: string): Promise<LoadedInput> {
  const image = await readVolume(imagePath);
  const labels = await readVolume(labelsPath);
  const [d, h, w] = image.shape;
  if (labels.shape[0] !== d || labels.shape[1] !== h || labels.shape[2] !== w) {
    throw new LumenError('shape-mismatch', `the labels are ${labels.shape.slice(0, 3).join('×')} but the image is ${d}×${h}×${w} (z×y×x)`);
  }
  return {
    image,
    labeled: { shape: [d, h, w], channels: image.shape[3], image: volumeToPlanar(image, zscore), labels: checkLabelValues(labels, labelsPath) },
  };
}
