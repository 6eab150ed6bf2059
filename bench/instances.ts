// `npm run bench:instances`: decoding star-convex predictions into objects, per stage (candidates,
// non-maximum suppression, rasterising), from exact ground-truth probabilities and ray distances
// (so it measures the decoder, not a network): 2D 512×512 with ~200 nuclei-sized discs and 32
// rays; 3D 64×256×256 with ~300 ellipsoids, 96 rays, anisotropy [2,1,1], distances on grid [1,2,2].
// Goals (issue 15, with the network's time on top): 2D ≤ 2 s, 3D ≤ 60 s on 2 cores. Also checks
// every object comes back (min IoU printed). Prints ONE JSON line. Option: --repeat 2
import { rays2d, rays3d } from '../src-shared/instances/rays.ts';
import { starDistances } from '../src-shared/instances/star-distances.ts';
import { objectProbability } from '../src-shared/instances/object-probability.ts';
import { instancesFromPrediction } from '../src-shared/instances/to-instances.ts';
import { flag, parseArgs } from '../src-main/args.ts';
// the synthetic objects the decoding tests use, painted the same way
import { blobGrid, matchIoUs, paintBlobs } from '../test/instances/helpers.ts';

const repeat = Number(flag(parseArgs(process.argv.slice(2)), 'repeat') ?? 2);

function run(dims: 2 | 3): Record<string, unknown> {
  const shape = (dims === 2 ? [512, 512] : [64, 256, 256]) as [number, number] | [number, number, number];
  const blobs = dims === 2 ? blobGrid(shape, [15, 14], 1.0, 7) : blobGrid(shape, [4, 9, 9], 1.0, 13);
  const truth = paintBlobs(shape, blobs);
  const rays = dims === 2 ? rays2d(32) : rays3d(96, [2, 1, 1]);
  const grid = dims === 2 ? undefined : [1, 2, 2];
  const prob = objectProbability(truth, shape, dims === 2 ? {} : { grid, anisotropy: [2, 1, 1] });
  const dist = starDistances(truth, shape, rays, { grid });
  const t0 = performance.now();
  const res = instancesFromPrediction(prob, dist, shape, { probThreshold: 0.5, nmsThreshold: dims === 2 ? 0.4 : 0.3, rays, grid });
  const seconds = (performance.now() - t0) / 1000;
  const ious = matchIoUs(truth, res.labels, blobs.length);
  return {
    shape, objects: blobs.length, found: res.count, candidates: res.candidateCount, seconds: +seconds.toFixed(2),
    stagesMs: Object.fromEntries(Object.entries(res.timings).map(([k, v]) => [k, Math.round(v)])), minIoU: +Math.min(...ious).toFixed(3),
  };
}

const rounds = Array.from({ length: repeat }, () => ({ d2: run(2), d3: run(3) }));
console.log(JSON.stringify({ bench: 'instances', rounds }));
