// Which hull triangle's cone contains a direction? Point-in-polyhedron tests ask this for
// every voxel, so scanning all 2n-4 cones per voxel would dominate 3D decoding. A cube map
// (6 faces × G×G cells over the direction sphere) lists, per cell, the cones met by sample
// directions in that cell; a query tries that short list and falls back to the full scan
// when a thin cone slipped between samples, so the answer is always exact.

const G = 16;
const SAMPLES = 7; // per cell edge, cell borders included

export interface FaceLookup {
  /** per face, the inverse of the 3×3 matrix whose columns are its three ray directions */
  readonly inv: Float64Array;
  /** cell c's candidate faces are cand[start[c] .. start[c+1]) */
  readonly start: Int32Array;
  readonly cand: Int32Array;
  readonly faceCount: number;
}

export function buildFaceLookup(dirs: Float64Array, faces: Int32Array): FaceLookup {
  const fc = faces.length / 3;
  const inv = new Float64Array(9 * fc);
  for (let f = 0; f < fc; f++) {
    const a = 3 * faces[3 * f], b = 3 * faces[3 * f + 1], c = 3 * faces[3 * f + 2];
    invert3(dirs[a], dirs[b], dirs[c], dirs[a + 1], dirs[b + 1], dirs[c + 1], dirs[a + 2], dirs[b + 2], dirs[c + 2], inv, 9 * f);
  }
  const partial = { inv, faceCount: fc };
  const lists: number[][] = [];
  const v = new Float64Array(3);
  for (let cell = 0; cell < 6 * G * G; cell++) {
    const cf = Math.floor(cell / (G * G)), iu = Math.floor(cell / G) % G, iw = cell % G;
    const axis = cf >> 1, sign = cf & 1 ? 1 : -1;
    const set = new Set<number>();
    for (let su = 0; su < SAMPLES; su++) {
      for (let sw = 0; sw < SAMPLES; sw++) {
        const u = -1 + (2 * (iu + su / (SAMPLES - 1))) / G, w = -1 + (2 * (iw + sw / (SAMPLES - 1))) / G;
        v[axis] = sign; v[(axis + 1) % 3] = u; v[(axis + 2) % 3] = w;
        set.add(scanFaces(partial, v[0], v[1], v[2]));
      }
    }
    lists.push([...set]);
  }
  const start = new Int32Array(lists.length + 1);
  for (let i = 0; i < lists.length; i++) start[i + 1] = start[i] + lists[i].length;
  const cand = new Int32Array(start[lists.length]);
  for (let i = 0; i < lists.length; i++) cand.set(lists[i], start[i]);
  return { inv, start, cand, faceCount: fc };
}

/** index of the cube-map cell holding direction (z, y, x); not necessarily normalised */
export function cellOf(z: number, y: number, x: number): number {
  const az = z < 0 ? -z : z, ay = y < 0 ? -y : y, ax = x < 0 ? -x : x;
  let face: number, u: number, w: number, am: number;
  if (az >= ay && az >= ax) { am = az; face = z > 0 ? 1 : 0; u = y; w = x; }
  else if (ay >= ax) { am = ay; face = y > 0 ? 3 : 2; u = x; w = z; }
  else { am = ax; face = x > 0 ? 5 : 4; u = z; w = y; }
  if (am === 0) return 0; // the zero vector: any cell (callers treat it as inside)
  const k = (0.5 * G) / am;
  let iu = ((u * k + 0.5 * G) | 0), iw = ((w * k + 0.5 * G) | 0);
  if (iu >= G) iu = G - 1; if (iw >= G) iw = G - 1;
  return face * G * G + iu * G + iw;
}

/** the face whose cone holds the direction best (largest smallest cone coordinate) */
function scanFaces(l: { inv: Float64Array; faceCount: number }, z: number, y: number, x: number): number {
  let best = 0, bestMin = -Infinity;
  const inv = l.inv;
  for (let f = 0; f < l.faceCount; f++) {
    const o = 9 * f;
    const a = inv[o] * z + inv[o + 1] * y + inv[o + 2] * x;
    const b = inv[o + 3] * z + inv[o + 4] * y + inv[o + 5] * x;
    const c = inv[o + 6] * z + inv[o + 7] * y + inv[o + 8] * x;
    const mn = a < b ? (a < c ? a : c) : (b < c ? b : c);
    if (mn > bestMin) { bestMin = mn; best = f; }
  }
  return best;
}

/** face whose cone contains direction (z, y, x) (exact: short list first, full scan if needed) */
export function findFace(l: FaceLookup, z: number, y: number, x: number): number {
  const cell = cellOf(z, y, x);
  const inv = l.inv;
  const tol = -1e-9 * (Math.abs(z) + Math.abs(y) + Math.abs(x));
  for (let i = l.start[cell], e = l.start[cell + 1]; i < e; i++) {
    const f = l.cand[i], o = 9 * f;
    if (inv[o] * z + inv[o + 1] * y + inv[o + 2] * x < tol) continue;
    if (inv[o + 3] * z + inv[o + 4] * y + inv[o + 5] * x < tol) continue;
    if (inv[o + 6] * z + inv[o + 7] * y + inv[o + 8] * x < tol) continue;
    return f;
  }
  return scanFaces(l, z, y, x);
}

// Inverse of [[a b c],[d e f],[g h i]] written row-major into out[o..o+9).
function invert3(a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, out: Float64Array, o: number): void {
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  out[o] = A / det; out[o + 1] = -(b * i - c * h) / det; out[o + 2] = (b * f - c * e) / det;
  out[o + 3] = B / det; out[o + 4] = (a * i - c * g) / det; out[o + 5] = -(a * f - c * d) / det;
  out[o + 6] = C / det; out[o + 7] = -(a * h - b * g) / det; out[o + 8] = (a * e - b * d) / det;
}
