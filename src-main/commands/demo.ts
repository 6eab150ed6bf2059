// `lumen demo`: the main job on a fresh clone. Trains a small 3D U-Net on the left half of the
// bundled VesselNN sample (two-photon, mouse brain vessels) and scores Dice on the right half,
// which it never saw. Prints one JSON line.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { readVolume } from '../../src-shared/io/index.ts';
import { Trainer } from '../../src-shared/nn/trainer.ts';
import { predictWhole } from '../../src-shared/infer/predict-whole.ts';
import { binaryScores } from '../../src-shared/eval/metrics.ts';
import { zscore } from '../../src-shared/train/normalize.ts';
import { samplePatch, stackPatches, type PatchSource } from '../../src-shared/train/patches.ts';
import { seededRandom } from '../../src-shared/nn/params.ts';
import type { UNetConfig } from '../../src-shared/nn/unet.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { parseArgs, flag, integerFlag } from '../args.ts';
import { ProgressBar } from '../progress.ts';

export const summary = 'train a small 3D U-Net on the bundled vessel sample and print its Dice';

const SAMPLE = resolve(fileURLToPath(import.meta.url), '../../../resources/samples/vesselnn-burgess2014-crop');

export const usage = `usage: lumen demo [--steps 120] [--device auto|cpu|…]
  trains a small 3D U-Net on the left half of the bundled VesselNN crop and prints the Dice on
  both halves as one JSON line.`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const steps = integerFlag(args, 'steps', 1) ?? 120;
  const runtime = createRuntime({ device: (flag(args, 'device') ?? 'auto') as DeviceChoice, log: (l) => process.stderr.write(`${l}\n`) });
  const started = performance.now();
  const img = await readVolume(`${SAMPLE}_image.tif`);
  const lab = await readVolume(`${SAMPLE}_labels.tif`);
  const [depth, size] = [img.shape[0], img.shape[1]];
  const D = Math.ceil(depth / 4) * 4; // the network halves z twice
  const half = size / 2;

  // One z-scored, z-padded copy; the padded slices get zero loss weight and no score.
  const volume = zscore(img.data);
  const cut = (x0: number, width: number, src: ArrayLike<number>, pad: number) => {
    const out = new Float32Array(D * size * width).fill(pad);
    for (let z = 0; z < depth; z++) for (let y = 0; y < size; y++) for (let x = 0; x < width; x++) {
      out[(z * size + y) * width + x] = src[(z * size + y) * size + x0 + x]!;
    }
    return out;
  };
  const truth = Float32Array.from(lab.data, (v) => (v > 0 ? 1 : 0));
  const valid = new Float32Array(depth * size * size).fill(1);
  const model: UNetConfig = { dims: 3, inChannels: 1, outChannels: 1, channels: [8, 16, 32], norm: 'instance' };
  const shape = [1, 1, D, size, half];
  const patch: [number, number, number] = [D, 64, 64];
  const trainer = await Trainer.create({ model, batchShape: [2, 1, ...patch], loss: 'bce+dice', optimizer: { kind: 'adam' }, seed: 1 }, runtime.factory);
  const source: PatchSource = { shape: [D, size, half], image: cut(0, half, volume, 0), target: cut(0, half, truth, 0), weight: cut(0, half, valid, 0) };
  const rand = seededRandom(7);
  const bar = new ProgressBar('training', steps);
  let loss = NaN;
  for (let i = 1; i <= steps; i++) {
    const batch = stackPatches([0, 1].map(() => samplePatch(source, { size: patch, flips: true, rotations: true }, rand)));
    loss = await trainer.step(batch, 3e-3);
    bar.update(i, `loss ${loss.toFixed(3)}`);
  }
  const score = async (x0: number) => {
    const prob = await predictWhole(runtime.factory, model, trainer.parameters(), cut(x0, half, volume, 0), shape);
    const real = depth * size * half;
    return binaryScores(prob.subarray(0, real).map((p) => (p > 0.5 ? 1 : 0)), cut(x0, half, truth, 0).subarray(0, real)).dice;
  };
  const result = {
    sample: 'VesselNN burgess2014 crop 15×128×128', trainedOn: 'left half', steps, finalLoss: +loss.toFixed(4),
    trainDice: +(await score(0)).toFixed(4), heldOutDice: +(await score(half)).toFixed(4),
    device: runtime.report().used, seconds: +((performance.now() - started) / 1000).toFixed(1),
  };
  await trainer.release();
  console.log(JSON.stringify(result));
  return 0;
}
