// Cancellation and progress shared by the sliding window, post-processing and the worker.
import { LumenError } from '../errors.ts';

/** Anything with a `cancelled` flag (set from a worker message) or an AbortSignal. */
export type CancelSignal = { readonly cancelled: boolean } | AbortSignal;

export function throwIfCancelled(signal: CancelSignal | undefined): void {
  if (!signal) return;
  const stop = 'aborted' in signal ? signal.aborted : signal.cancelled;
  if (stop) throw new LumenError('cancelled', 'inference was cancelled');
}

// 'nms' and 'write': instance models (instances/tiled/), after prediction
export type InferPhase = 'stats' | 'predict' | 'postprocess' | 'nms' | 'write';

export interface InferProgress {
  phase: InferPhase;
  /** voxels done / total over the whole job (monotonic; prediction counts once, each post-processing pass once more) */
  done: number;
  total: number;
  /** seconds left, from the rate so far in the current phase (NaN until there is a rate) */
  etaSeconds: number;
}
