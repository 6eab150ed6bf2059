// Training StarDist networks and turning their output into objects.
export { trainInstances, instanceModelConfig, type InstanceTrainingData, type InstanceTrainingOptions, type InstanceTrainingReport } from './train-instances.ts';
export { trainInstanceModel, predictInstances, instanceModelBytes } from './model-bytes.ts';
export { predictInstancesWith, decodeStarOutput, starOutputs, normaliseChannels, checkInstanceModel, type InstancePrediction } from './predict-instances.ts';
export { defaultDecoding, decodingRays, type InstanceDecoding } from './decoding.ts';
export { optimiseThresholds } from './thresholds.ts';
