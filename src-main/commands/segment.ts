// `lumen segment --image IMG --labels SPARSE --out PRED`: a few painted slices (in any view, any
// number of classes) in, the whole volume segmented out, in the image's format and geometry.
import { writeFileSync } from 'node:fs';
import { checkVolumeOutput, writeVolume } from '../../src-shared/io/index.ts';
import { makeVolume } from '../../src-shared/volume.ts';
import { thresholdSlice } from '../../src-shared/infer/index.ts';
import { outputChannels } from '../../src-shared/train/classes.ts';
import { planarToVolume } from '../../src-shared/train/volume-convert.ts';
import { exportSegmenterOnnx } from '../../src-shared/segmenter/model-file.ts';
import { predictSegmenter } from '../../src-shared/segmenter/predict.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { parseArgs, flag, numberFlag, requiredFlag } from '../args.ts';
import { loadLabeledInput } from '../labeled-input.ts';
import { instanceUsage, segmentInstancesCommand } from '../instance-commands.ts';
import { runSegmenterStrategy } from '../strategy-runner.ts';
import { strategyOptionsFromArgs, strategyOptionsUsage } from '../strategy-options.ts';

export const summary = 'segment a whole volume from a few labeled slices or strokes (0 unlabeled, 1 background, 2… classes)';

export const usage = (): string => `usage: lumen segment --image IMG --labels SPARSE --out PRED
  IMG: a TIFF stack, NIfTI or folder of slices; SPARSE: the same shape, 0 unlabeled,
  1 background, 2… one value per class (a few painted slices or strokes, in any view);
  PRED: same format and geometry
${strategyOptionsUsage()}
  [--out-scale 1|255]      the value written for the class (binary; several classes are written as painted)
  [--prob]                 write float32 probabilities instead (one channel per class when several)
  [--save-model FILE.onnx] also keep the trained model
${instanceUsage()}`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['prob', 'instances']);
  if (flag(args, 'instances')) return segmentInstancesCommand(args);
  const started = performance.now();
  const out = requiredFlag(args, 'out');
  checkVolumeOutput(out); // a typo in --out fails now, not after training
  const outScale = numberFlag(args, 'out-scale', (x) => x === 1 || x === 255, '1 or 255') ?? 1;
  const options = strategyOptionsFromArgs(args); // before loading, so a typo fails fast
  const runtime = createRuntime({ device: (flag(args, 'device') ?? 'auto') as DeviceChoice, log: (l) => process.stderr.write(`${l}\n`) });
  const { image, labeled } = await loadLabeledInput(requiredFlag(args, 'image'), requiredFlag(args, 'labels'));
  const result = await runSegmenterStrategy(flag(args, 'strategy') ?? 'auto', [labeled], options, runtime.factory);
  const saveModel = flag(args, 'save-model');
  if (saveModel) writeFileSync(saveModel, exportSegmenterOnnx(result.segmenter, result.classes, { strategy: result.strategy, report: result.report }, labeled.channels));

  const [d, h, w] = labeled.shape, n = d * h * w;
  const outC = outputChannels(result.classes);
  const prob = result.probabilities?.[0] ?? await predictSegmenter(runtime.factory, result.segmenter, labeled.image, labeled.shape, labeled.channels);
  if (flag(args, 'prob')) {
    await writeVolume(out, { ...planarToVolume(prob, labeled.shape, outC), geometry: image.geometry }, { like: image });
  } else {
    // binary: 0 / --out-scale; several classes: each voxel's class value as painted (background 1)
    const labels = thresholdSlice(prob, outC, n, 0.5, new Uint8Array(n), outScale, result.classes);
    await writeVolume(out, makeVolume([d, h, w, 1], 'uint8', labels, image.geometry), { like: image, labels: true });
  }
  console.log(JSON.stringify({
    out, strategy: result.strategy, classes: result.classes, device: runtime.report().used,
    seconds: +((performance.now() - started) / 1000).toFixed(1), ...result.report,
  }));
  return 0;
}
