// The project store as a streaming source and sink for inference: volumes are read slab by slab
// (ProjectStore.readVolumeSlices) and predictions written slice by slice inside one transaction
// (ProjectStore.beginVolume → VolumeWriter), so an aborted run leaves nothing in the project.
import type { ProjectStore } from '../store/index.ts';
import type { SlabSource, SliceSink } from '../../src-shared/infer/source.ts';
import type { OpenSink } from '../../src-shared/infer/pipeline.ts';
import type { Geometry } from '../../src-shared/volume.ts';

export function storeSource(store: ProjectStore, volumeId: number): SlabSource {
  const info = store.volumeInfo(volumeId);
  return {
    info: { shape: info.shape, dtype: info.dtype, geometry: info.geometry, source: info.source },
    readSlices: (z0, z1) => store.readVolumeSlices(volumeId, z0, z1),
  };
}

/** Writes the prediction as a new volume (role 'prediction'); `onCommit` gets its id. */
export function storeSink(store: ProjectStore, name: string, geometry: Geometry, onCommit?: (volumeId: number) => void): OpenSink {
  return (spec) => {
    const w = store.beginVolume({ shape: spec.shape, dtype: spec.dtype, geometry }, { name, role: 'prediction' });
    const sink: SliceSink = {
      writeSlices: (slab) => w.writeSlices(slab.data),
      close: () => { const id = w.commit(); onCommit?.(id); },
      abort: () => w.abort(),
    };
    return sink;
  };
}
