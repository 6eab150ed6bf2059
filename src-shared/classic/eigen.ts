// Eigenvalues of symmetric 2×2 and 3×3 matrices, voxel by voxel, as elementwise graph ops
// (closed form: no iteration, so they run on any ONNX provider). Returned in descending order.
import type { Graph, Value } from '../nn/graph.ts';
import * as op from '../nn/ops.ts';
import { acos, clip, cos, scale, square } from './graph-ops.ts';

/** [[a, b], [b, c]] → [λ1 ≥ λ2] = mean ± √(half-difference² + b²) */
export function eigenvalues2(g: Graph, a: Value, b: Value, c: Value): [Value, Value] {
  const mean = scale(g, op.add(g, a, c), 0.5);
  const half = scale(g, op.sub(g, a, c), 0.5);
  const radius = op.sqrt(g, op.add(g, square(g, half), square(g, b)));
  return [op.add(g, mean, radius), op.sub(g, mean, radius)];
}

/**
 * [[a, d, e], [d, b, f], [e, f, c]] → [λ1 ≥ λ2 ≥ λ3] by the trigonometric formula (Smith 1961):
 * with q = trace/3 and p = √(‖A − qI‖²_F / 6), the eigenvalues are q + 2p·cos(φ + 2πk/3), where
 * φ = acos(det(A − qI) / (2p³)) / 3. The ratio is clipped to [-1, 1] (rounding can push it past)
 * and p³ is kept away from 0, so a multiple of the identity (p = 0) gives q three times, not NaN.
 */
export function eigenvalues3(g: Graph, a: Value, b: Value, c: Value, d: Value, e: Value, f: Value): [Value, Value, Value] {
  const q = scale(g, op.add(g, op.add(g, a, b), c), 1 / 3);
  const a0 = op.sub(g, a, q), b0 = op.sub(g, b, q), c0 = op.sub(g, c, q);
  const offDiagonal = op.add(g, op.add(g, square(g, d), square(g, e)), square(g, f));
  const frobenius = op.add(g, op.add(g, op.add(g, square(g, a0), square(g, b0)), square(g, c0)), scale(g, offDiagonal, 2));
  const p = op.sqrt(g, scale(g, frobenius, 1 / 6));
  // det of [[a0, d, e], [d, b0, f], [e, f, c0]]
  const det = op.add(g,
    op.sub(g, op.mul(g, a0, op.sub(g, op.mul(g, b0, c0), square(g, f))), op.mul(g, d, op.sub(g, op.mul(g, d, c0), op.mul(g, f, e)))),
    op.mul(g, e, op.sub(g, op.mul(g, d, f), op.mul(g, b0, e))));
  const p3 = op.add(g, scale(g, op.mul(g, p, square(g, p)), 2), g.scalar(1e-30));
  const phi = scale(g, acos(g, clip(g, op.div(g, det, p3), -1, 1)), 1 / 3);
  const twoP = scale(g, p, 2);
  const l1 = op.add(g, q, op.mul(g, twoP, cos(g, phi)));
  const l3 = op.add(g, q, op.mul(g, twoP, cos(g, op.add(g, phi, g.scalar((2 * Math.PI) / 3)))));
  const l2 = op.sub(g, op.sub(g, scale(g, q, 3), l1), l3);
  return [l1, l2, l3];
}
