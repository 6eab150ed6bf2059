// Sorted voxel offsets as runs of consecutive offsets (a brush row, a whole object's slice):
// the run count, then per run the gap from the previous run's end and the length − 1, all as
// varints. The one encoding both label-edit codecs (class deltas, instance deltas) use.

interface VarintWriter { varint(v: number): void }
interface VarintReader { varint(): number }

/** Writes strictly increasing offsets; anything else is a programming error. */
export function writeOffsetRuns(w: VarintWriter, offsets: ArrayLike<number>): void {
  const n = offsets.length;
  let runs = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && offsets[i]! <= offsets[i - 1]!) throw new RangeError('delta offsets must be strictly increasing');
    if (i === 0 || offsets[i] !== offsets[i - 1]! + 1) runs++;
  }
  w.varint(runs);
  let end = 0;
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && offsets[j] === offsets[j - 1]! + 1) j++;
    w.varint(offsets[i]! - end);
    w.varint(j - i - 1);
    end = offsets[j - 1]! + 1;
    i = j;
  }
}

/**
 * Reads `n` offsets written by writeOffsetRuns, all below `limit`; `fail(why)` is called (and must
 * throw) for an offset at or past the limit ('outside') or a count that does not add up ('fewer').
 */
export function readOffsetRuns(r: VarintReader, n: number, limit: number, fail: (why: 'outside' | 'fewer') => never): Uint32Array {
  const offsets = new Uint32Array(n);
  const runs = r.varint();
  let end = 0, i = 0;
  for (let k = 0; k < runs; k++) {
    const start = end + r.varint(), length = r.varint() + 1;
    if (start + length > limit || i + length > n) fail('outside');
    for (let o = start; o < start + length; o++) offsets[i++] = o;
    end = start + length;
  }
  if (i !== n) fail('fewer');
  return offsets;
}
