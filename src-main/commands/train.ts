// `lumen train --image IMG --labels LAB [--image IMG2 --labels LAB2 …] --out MODEL.onnx`
import { writeFileSync } from 'node:fs';
import { exportSegmenterOnnx } from '../../src-shared/segmenter/model-file.ts';
import { LumenError } from '../../src-shared/errors.ts';
import { createRuntime, type DeviceChoice } from '../runtime.ts';
import { parseArgs, flag, requiredFlag } from '../args.ts';
import { loadLabeledInput } from '../labeled-input.ts';
import { instanceUsage, trainInstancesCommand } from '../instance-commands.ts';
import { runSegmenterStrategy } from '../strategy-runner.ts';
import { strategyOptionsFromArgs, strategyOptionsUsage } from '../strategy-options.ts';
import type { LabeledVolume } from '../../src-shared/train/dataset.ts';

export const summary = 'train a model on images with sparse or dense labels and save it as ONNX';

export const usage = (): string => `usage: lumen train --image IMG --labels LAB [--image IMG2 --labels LAB2 …] --out MODEL.onnx
  labels sparse or dense, 0 unlabeled, 1 background, 2… the classes; RGB images train on 3 channels
${strategyOptionsUsage()}
${instanceUsage()}`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['instances']);
  if (flag(args, 'instances')) return trainInstancesCommand(args);
  const started = performance.now();
  const images = args.flags.get('image') ?? [], labels = args.flags.get('labels') ?? [];
  if (images.length === 0 || images.length !== labels.length) throw new LumenError('bad-input', 'give one --labels for each --image');
  const out = requiredFlag(args, 'out');
  const options = strategyOptionsFromArgs(args); // before loading, so a typo fails fast
  const runtime = createRuntime({ device: (flag(args, 'device') ?? 'auto') as DeviceChoice, log: (l) => process.stderr.write(`${l}\n`) });
  const data: LabeledVolume[] = [];
  for (let i = 0; i < images.length; i++) data.push((await loadLabeledInput(images[i]!, labels[i]!)).labeled);
  if (data.some((v) => v.channels !== data[0]!.channels)) throw new LumenError('shape-mismatch', 'all images must have the same number of channels');
  // the same strategies, `auto` and its candidates included, as `lumen segment`
  const result = await runSegmenterStrategy(flag(args, 'strategy') ?? 'auto', data, options, runtime.factory);
  const provenance = { strategy: result.strategy, report: result.report, images, labels, trainedAt: new Date().toISOString() };
  writeFileSync(out, exportSegmenterOnnx(result.segmenter, result.classes, provenance, data[0]!.channels));
  console.log(JSON.stringify({ out, strategy: result.strategy, device: runtime.report().used, seconds: +((performance.now() - started) / 1000).toFixed(1), ...result.report }));
  return 0;
}
