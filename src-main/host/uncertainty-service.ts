// Where the newest prediction is unsure, for the window: its uncertainty map (stored beside it as a
// 'probabilities' prediction linked to it, store schema 4), sent as uint8 for the slice overlay, and
// the slices most worth painting next (eval/suggest-slices.ts). The map is read from the project
// once and kept while the same map is asked for.
import type { Axis, SliceSuggestion, VoxelData } from '../../src-shared/api.ts';
import { LumenError } from '../../src-shared/errors.ts';
import { suggestSlices } from '../../src-shared/eval/suggest-slices.ts';
import type { Volume } from '../../src-shared/volume.ts';
import type { PredictionInfo, ProjectStore } from '../store/index.ts';

export interface UncertaintyDeps {
  store(): ProjectStore;
  /** the open image's newest label prediction, if any */
  prediction(): PredictionInfo | undefined;
  /** the labels as they are now (dense, 0 = unlabeled), or null when the image has none */
  labels(): Uint8Array | null;
}

const NO_PREDICTION = 'there is no prediction yet: train a model first';
const NO_MAP = 'this prediction has no uncertainty map (it was made before Lumen kept one): train again to get one';

/** The uncertainty map made with label prediction `pred`, if one was. */
export function uncertaintyOf(predictions: readonly PredictionInfo[], pred: PredictionInfo): PredictionInfo | undefined {
  return predictions.find((p) => p.kind === 'probabilities' && p.labelsPredictionId === pred.id);
}

export class UncertaintyService {
  private cache: { volumeId: number; vol: Volume } | null = null;

  constructor(private readonly deps: UncertaintyDeps) {}

  /** The project or image changed: forget the map held. */
  reset(): void { this.cache = null; }

  /** The volume of the newest prediction's map, or null where it has none. */
  volumeIdOf(pred: PredictionInfo): number | null {
    return uncertaintyOf(this.deps.store().listPredictions(), pred)?.volumeId ?? null;
  }

  /** A map of a prediction of the open image, as uint8 (0 sure … 255 most unsure) for drawing. */
  read(volumeId: number): VoxelData {
    const vol = this.volume(volumeId);
    const [d, h, w] = vol.shape;
    const out = new Uint8Array(d * h * w);
    for (let i = 0; i < out.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, vol.data[i]!)) * 255);
    return { shape: [d, h, w], dtype: 'uint8', data: out, min: 0, max: 255 };
  }

  /** The slices along `axis` most worth painting next, judged by the newest prediction's map. */
  suggest(axis: Axis, count?: number): SliceSuggestion[] {
    if (count !== undefined && (count < 1 || count > 50)) throw new LumenError('bad-input', `ask for 1 to 50 slices (got ${count})`);
    const pred = this.deps.prediction();
    if (!pred) throw new LumenError('bad-input', NO_PREDICTION);
    const mapId = this.volumeIdOf(pred);
    if (mapId === null) throw new LumenError('bad-input', NO_MAP);
    const vol = this.volume(mapId);
    const [d, h, w] = vol.shape;
    const labels = this.deps.labels() ?? new Uint8Array(d * h * w);
    return suggestSlices(vol.data, labels, [d, h, w], axis, count !== undefined ? { count } : {});
  }

  /** The map's float voxels; `volumeId` must be a map made with a prediction of the open image. */
  private volume(volumeId: number): Volume {
    if (this.cache?.volumeId === volumeId) return this.cache.vol;
    const pred = this.deps.prediction();
    if (!pred) throw new LumenError('bad-input', NO_PREDICTION);
    const maps = this.deps.store().listPredictions().filter((p) => p.kind === 'probabilities' && p.labelsPredictionId !== null && p.sourceVolumeId === pred.sourceVolumeId);
    if (!maps.some((m) => m.volumeId === volumeId)) {
      throw new LumenError('bad-input', uncertaintyOf(maps, pred) ? `volume ${volumeId} is not an uncertainty map of this image` : NO_MAP);
    }
    this.cache = { volumeId, vol: this.deps.store().readVolume(volumeId) };
    return this.cache.vol;
  }
}
