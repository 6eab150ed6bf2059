// npm run bench:zeroshot — the bundled vessel models used as they are, with no labels at all: each
// 3D model on every VesselNN two-photon stack in ../shared/data (Dice over the whole stack), the
// 2D fundus model on the 20 DRIVE images (F1 pooled inside the field of view), the way a user
// runs them (`lumen predict --model NAME`: sliding window, z-scored input, threshold 0.5).
// Beside each, the best a single global intensity threshold could do on the same stack, chosen
// with the truth in hand (an upper bound for the simplest classical method, for scale).
// Each model also with self-training on the volume (classic/self-train.ts, `lumen predict
// --self-train`): its confident voxels label a pixel forest learned on that volume alone.
// Prints one JSON line. Options: --models a,b (3D models; default every bundled vessels-3d*),
// --no-drive, --prob-dir DIR (keep the probability maps there).
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readVolume, writeVolume } from '../src-shared/io/index.ts';
import { makeVolume } from '../src-shared/volume.ts';
import { slidingWindowPredict, unetPatchModel } from '../src-shared/infer/index.ts';
import { importSegmenterOnnx } from '../src-shared/segmenter/model-file.ts';
import { segmenterPatchModel, segmenterWindow } from '../src-shared/segmenter/patch-model.ts';
import { planarToVolume } from '../src-shared/train/volume-convert.ts';
import { createRuntime } from '../src-main/runtime.ts';
import { listPretrained, loadPretrained, pretrainedPath } from '../src-main/pretrained.ts';
import { DRIVE_IDS, loadDriveCase } from '../src-main/experiments/drive.ts';
import { flag, parseArgs } from '../src-main/args.ts';
import { selfTrain } from '../src-shared/classic/self-train.ts';
import { volumeToPlanar } from '../src-shared/train/volume-convert.ts';
import { zscore } from '../src-shared/train/normalize.ts';
import { dataPath } from '../test/shared-data.ts';

const args = parseArgs(process.argv.slice(2), ['no-drive']);
const models3d = (flag(args, 'models') ?? listPretrained().filter((n) => n.startsWith('vessels-3d')).join(',')).split(',');
const probDir = flag(args, 'prob-dir');
const STACKS = ['burgess2014_tgMouse', 'poon2015_BBB_noLeakage'];
const runtime = createRuntime({ device: 'cpu', threads: 2 });
const log = (line: string) => process.stderr.write(`[zero-shot] ${line}\n`);

function dice(pred: ArrayLike<number>, truth: ArrayLike<number>, threshold: number, mask?: ArrayLike<number>) {
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < truth.length; i++) {
    if (mask && !mask[i]) continue;
    const p = pred[i]! > threshold, t = truth[i]! > 0;
    if (p && t) tp++; else if (p) fp++; else if (t) fn++;
  }
  return { dice: +((2 * tp) / Math.max(1, 2 * tp + fp + fn)).toFixed(4), precision: +(tp / Math.max(1, tp + fp)).toFixed(4), recall: +(tp / Math.max(1, tp + fn)).toFixed(4), tp, fp, fn };
}

const mean = (v: number[]) => +(v.reduce((a, b) => a + b, 0) / v.length).toFixed(4);

const stacks = await Promise.all(STACKS.map(async (name) => ({
  name,
  image: await readVolume(dataPath('vesselnn', `${name}_image.tif`)),
  truth: (await readVolume(dataPath('vesselnn', `${name}_labels.tif`))).data as Uint8Array,
})));

const vesselnn: Record<string, unknown>[] = [];
for (const model of models3d) {
  // as `lumen predict --model NAME` runs it: the segmenter's own window, z-scored input
  const { segmenter } = importSegmenterOnnx(new Uint8Array(readFileSync(pretrainedPath(model))));
  const patchModel = segmenterPatchModel(runtime.factory, segmenter);
  const perStack: Record<string, unknown> = {};
  for (const s of stacks) {
    const t0 = performance.now();
    const prob = await slidingWindowPredict(patchModel, s.image, segmenterWindow(segmenter, s.image.shape));
    const seconds = (performance.now() - t0) / 1000;
    const p = prob.data as Float32Array;
    if (probDir) { mkdirSync(probDir, { recursive: true }); await writeVolume(join(resolve(probDir), `${basename(model, '.onnx')}-${s.name}.tif`), makeVolume(prob.shape, 'float32', p)); }
    const t1 = performance.now();
    const adapted = await selfTrain(runtime.factory, { shape: s.image.shape.slice(0, 3) as [number, number, number], channels: 1, image: volumeToPlanar(s.image, zscore) }, p);
    const selfTrained = { ...dice(adapted.prob, s.truth, 0.5), seconds: +((performance.now() - t1) / 1000).toFixed(1) };
    perStack[s.name] = { ...dice(p, s.truth, 0.5), seconds: +seconds.toFixed(1), selfTrained };
    log(`${model} on ${s.name}: ${JSON.stringify(perStack[s.name])}`);
  }
  const d = STACKS.map((n) => (perStack[n] as { dice: number }).dice);
  const ds = STACKS.map((n) => (perStack[n] as { selfTrained: { dice: number } }).selfTrained.dice);
  vesselnn.push({ model, meanDice: mean(d), selfTrainedMeanDice: mean(ds), stacks: perStack });
}

// the best single global threshold on the raw intensities, picked with the truth (an upper bound)
const oracleThreshold = Object.fromEntries(stacks.map((s) => {
  const v = s.image.data as ArrayLike<number>;
  let best = { dice: 0, at: 0 };
  for (let q = 1; q < 255; q++) { const d = dice(v, s.truth, q).dice; if (d > best.dice) best = { dice: d, at: q }; }
  return [s.name, best];
}));

let drive: Record<string, unknown> | null = null;
if (!args.flags.has('no-drive')) {
  const patchModel = unetPatchModel(runtime.factory, loadPretrained('vessels-2d-fundus'));
  const plain = { tp: 0, fp: 0, fn: 0 }, adapted = { tp: 0, fp: 0, fn: 0 };
  const add = (sum: typeof plain, s: typeof plain) => { sum.tp += s.tp; sum.fp += s.fp; sum.fn += s.fn; };
  for (const id of DRIVE_IDS) {
    const c = await loadDriveCase(dataPath('drive'), id);
    const prob = await slidingWindowPredict(patchModel, planarToVolume(c.labeled.image, c.labeled.shape, c.labeled.channels), { patch: [1, 256, 256], normalize: 'none' });
    add(plain, dice(prob.data as Float32Array, c.truth, 0.5, c.fov));
    // the photograph's outside-the-FOV black is no vessel the forest should learn from
    const p = Float32Array.from(prob.data as Float32Array, (v, i) => (c.fov[i] ? v : Number.NaN));
    add(adapted, dice((await selfTrain(runtime.factory, c.labeled, p)).prob, c.truth, 0.5, c.fov));
  }
  const scores = ({ tp, fp, fn }: typeof plain) => ({ f1: +((2 * tp) / (2 * tp + fp + fn)).toFixed(4), precision: +(tp / (tp + fp)).toFixed(4), recall: +(tp / (tp + fn)).toFixed(4) });
  drive = { model: 'vessels-2d-fundus', images: DRIVE_IDS.length, ...scores(plain), selfTrained: scores(adapted) };
  log(`vessels-2d-fundus on DRIVE: ${JSON.stringify(drive)}`);
}

console.log(JSON.stringify({ bench: 'zero-shot', vesselnn, oracleGlobalThreshold: oracleThreshold, drive, goal: { vesselnnMeanDice: 0.7 } }));
