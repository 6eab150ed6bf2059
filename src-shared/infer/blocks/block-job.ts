// Predicts a set of blocks of a block plan and writes each block's chunks as soon as its last slice
// is final, then the block's marker. Blocks with a marker are skipped, so a task that was killed
// or pre-empted resumes where it stopped, and a rerun of a finished set does nothing. A block's
// chunks lie inside it and no other block writes them: tasks never touch the same file.
import type { DType, TypedArray } from '../../volume.ts';
import { allocate, defaultGeometry, makeVolume } from '../../volume.ts';
import { cropVolume } from '../source.ts';
import type { PatchModel } from '../patch-model.ts';
import { streamSlidingWindow, type SlidingWindowOptions } from '../sliding-window.ts';
import { thresholdSlice, type LabelOptions } from '../postprocess/threshold.ts';
import type { RegionSource, Vec3 } from '../window-part.ts';
import { blockBox, partsOf, type BlockPlan } from './block-plan.ts';

/** Where the output's level-0 chunks go (an OME-Zarr array opened for writing). */
export interface ChunkTarget {
  writeChunk(level: number, chunkIndex: Vec3, data: TypedArray): void;
}

/** Which blocks are finished: one marker per block, written after its chunks. */
export interface BlockMarkers {
  has(block: number): boolean;
  mark(block: number, info: { seconds: number }): void;
}

export interface BlockJob {
  model: PatchModel;
  source: RegionSource;
  plan: BlockPlan;
  blocks: readonly number[];
  target: ChunkTarget;
  markers: BlockMarkers;
  /** 'labels': uint8 (binary 0 / value, or the class values); 'probabilities': float32, one channel per output */
  output: 'labels' | 'probabilities';
  labels?: LabelOptions;
  /** the sliding window's settings; `normalize` must be the statistics of the whole volume */
  window: Omit<SlidingWindowOptions, 'part' | 'onProgress'>;
  /** voxels of this set predicted so far, of its total */
  onProgress?: (done: number, total: number) => void;
}

export interface BlockJobResult { predicted: number[]; skipped: number[]; seconds: number }

export function outputDtype(output: BlockJob['output']): DType {
  return output === 'labels' ? 'uint8' : 'float32';
}

export async function predictBlocks(job: BlockJob): Promise<BlockJobResult> {
  const t0 = performance.now();
  const { plan, model } = job;
  const skipped = job.blocks.filter((b) => job.markers.has(b));
  const todo = job.blocks.filter((b) => !job.markers.has(b));
  const channels = job.output === 'labels' ? 1 : model.outChannels;
  const dtype = outputDtype(job.output);
  const volumeOf = (b: number) => { const { start, end } = blockBox(plan, b); return (end[0] - start[0]) * (end[1] - start[1]) * (end[2] - start[2]); };
  const total = todo.reduce((s, b) => s + volumeOf(b), 0);
  let done = 0;

  for (const part of partsOf(plan, todo)) {
    let current = -1, buffer: TypedArray | undefined, blockT0 = performance.now();
    let { start, end } = part.box;
    // the blocks of one part share their y-x extent
    const bh = end[1] - start[1], bw = end[2] - start[2], plane = bh * bw;
    const crop = new Float32Array(model.outChannels * plane);
    const labels = new Uint8Array(plane);
    await streamSlidingWindow(model, job.source, (z, probs, box) => {
      if (z < part.box.start[0] || z >= part.box.end[0]) return;
      const k = Math.floor((z - part.box.start[0]) / plan.block[0]);
      const b = part.blocks[k]!;
      if (b !== current) {
        ({ start, end } = blockBox(plan, b));
        current = b;
        buffer = allocate(dtype, (end[0] - start[0]) * plane * channels);
        blockT0 = performance.now();
      }
      // the block's plane out of the part's input box, planar [outC][bh][bw]
      const hw = box.h * box.w;
      for (let c = 0; c < model.outChannels; c++) for (let y = 0; y < bh; y++) {
        const from = c * hw + (start[1] + y - box.y0) * box.w + (start[2] - box.x0);
        crop.set(probs.subarray(from, from + bw), c * plane + y * bw);
      }
      const at = (z - start[0]) * plane * channels;
      if (job.output === 'labels') {
        thresholdSlice(crop, model.outChannels, plane, job.labels?.threshold ?? 0.5, labels, job.labels?.value ?? 1, job.labels?.classValues);
        buffer!.set(labels, at);
      } else {
        for (let i = 0; i < plane; i++) for (let c = 0; c < channels; c++) buffer![at + i * channels + c] = crop[c * plane + i]!;
      }
      if (z === end[0] - 1) {
        writeBlockChunks(job.target, plan, start, end, buffer!, dtype, channels);
        job.markers.mark(b, { seconds: (performance.now() - blockT0) / 1000 });
        done += volumeOf(b);
        job.onProgress?.(done, total);
      }
    }, { ...job.window, part: part.box });
  }
  return { predicted: todo, skipped, seconds: (performance.now() - t0) / 1000 };
}

/** Cuts a finished block (z, y, x, c interleaved) into its chunks and writes them. */
function writeBlockChunks(target: ChunkTarget, plan: BlockPlan, start: Vec3, end: Vec3, data: TypedArray, dtype: DType, channels: number): void {
  const [cz, cy, cx] = plan.chunks;
  const block = makeVolume([end[0] - start[0], end[1] - start[1], end[2] - start[2], channels], dtype, data, defaultGeometry());
  for (let z0 = start[0]; z0 < end[0]; z0 += cz) for (let y0 = start[1]; y0 < end[1]; y0 += cy) for (let x0 = start[2]; x0 < end[2]; x0 += cx) {
    const from = [z0 - start[0], y0 - start[1], x0 - start[2]];
    const to = [Math.min(end[0], z0 + cz) - start[0], Math.min(end[1], y0 + cy) - start[1], Math.min(end[2], x0 + cx) - start[2]];
    target.writeChunk(0, [z0 / cz, y0 / cy, x0 / cx], cropVolume(block, from, to).data);
  }
}
