// Issue 15's real-data check: the nuclei2d sample with the nuclei whose centroid lies in the left
// half drawn (annotated region = the left half plus those nuclei); F1 at IoU 0.5 on the nuclei of
// the right half, predictions whose centroid lies in the left half ignored. Scratch and, when a
// bundled nuclei-2d model exists, fine-tuned from it. One JSON line per mode.
//   npm run bench:nuclei2d [-- --steps N --mode scratch|finetune|both]
import { existsSync, readFileSync } from 'node:fs';
import { readVolume } from '../src-shared/io/index.ts';
import { createRuntime } from '../src-main/runtime.ts';
import { trainInstances, predictInstancesWith } from '../src-shared/instances/train/index.ts';
import { importOnnxModel } from '../src-shared/nn/model-file.ts';
import { leftAnnotation, scoreRight } from './instance-protocol.ts';
import { dataPath } from '../test/shared-data.ts';

const arg = (k: string) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : undefined; };
const image = await readVolume(dataPath('nuclei2d/image.tif'));
const truth = (await readVolume(dataPath('nuclei2d/instances.tif'))).data as Uint16Array;
const [, H, W] = image.shape;
const shape: [number, number, number] = [1, H, W];
const { drawn, annotated, scored } = leftAnnotation(truth, shape, W / 2);
const bundled = 'resources/models/nuclei-2d.onnx';
const mode = arg('mode') ?? 'both';
const modes = (mode === 'both' ? ['scratch', 'finetune'] : [mode]).filter((m) => m === 'scratch' || existsSync(bundled)) as ('scratch' | 'finetune')[];
const { factory } = createRuntime();
for (const m of modes) {
  const t0 = performance.now();
  const r = await trainInstances(factory, { image: image.data, channels: 1, shape, instances: drawn, annotated }, {
    mode: m, steps: arg('steps') ? Number(arg('steps')) : undefined, seed: Number(arg('seed') ?? 0),
    ...(m === 'finetune' ? { pretrained: importOnnxModel(readFileSync(bundled)) } : {}),
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const p = await predictInstancesWith(factory, r.model, image.data, 1, shape);
  console.log(JSON.stringify({
    bench: 'nuclei2d-instances', mode: m, ...scoreRight(truth, p.labels, shape, scored),
    train_objects: r.report.trainObjects, validation_objects: r.report.validationObjects, validation_f1: +r.report.validationF1.toFixed(3),
    prob_threshold: r.report.probThreshold, nms_threshold: r.report.nmsThreshold, steps: r.report.steps,
    train_seconds: +trainSeconds.toFixed(1), predict_seconds: +(p.networkSeconds + (p.timings.candidates + p.timings.nms + p.timings.rasterise) / 1000).toFixed(2),
  }));
}
