// `lumen segment --instances` and `lumen train --instances`: objects drawn one id each (and the
// region where every object is drawn) in, a StarDist network trained (fine-tuned from the bundled
// nuclei model where one fits, or from scratch, whichever scores better on held-out objects) and,
// for segment, the whole image's objects out as a label image.
import { writeFileSync } from 'node:fs';
import { writeVolume, checkVolumeOutput } from '../src-shared/io/index.ts';
import { makeVolume } from '../src-shared/volume.ts';
import { LumenError } from '../src-shared/errors.ts';
import { trainInstances, predictInstancesWith, instanceModelBytes, type InstanceTrainingReport } from '../src-shared/instances/train/index.ts';
import type { ModelFile } from '../src-shared/nn/model-file.ts';
import { measureObjects, objectTableCsv } from '../src-shared/eval/object-table.ts';
import { createRuntime, type DeviceChoice } from './runtime.ts';
import { flag, numberFlag, requiredFlag, type ParsedArgs } from './args.ts';
import { loadInstanceInput } from './instance-input.ts';
import { bundledInstanceModel, loadPretrained } from './pretrained.ts';

export const instanceUsage = (): string => `  --instances              objects instead of classes (StarDist): --labels holds one id per drawn
                           object (0 = nothing drawn)
  [--annotated MASK]       with --instances: non-zero where every object is drawn (default: the whole
                           image); elsewhere unlabeled voxels are unknown, not background
  [--strategy auto|scratch|finetune] with --instances: auto fine-tunes the bundled nuclei-2d/3d
                           model (or --model) and trains from scratch, and keeps the one that scores
                           better on held-out objects
  [--steps N]              with --instances: training steps (default 600 in 2D, 400 in 3D)
  [--csv FILE.csv]         with --instances (segment): also the per-object table`;

type Mode = 'auto' | 'scratch' | 'finetune';

function startingPoint(args: ParsedArgs, dims: 2 | 3): { pretrained?: ModelFile; name?: string; mode: Mode } {
  const strategy = flag(args, 'strategy') ?? 'auto';
  if (strategy !== 'auto' && strategy !== 'scratch' && strategy !== 'finetune') {
    throw new LumenError('bad-input', `--strategy ${strategy} does not train instances; use auto, scratch or finetune`);
  }
  const given = flag(args, 'model');
  if (given) return { pretrained: loadPretrained(given), name: given, mode: strategy };
  if (strategy === 'scratch') return { mode: strategy };
  const bundled = bundledInstanceModel(dims);
  if (!bundled && strategy === 'finetune') throw new LumenError('bad-input', `--strategy finetune needs --model: no nuclei-${dims}d model is installed`);
  return bundled ? { pretrained: bundled.model, name: bundled.name, mode: strategy } : { mode: 'scratch' };
}

async function train(args: ParsedArgs): Promise<{ model: ModelFile; report: InstanceTrainingReport; input: Awaited<ReturnType<typeof loadInstanceInput>>; runtime: ReturnType<typeof createRuntime>; from?: string }> {
  const steps = numberFlag(args, 'steps', (x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1');
  const seed = numberFlag(args, 'seed', Number.isInteger, 'a whole number');
  const runtime = createRuntime({ device: (flag(args, 'device') ?? 'auto') as DeviceChoice, log: (l) => process.stderr.write(`${l}\n`) });
  const input = await loadInstanceInput(requiredFlag(args, 'image'), requiredFlag(args, 'labels'), flag(args, 'annotated'));
  const start = startingPoint(args, input.data.shape[0] === 1 ? 2 : 3);
  let lastShown = 0;
  const r = await trainInstances(runtime.factory, input.data, {
    mode: start.mode, ...(start.pretrained ? { pretrained: start.pretrained } : {}), ...(steps ? { steps } : {}), ...(seed !== undefined ? { seed } : {}),
    onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
    onStep: (step, total, loss, phase) => {
      if (performance.now() - lastShown < 2000 && step !== total) return;
      lastShown = performance.now();
      process.stderr.write(`${phase}: step ${step}/${total}, loss ${loss.toFixed(3)}\n`);
    },
  });
  return { ...r, input, runtime, ...(start.name ? { from: start.name } : {}) };
}

const reportJson = (r: InstanceTrainingReport, from?: string) => ({
  mode: r.mode, ...(r.mode === 'finetune' && from ? { from } : {}), steps: r.steps, trainObjects: r.trainObjects, validationObjects: r.validationObjects,
  validationF1: +r.validationF1.toFixed(3), probThreshold: r.probThreshold, nmsThreshold: r.nmsThreshold,
  ...(r.alternative ? { alternative: { ...r.alternative, validationF1: +r.alternative.validationF1.toFixed(3), seconds: +r.alternative.seconds.toFixed(1) } } : {}),
});

export async function trainInstancesCommand(args: ParsedArgs): Promise<number> {
  const started = performance.now();
  const out = requiredFlag(args, 'out');
  if (!out.endsWith('.onnx')) throw new LumenError('bad-input', `--out ${out}: an instance model is saved as a .onnx file`);
  const r = await train(args);
  writeFileSync(out, instanceModelBytes({ ...r.model, provenance: { ...r.model.provenance, image: flag(args, 'image'), labels: flag(args, 'labels'), trainedAt: new Date().toISOString() } }));
  console.log(JSON.stringify({ out, device: r.runtime.report().used, seconds: +((performance.now() - started) / 1000).toFixed(1), ...reportJson(r.report, r.from) }));
  return 0;
}

export async function segmentInstancesCommand(args: ParsedArgs): Promise<number> {
  const started = performance.now();
  const out = requiredFlag(args, 'out');
  checkVolumeOutput(out); // a typo in --out fails now, not after training
  const csv = flag(args, 'csv');
  const r = await train(args);
  const saveModel = flag(args, 'save-model');
  if (saveModel) writeFileSync(saveModel, instanceModelBytes(r.model));
  const { image, data } = r.input;
  const p = await predictInstancesWith(r.runtime.factory, r.model, data.image, data.channels, data.shape);
  const [d, h, w] = data.shape;
  const dtype = p.labels instanceof Uint32Array ? 'uint32' : 'uint16';
  await writeVolume(out, makeVolume([d, h, w, 1], dtype, p.labels, image.geometry), { like: image, labels: true });
  if (csv) writeFileSync(csv, objectTableCsv(measureObjects(p.labels, data.shape, { spacing: image.geometry.spacing, image: Float32Array.from({ length: d * h * w }, (_, i) => data.image[i]!) }), image.geometry.unit));
  console.log(JSON.stringify({
    out, objects: p.count, device: r.runtime.report().used, seconds: +((performance.now() - started) / 1000).toFixed(1),
    predictSeconds: { network: +p.networkSeconds.toFixed(2), candidates: +(p.timings.candidates / 1000).toFixed(2), nms: +(p.timings.nms / 1000).toFixed(2), rasterise: +(p.timings.rasterise / 1000).toFixed(2) },
    ...reportJson(r.report, r.from),
  }));
  return 0;
}
