// The instance halves of `lumen evaluate`: `--instances` scores predicted objects against true
// ones (StarDist/Cellpose matching), `--objects` measures the objects of one label image. The
// command file reads the flags; this file reads the volumes, checks them and prints.
import { writeFileSync } from 'node:fs';
import { readVolume, checkOutputFolder } from '../src-shared/io/index.ts';
import type { Volume } from '../src-shared/volume.ts';
import { LumenError } from '../src-shared/errors.ts';
import { checkInstanceLabels } from '../src-shared/eval/instance-labels.ts';
import { idsInSeveralPieces } from '../src-shared/eval/split-objects.ts';
import { evaluateInstances, DEFAULT_THRESHOLDS } from '../src-shared/eval/instance-matching.ts';
import { measureObjects, objectTableCsv } from '../src-shared/eval/object-table.ts';

type Zyx = [number, number, number];
const zyx = (v: Volume): Zyx => [v.shape[0], v.shape[1], v.shape[2]];
const voxels = (v: Volume) => zyx(v).join('×');

function checkSameGrid(name: string, v: Volume, reference: Volume, referenceName: string): void {
  if (voxels(v) !== voxels(reference)) throw new LumenError('shape-mismatch', `the ${name} is ${voxels(v)} but the ${referenceName} is ${voxels(reference)}`);
}

/** The first channel of a volume (a mask or an intensity image saved with several channels). */
function firstChannel(v: Volume): ArrayLike<number> {
  const c = v.shape[3];
  if (c === 1) return v.data;
  return Float64Array.from({ length: v.data.length / c }, (_, i) => v.data[i * c]!);
}

/** A label image's ids, checked: one channel, whole numbers ≥ 0. */
function labelIds(name: string, v: Volume): ArrayLike<number> {
  if (v.shape[3] !== 1) throw new LumenError('bad-input', `the ${name} has ${v.shape[3]} channels; instance labels have one (an id per voxel)`);
  checkInstanceLabels(v.data, zyx(v), name);
  return v.data;
}

/** Warns (stderr, one line) about ids drawn as separate pieces: scored as one object, usually a labelling slip. */
function warnAboutSplitIds(name: string, labels: ArrayLike<number>, shape: Zyx): void {
  const split = idsInSeveralPieces(labels, shape);
  if (!split.length) return;
  const shown = split.slice(0, 10).map((s) => `${s.id} (${s.pieces} pieces)`).join(', ');
  const more = split.length > 10 ? ` and ${split.length - 10} more` : '';
  console.error(`lumen evaluate: warning: in the ${name}, id${split.length > 1 ? 's' : ''} ${shown}${more} ${split.length > 1 ? 'are' : 'is'} drawn as separate pieces (not touching, 26-connectivity); each id is scored as one object`);
}

/** `--thresholds 0.5,0.75`: IoU thresholds above 0 and at most 1. */
export function parseThresholds(raw: string | undefined): number[] {
  if (raw === undefined) return [...DEFAULT_THRESHOLDS];
  const values = raw.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (!values.length || values.some((t) => !(t > 0 && t <= 1))) {
    throw new LumenError('bad-input', `--thresholds must be IoU values above 0 and at most 1, separated by commas (e.g. 0.5,0.75), got '${raw}'`);
  }
  return values;
}

export async function evaluateInstanceFiles(paths: { pred: string; truth: string; mask?: string }, thresholds: number[]): Promise<void> {
  const pred = await readVolume(paths.pred), truth = await readVolume(paths.truth);
  const mask = paths.mask ? await readVolume(paths.mask) : undefined;
  checkSameGrid('truth', truth, pred, 'prediction');
  if (mask) checkSameGrid('mask', mask, pred, 'prediction');
  const p = labelIds('prediction', pred), t = labelIds('truth', truth);
  warnAboutSplitIds('truth', t, zyx(truth));
  warnAboutSplitIds('prediction', p, zyx(pred));
  // F1 and AP at 0.5 lead the line whatever the table holds: the number papers report
  const withHalf = thresholds.includes(0.5) ? thresholds : [0.5, ...thresholds];
  const result = evaluateInstances(t, p, zyx(pred), { thresholds: withHalf, mask: mask ? firstChannel(mask) : undefined });
  const atHalf = result.perThreshold[withHalf.indexOf(0.5)]!;
  const perThreshold = result.perThreshold.filter((_, i) => thresholds.includes(withHalf[i]!));
  console.log(JSON.stringify({
    f1: atHalf.f1, ap: atHalf.ap, truthObjects: result.truthObjects, predObjects: result.predObjects,
    ...(mask ? { ignoredTruthObjects: result.ignoredTruthObjects, ignoredPredObjects: result.ignoredPredObjects } : {}),
    perThreshold,
  }));
}

export async function measureObjectFiles(paths: { labels: string; image?: string; csv: string }): Promise<void> {
  checkOutputFolder(paths.csv);
  const labels = await readVolume(paths.labels);
  const image = paths.image ? await readVolume(paths.image) : undefined;
  if (image) checkSameGrid('image', image, labels, 'label image');
  const ids = labelIds('label image', labels);
  warnAboutSplitIds('label image', ids, zyx(labels));
  const { spacing, unit } = labels.geometry;
  const rows = measureObjects(ids, zyx(labels), { spacing, image: image ? firstChannel(image) : undefined });
  writeFileSync(paths.csv, objectTableCsv(rows, unit));
  console.log(JSON.stringify({ objects: rows.length, totalVolume: rows.reduce((s, r) => s + r.volume, 0), unit, csv: paths.csv }));
}
