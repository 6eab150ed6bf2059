// Inference at any size: sliding windows with Gaussian blending, streaming from and to files or
// the project store, post-processing, progress and cancellation. See sliding-window.ts first.
export { streamSlidingWindow, slidingWindowPredict, type SlidingWindowOptions, type SlidingWindowRun } from './sliding-window.ts';
export { predictToSink, type PredictJobOptions, type PredictJobResult, type PostprocessOptions, type ObjectStats, type OpenSink } from './pipeline.ts';
export { unetPatchModel, graphPatchModel, sessionRunner, type PatchModel, type PatchRunner } from './patch-model.ts';
export { patchGrid, axisStarts, fitPatch, type PatchGrid, type AxisGrid } from './tiles.ts';
export { profile1d, patchProfile, weightSum, type BlendMode } from './blend-weights.ts';
export { memorySource, memorySink, type SlabSource, type SliceSink, type SlabSourceInfo } from './source.ts';
export { estimateStats, type ChannelStats } from './normalize.ts';
export { fileSink, partialPath } from './file-sink.ts';
export { throwIfCancelled, type CancelSignal, type InferProgress, type InferPhase } from './cancel.ts';
export { threshold, thresholdSlice, probabilitiesToLabels, type LabelOptions } from './postprocess/threshold.ts';
export { ComponentScanner, labelComponents, removeSmallComponents, keepLargestComponents, keptComponents, type Connectivity, type ComponentTable, type LabelledComponents } from './postprocess/components.ts';
export { fillHoles } from './postprocess/fill-holes.ts';
export { predictWhole } from './predict-whole.ts';
