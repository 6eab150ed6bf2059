// npm run bench:vesselnn — the sparse-slice check, through the real CLI: for each VesselNN
// stack, keep the labels of z = ⌊d/3⌉ and ⌊2d/3⌉ only, run `lumen segment` as a child process
// (default strategy unless --strategy S; --effort E; --model M), and score every other slice
// against the dense labels. Prints one JSON line with Dice and the command's wall time per stack.
// --ceiling asks how much more labels would buy: every slice is labeled except z ≡ 2 (mod 4),
// which are the ones scored.
// Beside Dice on the scored slices it reports how well the model matches the painted slices it
// learned from (paintedSliceDice: a ceiling set by the labels' own consistency) and the share of
// its errors that touch a vessel's drawn outline (errorsOnOutline, see eval/boundary-errors.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readVolume, writeVolume } from '../src-shared/io/index.ts';
import { makeVolume } from '../src-shared/volume.ts';
import { binaryScores } from '../src-shared/eval/metrics.ts';
import { boundaryErrors } from '../src-shared/eval/boundary-errors.ts';
import { parseArgs, flag } from '../src-main/args.ts';
import { dataPath, PROJECT_ROOT } from '../test/shared-data.ts';

const args = parseArgs(process.argv.slice(2), ['ceiling']);
const ceiling = args.flags.has('ceiling');
const extra = ['strategy', 'effort', 'seed', 'model'].flatMap((k) => (flag(args, k) ? [`--${k}`, flag(args, k)!] : []));
// with most slices labeled, auto would switch to a 3D network: keep the 2-slice default's network
if (ceiling && !flag(args, 'strategy')) extra.push('--strategy', 'sparse-2d');
const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-vesselnn-'));
const results = [];
try {
  for (const name of ['burgess2014_tgMouse', 'poon2015_BBB_noLeakage']) {
    const image = dataPath(`vesselnn/${name}_image.tif`);
    const dense = await readVolume(dataPath(`vesselnn/${name}_labels.tif`));
    const [D, H, W] = dense.shape, plane = H * W;
    const labeled = ceiling ? Array.from({ length: D }, (_, z) => z).filter((z) => z % 4 !== 2) : [Math.round(D / 3), Math.round((2 * D) / 3)];
    const sparse = new Uint8Array(D * plane), scored = new Uint8Array(D * plane).fill(1);
    for (const z of labeled) {
      for (let k = z * plane; k < (z + 1) * plane; k++) sparse[k] = dense.data[k]! > 0 ? 2 : 1;
      scored.fill(0, z * plane, (z + 1) * plane);
    }
    const labels = join(dir, `${name}_sparse.tif`), out = join(dir, `${name}_pred.tif`);
    await writeVolume(labels, makeVolume([D, H, W, 1], 'uint8', sparse, dense.geometry));
    const t0 = performance.now();
    const r = spawnSync('node', [resolve(PROJECT_ROOT, 'bin/lumen.mjs'), 'segment', '--image', image, '--labels', labels, '--out', out, '--device', 'cpu', ...extra],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`lumen segment failed on ${name} (exit ${r.status})`);
    const pred = await readVolume(out);
    const truth = Uint8Array.from(dense.data as ArrayLike<number>, (v) => (v > 0 ? 1 : 0));
    const predicted = Uint8Array.from(pred.data as ArrayLike<number>, (v) => (v > 0 ? 1 : 0));
    const s = binaryScores(predicted, truth, scored);
    const painted = binaryScores(predicted, truth, scored.map((m) => 1 - m));
    const outline = boundaryErrors(predicted, truth, [D, H, W], scored);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    results.push({ stack: name, shape: [D, H, W], labeledSlices: labeled, strategy: report.strategy, dice: +s.dice.toFixed(4),
      precision: +s.precision.toFixed(4), recall: +s.recall.toFixed(4), seconds: +seconds.toFixed(1), paintedSliceDice: +painted.dice.toFixed(4),
      errorsOnOutline: +outline.onOutline.toFixed(3), diceWithoutOutlineErrors: +outline.diceWithoutOutlineErrors.toFixed(4) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: ceiling ? 'vesselnn-all-but-every-4th-slice' : 'vesselnn-two-slices', goal: { dice: 0.85, secondsFor25x512x512: 180 }, results }));
