// StarDist's threshold optimisation: after training, the probability threshold and the NMS
// overlap threshold are chosen to maximise F1 at IoU 0.5 on the held-out objects, so they fit
// this network's calibration instead of fixed defaults. A coarse grid, then a finer one around
// the best probability threshold; decoding is the expensive part, the network runs once.
import { evaluateInstances } from '../../eval/instance-matching.ts';
import { decodeStarOutput } from './predict-instances.ts';
import type { InstanceDecoding } from './decoding.ts';

type Zyx = [number, number, number];

export interface ThresholdChoice { probThreshold: number; nmsThreshold: number; f1: number; tried: number }

export const NMS_THRESHOLDS = [0.3, 0.4, 0.5];
const COARSE = [0.3, 0.4, 0.5, 0.6, 0.7];

/** F1 at IoU 0.5 of a decoding against `truth`, counting objects whose centroid lies in `region`. */
export function f1At(out: Float32Array, shape: Zyx, d: InstanceDecoding, truth: ArrayLike<number>, region: Uint8Array, probThreshold: number, nmsThreshold: number): number {
  const pred = decodeStarOutput(out, shape, d, { probThreshold, nmsThreshold }).labels;
  return evaluateInstances(truth, pred, shape, { thresholds: [0.5], mask: region }).perThreshold[0]!.f1;
}

export function optimiseThresholds(out: Float32Array, shape: Zyx, d: InstanceDecoding, truth: ArrayLike<number>, region: Uint8Array): ThresholdChoice {
  let best: ThresholdChoice = { probThreshold: d.probThreshold, nmsThreshold: d.nmsThreshold, f1: -1, tried: 0 };
  let tried = 0;
  const consider = (p: number, nms: number) => {
    tried++;
    const f1 = f1At(out, shape, d, truth, region, p, nms);
    // ties: the higher probability threshold (fewer candidates, faster decoding, same score)
    if (f1 > best.f1 + 1e-9 || (Math.abs(f1 - best.f1) <= 1e-9 && p > best.probThreshold)) best = { probThreshold: p, nmsThreshold: nms, f1, tried };
  };
  for (const nms of NMS_THRESHOLDS) for (const p of COARSE) consider(p, nms);
  const centre = best.probThreshold;
  for (const p of [centre - 0.05, centre + 0.05]) if (p > 0.05 && p < 0.95) consider(Math.round(p * 100) / 100, best.nmsThreshold);
  return { ...best, tried };
}
