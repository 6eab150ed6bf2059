// Synthetic training data: exactly labelled vessel trees, neurites and nuclei, rendered through
// imaging models of two-photon, light-sheet, MR angiography and fundus photography.
// Pure TypeScript (no Node APIs); deterministic given a seed or a seeded `rand`.
export { Rng, seededRandom, type Rand, type Range } from './rng.ts';
export { gaussianBlur, valueNoise, fractalNoise, quantile, type Shape3 } from './fields.ts';
export { drawTube, drawSegments, makeGrid, segmentDistance, type TubeGrid, type TubeSegment, type Vec3 } from './raster.ts';
export { vesselTree2d, vesselTree3d, growTree, type Branch, type RootSpec, type TubeSample, type VesselTreeOptions } from './trees.ts';
export { neuriteTubes3d, type NeuriteOptions, type NeuriteSample } from './neurites.ts';
export { nucleiBlobs2d, nucleiBlobs3d, type Blob, type BlobOptions, type BlobSample } from './blobs.ts';
export { nucleiImage, touchingFraction, type NucleiImage, type NucleiImageOptions } from './nuclei-image.ts';
export {
  twoPhoton, lightSheet, mriAngio, fundus2d,
  type TwoPhotonOptions, type LightSheetOptions, type MriAngioOptions, type FundusOptions, type FundusImage,
} from './imaging.ts';
export { drawRandomizedImaging, randomizedImaging, type RandomizedImagingParams } from './randomized-imaging.ts';
export { synthSample, SYNTH_KINDS, type SynthKind, type SynthSample, type SynthOverrides } from './sample.ts';
