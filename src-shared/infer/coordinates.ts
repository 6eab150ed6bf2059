// Where a voxel lies in its volume, as input channels: some structures are told apart by place
// more than by look (the cerebellum and the cerebrum's grey matter in an MRI), and a model given
// the voxel's relative position can learn that from a few labeled slices. Models that want them
// (PatchModel.coordinates) get three channels after the image's: z, y, x, each 0 at the first
// voxel and 1 at the last, so a model trained on one volume reads the same frame on another.
export const COORDINATE_CHANNELS = 3;

/** Relative position of index i on an axis of n voxels (0 where the axis has one voxel). */
export const relativePosition = (i: number, n: number): number => (n > 1 ? i / (n - 1) : 0);

/**
 * Writes the coordinate channels of a window planar [3][d][h][w] into dst at `at`: window voxel
 * (z, y, x) is volume voxel start + (z, y, x), mirrored within the window along the `flip` axes
 * (as the sliding window flips patches). Positions outside the volume continue the ramp.
 */
export function fillCoordinates(dst: Float32Array, at: number, start: readonly number[], size: readonly number[], shape: readonly number[],
  flip: readonly boolean[] = [false, false, false]): void {
  const [d, h, w] = size as [number, number, number];
  const n = d * h * w;
  for (let z = 0; z < d; z++) {
    const pz = relativePosition(start[0]! + (flip[0] ? d - 1 - z : z), shape[0]!);
    for (let y = 0; y < h; y++) {
      const py = relativePosition(start[1]! + (flip[1] ? h - 1 - y : y), shape[1]!);
      const o = at + (z * h + y) * w;
      dst.fill(pz, o, o + w);
      dst.fill(py, n + o, n + o + w);
      for (let x = 0; x < w; x++) dst[2 * n + o + x] = relativePosition(start[2]! + (flip[2] ? w - 1 - x : x), shape[2]!);
    }
  }
}
