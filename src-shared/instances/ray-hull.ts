// Triangulation of the ray tips by their convex hull. All tips lie on the unit sphere, so
// every tip is a hull vertex and the hull is a closed triangulated surface around the centre:
// each triangle plus the centre is one tetrahedron of the star-convex polyhedron.
//
// Brute force (a triangle is a face when no other tip lies outside its plane) is O(n⁴) but
// runs once per ray set (≈30 ms for 96 rays) and has no degenerate-case bookkeeping; a
// golden spiral has no four co-circular tips, which the Euler check below confirms.

export function hullTriangles(dirs: Float64Array): Int32Array {
  const n = dirs.length / 3;
  const out: number[] = [];
  const eps = 1e-12;
  for (let i = 0; i < n; i++) {
    const ax = dirs[3 * i], ay = dirs[3 * i + 1], az = dirs[3 * i + 2];
    for (let j = i + 1; j < n; j++) {
      const ux = dirs[3 * j] - ax, uy = dirs[3 * j + 1] - ay, uz = dirs[3 * j + 2] - az;
      for (let k = j + 1; k < n; k++) {
        const vx = dirs[3 * k] - ax, vy = dirs[3 * k + 1] - ay, vz = dirs[3 * k + 2] - az;
        let nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
        let off = nx * ax + ny * ay + nz * az;
        // The centre (origin) is inside, so an outward normal has a positive plane offset.
        let flip = false;
        if (off < 0) { nx = -nx; ny = -ny; nz = -nz; off = -off; flip = true; }
        let face = true;
        for (let m = 0; m < n; m++) {
          if (m === i || m === j || m === k) continue;
          if (nx * dirs[3 * m] + ny * dirs[3 * m + 1] + nz * dirs[3 * m + 2] - off > eps) { face = false; break; }
        }
        if (face) { if (flip) out.push(i, k, j); else out.push(i, j, k); }
      }
    }
  }
  // A closed triangulated sphere with n vertices has exactly 2n-4 triangles.
  if (out.length / 3 !== 2 * n - 4) {
    throw new Error(`ray hull has ${out.length / 3} triangles, expected ${2 * n - 4} (degenerate ray set)`);
  }
  return Int32Array.from(out);
}
