// npm run bench:drive1 — the DRIVE one-image check: train on image 21 alone, score images 22–40
// inside their field of view (pooled F1 = Dice over all their FOV pixels, and the per-image mean).
// Options: --strategy S (default finetune) --model NAME (default vessels-2d-fundus) --effort E
// (default 2) --foreground-weight W (default 2) --seed N. Prints one JSON line.
import { loadDriveCase, DRIVE_IDS } from '../src-main/experiments/drive.ts';
import { strategyByName } from '../src-shared/train/strategies/index.ts';
import { slidingWindowPredict, unetPatchModel } from '../src-shared/infer/index.ts';
import { planarToVolume } from '../src-shared/train/volume-convert.ts';
import { binaryScores } from '../src-shared/eval/metrics.ts';
import { createRuntime } from '../src-main/runtime.ts';
import { loadPretrained } from '../src-main/pretrained.ts';
import { parseArgs, flag } from '../src-main/args.ts';
import { dataPath } from '../test/shared-data.ts';

const args = parseArgs(process.argv.slice(2));
const strategy = flag(args, 'strategy') ?? 'finetune';
const modelName = flag(args, 'model') ?? (strategy === 'finetune' ? 'vessels-2d-fundus' : undefined);
const options = {
  effort: Number(flag(args, 'effort') ?? 2), foregroundWeight: Number(flag(args, 'foreground-weight') ?? 2),
  seed: Number(flag(args, 'seed') ?? 0), pretrained: modelName ? loadPretrained(modelName) : undefined,
};
const runtime = createRuntime({ device: 'cpu' });
const root = dataPath('drive');
const train = await loadDriveCase(root, '21');
const t0 = performance.now();
const { run } = strategyByName(strategy, [train.labeled], options);
const { model, report } = await run([train.labeled], options, { factory: runtime.factory });
const trainSeconds = (performance.now() - t0) / 1000;
const patchModel = unetPatchModel(runtime.factory, model);
let tp = 0, fp = 0, fn = 0;
const perImage: number[] = [];
for (const id of DRIVE_IDS.filter((id) => id !== '21')) {
  const c = await loadDriveCase(root, id);
  const prob = await slidingWindowPredict(patchModel, planarToVolume(c.labeled.image, c.labeled.shape, c.labeled.channels), { patch: [1, 256, 256], normalize: 'none' });
  const s = binaryScores(Uint8Array.from(prob.data as Float32Array, (p) => (p > 0.5 ? 1 : 0)), c.truth, c.fov);
  tp += s.confusion.tp; fp += s.confusion.fp; fn += s.confusion.fn;
  perImage.push(s.dice);
}
console.log(JSON.stringify({
  bench: 'drive-one-image', train: ['21'], test: '22-40', strategy, model: modelName, ...options, pretrained: undefined, report,
  f1Pooled: +((2 * tp) / (2 * tp + fp + fn)).toFixed(4), f1MeanPerImage: +(perImage.reduce((a, b) => a + b) / perImage.length).toFixed(4),
  trainSeconds: Math.round(trainSeconds), goal: 0.78,
}));
