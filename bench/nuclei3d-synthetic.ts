// Issue 15's 3D correctness check: a synthetic nuclei volume (z spacing 2× in-plane, CNR 3, many
// nuclei touching); the nuclei left of x = 2/3 of the width drawn, the rest scored (F1 at IoU 0.5,
// goal ≥ 0.85). One JSON line per mode.   npm run bench:nuclei3d [-- --steps N --seed S --mode scratch|finetune]
import { existsSync, readFileSync } from 'node:fs';
import { createRuntime } from '../src-main/runtime.ts';
import { trainInstances, predictInstancesWith } from '../src-shared/instances/train/index.ts';
import { importOnnxModel } from '../src-shared/nn/model-file.ts';
import { nucleiImage } from '../src-shared/synth/nuclei-image.ts';
import { seededRandom } from '../src-shared/random.ts';
import { leftAnnotation, scoreRight } from './instance-protocol.ts';

const arg = (k: string) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : undefined; };
const shape: [number, number, number] = [24, 96, 192];
const vol = nucleiImage(3, shape, { spacing: [2, 1, 1], count: 120, radius: [5, 8], minSeparation: 0.75, cnr: 3 }, seededRandom(Number(arg('data-seed') ?? 1)));
const cut = Math.round(shape[2] * 2 / 3);
const { drawn, annotated, scored, drawnCount } = leftAnnotation(vol.instances, shape, cut);
const bundled = 'resources/models/nuclei-3d.onnx';
const mode = arg('mode') ?? 'scratch';
const { factory } = createRuntime();
const t0 = performance.now();
const r = await trainInstances(factory, { image: vol.image, channels: 1, shape, spacing: [2, 1, 1], instances: drawn, annotated }, {
  mode: mode as 'scratch' | 'finetune', steps: arg('steps') ? Number(arg('steps')) : undefined, seed: Number(arg('seed') ?? 0),
  ...(mode === 'finetune' && existsSync(bundled) ? { pretrained: importOnnxModel(readFileSync(bundled)) } : {}),
});
const trainSeconds = (performance.now() - t0) / 1000;
const p = await predictInstancesWith(factory, r.model, vol.image, 1, shape);
console.log(JSON.stringify({
  bench: 'nuclei3d-synthetic', mode: r.report.mode, nuclei: vol.count, touching: +vol.touchingFraction.toFixed(2), drawn: drawnCount,
  ...scoreRight(vol.instances, p.labels, shape, scored), validation_f1: +r.report.validationF1.toFixed(3),
  prob_threshold: r.report.probThreshold, nms_threshold: r.report.nmsThreshold, steps: r.report.steps, train_seconds: +trainSeconds.toFixed(1),
  predict_seconds: +(p.networkSeconds + (p.timings.candidates + p.timings.nms + p.timings.rasterise) / 1000).toFixed(2),
}));
