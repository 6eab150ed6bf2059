// One pass of a model over a whole (small) volume: the network's graph built for exactly this
// shape, weights baked in. Volumes larger than a patch go through the sliding window instead.
import { Tensor } from 'onnxruntime-common';
import type { UNetConfig } from '../nn/unet.ts';
import { exportOnnxModel } from '../nn/model-file.ts';
import type { SessionFactory } from '../nn/session.ts';

/** image: [N, C, ...spatial] float32 → probabilities [N, outC, ...spatial] */
export async function predictWhole(factory: SessionFactory, config: UNetConfig, params: Map<string, Float32Array>,
  image: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await factory(exportOnnxModel({ config, params, provenance: {} }, shape));
  try {
    const out = await session.run({ image: new Tensor('float32', image, shape) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}
