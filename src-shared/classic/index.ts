// The ilastik-style pixel classifier: filter features (ONNX graph) + a random forest (trained in
// TypeScript, run as an ONNX-ML tree ensemble). README.md in this folder gives the design.
export { appendFeatures, appendFeatureRows, featureCount, featureNames, featureHalo, axisSigmas, DEFAULT_SCALES, type FeatureSpec, type FeatureWindow } from './features.ts';
export { trainForest, predictForest, type Forest, type Tree, type ForestOptions, type ForestTraining } from './forest.ts';
export { appendForest, forestFromTreeEnsembles, forestOutputs, treeEnsembleAttributes, treesPerNode } from './forest-onnx.ts';
export {
  appendPixelClassifier, pixelClassifierGraph, pixelClassifierPatchModel, pixelClassifierHalo, exportPixelClassifierOnnx,
  importPixelClassifierOnnx, pixelClassifierFromGraphNodes, treeEnsembleNodes, PIXEL_CLASSIFIER_KIND, type PixelClassifier,
} from './pixel-classifier.ts';
export { encodePixelClassifier, decodePixelClassifier, pixelClassifierConfig, type PixelClassifierConfig, type PixelClassifierJson } from './codec.ts';
export { trainPixelClassifier, DEFAULT_TREES, DEFAULT_MAX_SAMPLES, type PixelClassifierOptions } from './train.ts';
export { predictPixelClassifier, classifierBlock, DEFAULT_BLOCK_VOXELS, type PredictOptions } from './predict.ts';
export { selectSamples, allotSamples } from './sampling.ts';
export { sampleFeatures } from './sample-features.ts';
