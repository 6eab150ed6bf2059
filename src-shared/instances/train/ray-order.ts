// Flips and quarter turns of a training patch as a permutation of the ray channels. A patch that
// is mirrored in x shows every object mirrored, so the distance along output ray k is the source
// distance along the mirrored ray; for StarDist's 2D rays (n divisible by 4) every flip and quarter
// turn maps rays onto rays exactly. 3D golden-spiral rays have no such symmetry: there only the
// identity is offered, and patches are drawn unturned and unflipped (train/patches.ts).
import type { Rays } from '../rays.ts';

/** The source channel for each target channel (0: the probability, 1…n: ray k−1), or undefined. */
export function rayChannelOrder(rays: Rays): (flip: readonly [boolean, boolean, boolean], turns: number) => Int32Array | undefined {
  const n = rays.n;
  const identity = Int32Array.from({ length: 1 + n }, (_, i) => i);
  return (flip, turns) => {
    if (!flip[0] && !flip[1] && !flip[2] && turns % 4 === 0) return identity;
    if (rays.dim === 3) return undefined;
    const order = new Int32Array(1 + n);
    for (let k = 0; k < n; k++) {
      // the patch reads source (sy, sx) = flip(turn^t(y, x)) (patches.ts): displacements map alike
      let dy = rays.dirs[2 * k]!, dx = rays.dirs[2 * k + 1]!;
      for (let t = 0; t < turns; t++) [dy, dx] = [dx, -dy];
      if (flip[1]) dy = -dy;
      if (flip[2]) dx = -dx;
      const j = nearestRay(rays.dirs, n, dy, dx);
      if (j < 0) return undefined;
      order[1 + k] = 1 + j;
    }
    return order;
  };
}

function nearestRay(dirs: Float64Array, n: number, dy: number, dx: number): number {
  for (let j = 0; j < n; j++) if (Math.abs(dirs[2 * j]! - dy) < 1e-6 && Math.abs(dirs[2 * j + 1]! - dx) < 1e-6) return j;
  return -1;
}
