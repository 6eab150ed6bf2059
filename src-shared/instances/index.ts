// StarDist geometry: rays, star distances, object probability, star-convex shapes, NMS and
// decoding of (probability, distances) predictions into an instance label image.
export { rays2d, rays3d, type Rays, type Rays2D, type Rays3D } from './rays.ts';
export { starDistances, type StarDistanceOptions } from './star-distances.ts';
export { objectProbability, type ObjectProbabilityOptions } from './object-probability.ts';
export { StarPolygon, polygonVertices, polygonArea } from './polygon.ts';
export { StarPolyhedron, polyhedronVertices, polyhedronVolume } from './polyhedron.ts';
export { shapeMask, ballOverlap, type StarShape } from './star-shape.ts';
export { nonMaximumSuppression, suppressSorted, type Candidate, type NmsOptions, type NmsResult, type NmsStats } from './nms.ts';
export { instancesFromPrediction, labelArrayFor, type InstanceOptions, type Instances } from './to-instances.ts';
export type { Shape, LabelArray } from './shape.ts';
