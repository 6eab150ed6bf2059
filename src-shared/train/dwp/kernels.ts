// The kernels a Deep Weight Prior models: every 3×3 (2D) or 3×3×3 (3D) slice W[m, c, …] of the
// U-Net's conv layers, as vectors, grouped by layer group (the encoder and decoder levels), since
// kernels of different depths look different.

/** `enc.1.conv2.weight` → 'enc.1'; undefined for weights a prior does not cover (up-convs, heads). */
export function kernelGroup(paramName: string): string | undefined {
  const m = /^((?:enc|dec)\.\d+)\.conv\d\.weight$/.exec(paramName);
  return m?.[1];
}

export interface KernelSet { group: string; size: number; vectors: Float32Array[] }

/** All kernel vectors of the given models, per group; only kernels of `size` values (9 or 27). */
export function collectKernels(models: { params: Map<string, Float32Array> }[], size: number): Map<string, KernelSet> {
  const groups = new Map<string, KernelSet>();
  for (const m of models) {
    for (const [name, w] of m.params) {
      const group = kernelGroup(name);
      if (!group || w.length % size !== 0) continue;
      const set = groups.get(group) ?? { group, size, vectors: [] };
      for (let i = 0; i < w.length; i += size) set.vectors.push(w.subarray(i, i + size));
      groups.set(group, set);
    }
  }
  return groups;
}
