// `lumen segment --image IMG --labels SPARSE --out PRED`: a few painted slices in, the whole
// volume segmented out, in the image's format and geometry.
import { writeFileSync } from 'node:fs';
import { writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { slidingWindowPredict, unetPatchModel } from '../../src-shared/infer/index.ts';
import { planarToVolume } from '../../src-shared/train/volume-convert.ts';
import { exportOnnxModel } from '../../src-shared/nn/model-file.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { parseArgs, flag, numberFlag, requiredFlag } from '../args.ts';
import { loadLabeledInput } from '../labeled-input.ts';
import { runStrategy } from '../strategy-runner.ts';
import { strategyOptionsFromArgs, strategyOptionsUsage } from '../strategy-options.ts';

export const summary = 'segment a whole volume from a few labeled slices (0 unlabeled, 1 background, 2 foreground)';

export const usage = (): string => `usage: lumen segment --image IMG --labels SPARSE --out PRED
  IMG: a TIFF stack, NIfTI or folder of slices; SPARSE: the same shape, 0 unlabeled,
  1 background, 2 foreground (a few painted slices are enough); PRED: same format and geometry
${strategyOptionsUsage()}
  [--out-scale 1|255]      the value written for foreground
  [--save-model FILE.onnx] also keep the trained model`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const started = performance.now();
  const out = requiredFlag(args, 'out');
  const outScale = numberFlag(args, 'out-scale', (x) => x === 1 || x === 255, '1 or 255') ?? 1;
  const options = strategyOptionsFromArgs(args); // before loading, so a typo fails fast
  const runtime = createRuntime({ device: (flag(args, 'device') ?? 'auto') as DeviceChoice, log: (l) => process.stderr.write(`${l}\n`) });
  const { image, labeled } = await loadLabeledInput(requiredFlag(args, 'image'), requiredFlag(args, 'labels'));
  const result = await runStrategy(flag(args, 'strategy') ?? 'auto', [labeled], options, runtime.factory);
  const saveModel = flag(args, 'save-model');
  if (saveModel) writeFileSync(saveModel, exportOnnxModel(result.model, result.model.config.dims === 3 ? [1, labeled.channels, 8, 96, 96] : [1, labeled.channels, 256, 256]));

  const [d, h, w] = labeled.shape;
  const patch = result.model.config.dims === 3 ? [Math.min(d, 16), Math.min(h, 128), Math.min(w, 128)] : [1, Math.min(h, 256), Math.min(w, 256)];
  const prob = await slidingWindowPredict(unetPatchModel(runtime.factory, result.model), planarToVolume(labeled.image, labeled.shape, labeled.channels), { patch, normalize: 'none' });
  const labels = Uint8Array.from(prob.data as Float32Array, (p) => (p > 0.5 ? outScale : 0));
  const mask = makeVolume([d, h, w, 1], 'uint8', labels, image.geometry);
  await writeVolume(out, mask, { like: image });
  console.log(JSON.stringify({
    out, strategy: result.strategy, device: runtime.report().used, seconds: +((performance.now() - started) / 1000).toFixed(1),
    foregroundFraction: +(labels.reduce((a, v) => a + (v > 0 ? 1 : 0), 0) / labels.length).toFixed(4), ...result.report,
  }));
  return 0;
}
