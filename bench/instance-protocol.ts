// Issue 15's protocol for judging instance segmentation on one image: the objects whose centroid
// lies left of a cut are drawn (annotated region = left of the cut plus those objects); the
// objects right of it are scored, predictions whose centroid lies left of it ignored.
import { measureObjects } from '../src-shared/eval/object-table.ts';
import { evaluateInstances } from '../src-shared/eval/instance-matching.ts';

type Zyx = [number, number, number];

export function leftAnnotation(truth: ArrayLike<number>, shape: Zyx, cutX: number): { drawn: Uint32Array; annotated: Uint8Array; scored: Uint8Array; drawnCount: number } {
  const W = shape[2];
  const left = new Set(measureObjects(truth, shape).filter((r) => r.centroid[2] < cutX).map((r) => r.id));
  const drawn = Uint32Array.from(truth, (id) => (left.has(id) ? id : 0));
  const annotated = Uint8Array.from(truth, (id, i) => (i % W < cutX || left.has(id) ? 1 : 0));
  const scored = Uint8Array.from({ length: truth.length }, (_, i) => (i % W >= cutX ? 1 : 0));
  return { drawn, annotated, scored, drawnCount: left.size };
}

export function scoreRight(truth: ArrayLike<number>, pred: ArrayLike<number>, shape: Zyx, scored: Uint8Array) {
  const ev = evaluateInstances(truth, pred, shape, { mask: scored });
  const at = (tau: number) => ev.perThreshold.find((s) => Math.abs(s.tau - tau) < 1e-9)!;
  return {
    f1_at_05: +at(0.5).f1.toFixed(3), precision: +at(0.5).precision.toFixed(3), recall: +at(0.5).recall.toFixed(3),
    ap_at_05: +at(0.5).ap.toFixed(3), f1_at_07: +at(0.7).f1.toFixed(3), truth_scored: ev.truthObjects, predicted_scored: ev.predObjects,
  };
}
