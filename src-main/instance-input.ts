// Image + instance label files (+ the annotated region) → what the instance engine trains on,
// with the checks a user needs: the files belong together, the ids are ids.
import { readVolume } from '../src-shared/io/index.ts';
import { LumenError } from '../src-shared/errors.ts';
import type { Volume } from '../src-shared/volume.ts';
import { checkInstanceLabels } from '../src-shared/eval/instance-labels.ts';
import type { InstanceTrainingData } from '../src-shared/instances/train/index.ts';
import { volumeToPlanar } from '../src-shared/train/volume-convert.ts';

type Zyx = [number, number, number];
const zyx = (v: Volume): Zyx => [v.shape[0], v.shape[1], v.shape[2]];

function checkSameGrid(v: Volume, image: Volume, what: string, path: string): void {
  const [d, h, w] = zyx(image);
  if (v.shape[0] !== d || v.shape[1] !== h || v.shape[2] !== w) {
    throw new LumenError('shape-mismatch', `${path}: the ${what} is ${zyx(v).join('×')} but the image is ${d}×${h}×${w} (z×y×x)`);
  }
  if (v.shape[3] !== 1) throw new LumenError('bad-input', `${path}: the ${what} has ${v.shape[3]} channels; it needs one`);
}

/** Ids as uint16, or uint32 when some id passes 65535. */
function idArray(v: Volume): Uint16Array | Uint32Array {
  let max = 0;
  for (let i = 0; i < v.data.length; i++) if (Number(v.data[i]) > max) max = Number(v.data[i]);
  return max > 0xffff ? Uint32Array.from(v.data as ArrayLike<number>) : Uint16Array.from(v.data as ArrayLike<number>);
}

export async function loadInstanceInput(imagePath: string, labelsPath: string, annotatedPath?: string): Promise<{ image: Volume; data: InstanceTrainingData }> {
  // the engine holds the image, its normalised copy, 1 + R target channels (R ≤ 96) and weights
  const image = await readVolume(imagePath, { workingBytesPerVoxel: (channels) => 8 * channels + 4 * 100 });
  const labels = await readVolume(labelsPath);
  checkSameGrid(labels, image, 'instance label image', labelsPath);
  checkInstanceLabels(labels.data as ArrayLike<number>, zyx(labels), labelsPath);
  let annotated: Uint8Array | undefined;
  if (annotatedPath) {
    const mask = await readVolume(annotatedPath);
    checkSameGrid(mask, image, 'annotated region', annotatedPath);
    annotated = Uint8Array.from(mask.data as ArrayLike<number>, (v) => (Number(v) !== 0 ? 1 : 0));
  }
  return {
    image,
    data: { image: volumeToPlanar(image, (v) => v), // raw: the engine normalises
      channels: image.shape[3], shape: zyx(image), spacing: image.geometry.spacing, instances: idArray(labels), ...(annotated ? { annotated } : {}) },
  };
}
