// One part of a sliding-window prediction, for block-wise jobs (several processes, one volume).
// The patch grid stays the whole volume's; a part runs only the patches that meet its box and
// reads only the input they cover (the box plus a halo of up to one patch). Every voxel of the box
// then receives the same patches' outputs, added in the same order and divided by the same summed
// weights as in one pass over the whole volume, so the parts put together equal that pass exactly.
import { LumenError } from '../errors.ts';
import type { Volume } from '../volume.ts';
import type { PatchGrid } from './tiles.ts';
import type { SlabSource } from './source.ts';

export type Vec3 = [number, number, number];

/** The output box of a part: voxels start (inclusive) to end (exclusive), z, y, x. */
export interface WindowPart { start: Vec3; end: Vec3 }

/** A source that can also read a box of the volume (an OME-Zarr array; a volume in memory). */
export interface RegionSource extends SlabSource {
  readRegion(start: Vec3, end: Vec3): Promise<Volume> | Volume;
}

export interface PartInput {
  /** where the input box starts in the volume */
  origin: Vec3;
  /** its extent */
  size: Vec3;
  /** per axis, the starts (in the volume) of the grid's patches meeting the part, in grid order */
  starts: [number[], number[], number[]];
}

/** The patches of `grid` that meet `part`, and the box of input they read (clipped to the volume). */
export function partInput(grid: PatchGrid, part: WindowPart): PartInput {
  const origin: number[] = [], size: number[] = [], starts: number[][] = [];
  grid.axes.forEach((axis, i) => {
    const a = part.start[i]!, b = part.end[i]!;
    if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b <= axis.size && a < b)) {
      throw new LumenError('bad-input', `the part ${part.start.join(',')}–${part.end.join(',')} lies outside the volume (${grid.axes.map((x) => x.size).join('×')})`);
    }
    const meeting = axis.starts.filter((s) => s < b && s + axis.patch > a);
    const lo = meeting[0]!, hi = Math.min(axis.size, meeting[meeting.length - 1]! + axis.patch);
    origin.push(lo); size.push(hi - lo); starts.push(meeting);
  });
  return { origin: origin as Vec3, size: size as Vec3, starts: starts as PartInput['starts'] };
}

/** `source` seen through the input box: slices are the box's rows, read with readRegion. */
export function boxSource(source: RegionSource, box: PartInput): SlabSource {
  const [oz, oy, ox] = box.origin, [, h, w] = box.size;
  return {
    info: { ...source.info, shape: [box.size[0], h, w, source.info.shape[3]] },
    readSlices: (z0, z1) => source.readRegion([oz + z0, oy, ox], [oz + z1, oy + h, ox + w]),
  };
}

export function isRegionSource(s: SlabSource): s is RegionSource {
  return typeof (s as Partial<RegionSource>).readRegion === 'function';
}
