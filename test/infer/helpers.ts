// Shared by the inference tests: small real networks built with the graph builder and run by ORT.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph } from '../../src-shared/nn/graph.ts';
import * as op from '../../src-shared/nn/ops.ts';
import { serializeGraph } from '../../src-shared/nn/onnx-io.ts';
import { seededRandom, gaussian } from '../../src-shared/nn/params.ts';
import { graphPatchModel, type PatchModel } from '../../src-shared/infer/patch-model.ts';
import { createRuntime } from '../../src-main/runtime.ts';

export const runtime = createRuntime({ device: 'cpu', threads: 2 });

/**
 * A translation-equivariant network: `layers` 3×3×3 convolutions (zero padding 1, stride 1, no
 * normalisation), LeakyReLU between, sigmoid at the end. Receptive-field radius = layers.
 * The same weights for every input shape, so one pass over the whole volume is the reference.
 */
export function convNetBytes(inputShape: number[], opts: { layers?: number; hidden?: number; inC?: number; outC?: number; seed?: number; symmetric?: boolean } = {}): Uint8Array {
  const layers = opts.layers ?? 3, hidden = opts.hidden ?? 4, inC = opts.inC ?? 1, outC = opts.outC ?? 1;
  const normal = gaussian(seededRandom(opts.seed ?? 7));
  const g = new Graph();
  let x = g.input('image', inputShape);
  for (let l = 0; l < layers; l++) {
    const ci = l === 0 ? inC : hidden, co = l === layers - 1 ? outC : hidden;
    const w = Float32Array.from({ length: co * ci * 27 }, () => normal() * Math.sqrt(2 / (ci * 27)));
    // symmetric: every kernel equal to its mirror image along z, y and x → a flip-equivariant net
    if (opts.symmetric) for (let k = 0; k < co * ci; k++) {
      const base = k * 27, v = w.slice(base, base + 27);
      for (let z = 0; z < 3; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) {
        let s = 0;
        for (const zz of [z, 2 - z]) for (const yy of [y, 2 - y]) for (const xx of [x, 2 - x]) s += v[zz * 9 + yy * 3 + xx]!;
        w[base + z * 9 + y * 3 + x] = s / 8;
      }
    }
    const b = Float32Array.from({ length: co }, () => normal() * 0.1);
    x = op.conv(g, x, g.constant(w, [co, ci, 3, 3, 3], 'w'), g.constant(b, [co], 'b'), { pads: [1, 1, 1, 1, 1, 1] });
    if (l < layers - 1) x = op.leakyRelu(g, x, 0.1);
  }
  g.output(op.sigmoid(g, x));
  return serializeGraph(g);
}

export function convNetModel(opts: Parameters<typeof convNetBytes>[1] = {}): PatchModel {
  return graphPatchModel(runtime.factory, {
    dims: 3, inChannels: opts.inC ?? 1, outChannels: opts.outC ?? 1, sizeMultiple: [1, 1, 1],
    build: (shape) => convNetBytes(shape, opts),
  });
}

export function tempDir(prefix = 'lumen-infer-'): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A smooth random volume (sum of a few blobs + noise), deterministic. */
export function blobVolume(d: number, h: number, w: number, seed = 1): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(d * h * w);
  const blobs = Array.from({ length: 6 }, () => ({ z: rand() * d, y: rand() * h, x: rand() * w, r: 2 + rand() * 5, a: rand() * 2 - 0.5 }));
  for (let z = 0; z < d; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let v = (rand() - 0.5) * 0.3;
    for (const b of blobs) v += b.a * Math.exp(-((z - b.z) ** 2 + (y - b.y) ** 2 + (x - b.x) ** 2) / (2 * b.r * b.r));
    out[(z * h + y) * w + x] = v;
  }
  return out;
}
