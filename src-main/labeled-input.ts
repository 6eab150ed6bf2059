// Image + label files → a LabeledVolume for the strategies, with the checks a user needs when
// the two files do not belong together or the labels cannot teach anything.
import { readVolume } from '../src-shared/io/index.ts';
import { LumenError, isLumenError } from '../src-shared/errors.ts';
import type { Volume } from '../src-shared/volume.ts';
import type { LabeledVolume } from '../src-shared/train/dataset.ts';
import { volumeToPlanar } from '../src-shared/train/volume-convert.ts';
import { zscore } from '../src-shared/train/normalize.ts';
import { trainableClasses } from '../src-shared/train/classes.ts';
import { MAX_LABEL } from '../src-shared/labels/classes.ts';

export interface LoadedInput {
  image: Volume;
  labeled: LabeledVolume;
  /** the label values painted, background (1) first: 2 of them is a binary task */
  classes: number[];
}

/**
 * Labels in Lumen's convention: 0 unlabeled, 1 background, 2… the classes (any whole values up
 * to 255, in a file of any integer or float type), with background and at least one class painted.
 */
export function checkLabelValues(labels: Volume, path: string): Uint8Array {
  const out = new Uint8Array(labels.shape[0] * labels.shape[1] * labels.shape[2]);
  const c = labels.shape[3];
  for (let i = 0; i < out.length; i++) {
    const v = Number(labels.data[i * c]!);
    if (!Number.isInteger(v) || v < 0 || v > MAX_LABEL) {
      throw new LumenError('bad-input', `${path} holds the value ${v}; labels must be whole numbers: 0 = unlabeled, 1 = background, 2…${MAX_LABEL} = classes`);
    }
    out[i] = v;
  }
  return out;
}

/** The classes `labels` can train, or a one-line error naming the file. */
export function labelFileClasses(labels: Uint8Array, path: string): number[] {
  try {
    return trainableClasses(labels);
  } catch (e) {
    if (isLumenError(e)) throw new LumenError(e.code, `${path}: ${e.message}`);
    throw e;
  }
}

export async function loadLabeledInput(imagePath: string, labelsPath: string): Promise<LoadedInput> {
  // training holds the image, its z-scored float copy, targets, weights and probabilities: ~12 bytes per channel + 40 per voxel
  const image = await readVolume(imagePath, { workingBytesPerVoxel: (channels) => 12 * channels + 40 });
  const labels = await readVolume(labelsPath);
  const [d, h, w] = image.shape;
  if (labels.shape[0] !== d || labels.shape[1] !== h || labels.shape[2] !== w) {
    throw new LumenError('shape-mismatch', `the labels are ${labels.shape.slice(0, 3).join('×')} but the image is ${d}×${h}×${w} (z×y×x)`);
  }
  const values = checkLabelValues(labels, labelsPath);
  const classes = labelFileClasses(values, labelsPath);
  return {
    image,
    labeled: { shape: [d, h, w], channels: image.shape[3], image: volumeToPlanar(image, zscore), labels: values, spacing: image.geometry.spacing },
    classes,
  };
}
