// Fills holes: background regions that do not reach the volume's outer faces. Background is
// labelled with 6-connectivity by default (the complement of 26-connected objects), so a hole is
// enclosed exactly when no face-connected background path leads out.
import { scanComponents, type Connectivity } from './components.ts';

export function fillHoles(mask: Uint8Array, shape: readonly number[], value = 1, backgroundConnectivity: Connectivity = 6): Uint8Array {
  const { scanner, table } = scanComponents(mask, shape, backgroundConnectivity, 'zero');
  const n = shape[1]! * shape[2]!;
  const out = Uint8Array.from(mask);
  scanner.replay();
  for (let z = 0; z < shape[0]!; z++) {
    const prov = scanner.scan(mask.subarray(z * n, (z + 1) * n));
    for (let i = 0; i < n; i++) {
      const l = prov[i]!;
      if (l !== 0 && !table.touchesBorder[table.idOf[l]! - 1]) out[z * n + i] = value;
    }
  }
  return out;
}
