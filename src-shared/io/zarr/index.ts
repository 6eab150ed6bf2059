// OME-Zarr (NGFF 0.4 / Zarr v2 and 0.5 / Zarr v3): reading, writing chunk by chunk, pyramids.
export { openOmeZarr, type OmeZarrReader, type ZarrLevel, type Vec3 } from './zarr-reader.ts';
export { createOmeZarr, openOmeZarrForWrite, DEFAULT_CHUNK, type OmeZarrSpec, type OmeZarrWriteHandle } from './zarr-store-write.ts';
export { buildPyramid } from './pyramid.ts';
export { OmeZarrWriter, type OmeZarrWriteOptions } from './zarr-writer.ts';
export { planLevels, PYRAMID_TARGET_SIDE } from './pyramid-plan.ts';
export { downsample, type DownsampleMode } from './downsample.ts';
export { looksLikeZarr } from './ngff-group.ts';
export { finestLevelThatFits } from './fitting-level.ts';
