// Stacking: a network that sees, beside the image, what an earlier segmenter (the pixel classifier)
// made of it. Its probabilities p enter as extra channels 2p − 1, centred like the z-scored image,
// in training (here) and in the inference graph (graph.ts) alike.
import type { Graph, Value } from '../nn/graph.ts';
import * as op from '../nn/ops.ts';

/** planar image [C][n] and probabilities [K][n] → the stacked input [C+K][n]. */
export function stackChannels(image: Float32Array, probabilities: Float32Array): Float32Array {
  const out = new Float32Array(image.length + probabilities.length);
  out.set(image);
  for (let i = 0; i < probabilities.length; i++) out[image.length + i] = 2 * probabilities[i]! - 1;
  return out;
}

/** The same in a graph: [1,C,…] and [1,K,…] → [1,C+K,…]. */
export function appendStackChannels(g: Graph, image: Value, probabilities: Value): Value {
  return op.concat(g, [image, op.sub(g, op.mul(g, probabilities, g.scalar(2)), g.scalar(1))], 1);
}
