// Objects in images of any size: one sliding window, candidates kept as the output streams, one
// global NMS, labels written slab by slab (predict-to-sink.ts).
export { predictInstancesToSink, checkInstanceJob, type InstanceJobOptions, type InstanceJobResult, type InstanceProgress, type InstancePhase, type InstanceStageSeconds } from './predict-to-sink.ts';
export { CandidateStore } from './candidates.ts';
export { SlabPainter } from './paint.ts';
export { instanceWindow, checkInstanceOptions, isInstanceModel, INSTANCE_BAND_BYTES } from './job.ts';
