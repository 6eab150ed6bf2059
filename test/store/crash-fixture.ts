// What the crash test's writer child does and what the parent checks it against, kept in
// one place so both sides agree: the label shape and the deterministic volume contents.
import { makeVolume, type Volume } from '../../src-shared/volume.ts';
import { rng } from '../labels/helpers.ts';

export const CRASH_LABEL_SHAPE: [number, number, number] = [96, 192, 192];

/** A volume whose voxels follow from its name alone, so a reader can verify it without the writer. */
export function volumeForName(name: string): Volume {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  const r = rng(h >>> 0);
  const v = makeVolume([6, 96, 96, 1], 'uint16');
  for (let i = 0; i < v.data.length; i++) v.data[i] = Math.floor(r() * 65536); // noise: ~110 KB that barely compresses
  return v;
}
