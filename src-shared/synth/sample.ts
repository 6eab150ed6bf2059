// Sample factories: geometry + imaging model with parameters drawn per sample from ranges that
// cover the real data Lumen targets (radii in voxels, densities, contrast, noise, blur), so a
// stream of seeds gives varied, exactly labelled training pairs. Same seed → identical sample.
import { nucleiBlobs2d, nucleiBlobs3d, type BlobOptions } from './blobs.ts';
import { gaussianBlur, type Shape3 } from './fields.ts';
import { fundus2d, lightSheet, mriAngio, twoPhoton, type FundusOptions, type LightSheetOptions, type MriAngioOptions, type TwoPhotonOptions } from './imaging.ts';
import { neuriteTubes3d, type NeuriteOptions } from './neurites.ts';
import { drawRandomizedImaging, randomizedImaging } from './randomized-imaging.ts';
import { Rng, seededRandom } from './rng.ts';
import { vesselTree2d, vesselTree3d, type RootSpec, type TubeSample, type VesselTreeOptions } from './trees.ts';

export type SynthKind = 'vessels-2p' | 'vessels-lightsheet' | 'vessels-mra' | 'vessels-random' | 'neurites-lightsheet' | 'nuclei' | 'fundus';

export const SYNTH_KINDS: readonly SynthKind[] = ['vessels-2p', 'vessels-lightsheet', 'vessels-mra', 'vessels-random', 'neurites-lightsheet', 'nuclei', 'fundus'];

export interface SynthSample {
  kind: SynthKind;
  /** planar channels: channel c occupies [c·Z·Y·X, (c+1)·Z·Y·X) */
  image: Float32Array;
  channels: number;
  /** 0/1 per voxel, z × y × x */
  label: Uint8Array;
  /** z, y, x (z = 1 for 2D kinds) */
  shape: Shape3;
  /** voxel size z, y, x in world units (in-plane voxels) the geometry was drawn in */
  spacing: [number, number, number];
  /** fundus: 1 inside the round field of view (label is 0 outside it) */
  fov?: Uint8Array;
  /** nuclei: instance id per voxel */
  instances?: Uint16Array;
  /** the parameters drawn for this sample (for logging / reproducibility) */
  params: { geometry: object; imaging: object };
}

export interface SynthOverrides {
  geometry?: Partial<VesselTreeOptions & NeuriteOptions & BlobOptions>;
  imaging?: Partial<TwoPhotonOptions & LightSheetOptions & MriAngioOptions & FundusOptions>;
}

/** world volume relative to a 32 × 128 × 128 isotropic block, for scaling counts */
const relVolume = (shape: Shape3, sp: readonly number[]) => (shape[0] * sp[0]! * shape[1] * sp[1]! * shape[2] * sp[2]!) / (32 * 128 * 128);

/**
 * A vessel tree and, unless the caller fixed the roots, a bed of `caps` thin roots crossing the
 * block, merged into one occupancy and label. `bedRadius` is drawn only when a bed is grown (the
 * draws keep their order, so a seed gives the samples it always gave).
 */
function treeWithCapillaryBed(shape: Shape3, g: VesselTreeOptions, caps: number, bedRadius: () => [number, number], overrides: SynthOverrides, rng: Rng): TubeSample {
  const geo = vesselTree3d(shape, g, rng.rand);
  if (caps > 0 && !overrides.geometry?.roots) {
    const bed = vesselTree3d(shape, { ...g, roots: caps, rootRadius: bedRadius(), maxGenerations: rng.int(1, 3) }, rng.rand);
    for (let i = 0; i < geo.label.length; i++) {
      if (bed.occupancy[i]! > geo.occupancy[i]!) geo.occupancy[i] = bed.occupancy[i]!;
      geo.label[i] = geo.label[i]! | bed.label[i]!;
    }
  }
  return geo;
}

/**
 * One synthetic sample. `shape` is z, y, x; for 'fundus' z must be 1 (e.g. [1, 584, 565]).
 * 2D nuclei: z = 1.
 */
export function synthSample(kind: SynthKind, shape: Shape3, seed: number, overrides: SynthOverrides = {}): SynthSample {
  const rand = seededRandom(seed ^ 0x5eed1234);
  const rng = new Rng(rand);
  const [Z, Y, X] = shape;
  switch (kind) {
    case 'vessels-2p': {
      // in vivo cortex: few, thick surface vessels and/or a capillary bed, strongly anisotropic z
      const sz = rng.uniform(1.2, 4);
      const spacing: [number, number, number] = [sz, 1, 1];
      const rel = relVolume(shape, spacing);
      const minR = rng.uniform(1.1, 2);
      const big = rng.chance(0.6);
      const g: VesselTreeOptions = {
        spacing, minRadius: minR,
        roots: big ? rng.int(1, 4) : 0,
        rootRadius: [5, rng.uniform(8, 30)],
        tortuosity: rng.uniform(0.03, 0.1), planarity: rng.uniform(0.3, 0.8),
        maxGenerations: rng.int(3, 7), anastomosisProb: rng.uniform(0.1, 0.5),
        lengthFactor: [8, 20], minBranchLength: rng.uniform(12, 30), asymmetry: [0.3, 1],
        ...overrides.geometry,
      };
      // the capillary bed: many thin roots crossing the block
      const caps = Math.round(rng.uniform(big ? 0 : 4, 16) * Math.sqrt(rel));
      const geo = treeWithCapillaryBed(shape, g, caps, () => [minR, minR * 1.6], overrides, rng);
      const im: TwoPhotonOptions = {
        spacing, depthDecay: rng.uniform(40, 400), psf: [rng.uniform(1, 2.5) / sz, rng.uniform(0.4, 0.9), rng.uniform(0.4, 0.9)],
        photons: rng.logUniform(10, 150), haze: rng.uniform(0.01, 0.1), texture: rng.uniform(0.1, 0.4),
        unevenness: rng.uniform(0.1, 0.5), denoise: rng.chance(0.6) ? rng.uniform(0.6, 1.5) : 0, readNoise: rng.uniform(0.003, 0.02),
        ...overrides.imaging,
      };
      const image = twoPhoton(geo.occupancy, geo.label, shape, im, rand);
      return { kind, image, channels: 1, label: geo.label, shape, spacing, params: { geometry: { ...g, capillaryRoots: caps }, imaging: im } };
    }
    case 'vessels-lightsheet': {
      // cleared-tissue vasculature: dense capillary network, elongated PSF, stripes
      const spacing: [number, number, number] = [rng.uniform(1, 2.5), 1, 1];
      const rel = relVolume(shape, spacing);
      const minR = rng.uniform(0.8, 1.5);
      const g: VesselTreeOptions = {
        spacing, minRadius: minR, roots: Math.max(2, Math.round(rng.uniform(4, 12) * Math.sqrt(rel))), rootRadius: [minR * 1.5, rng.uniform(3, 7)],
        tortuosity: rng.uniform(0.04, 0.12), maxGenerations: rng.int(3, 6), anastomosisProb: rng.uniform(0.3, 0.8),
        lengthFactor: [8, 20], minBranchLength: rng.uniform(10, 25), ...overrides.geometry,
      };
      const geo = vesselTree3d(shape, g, rand);
      const im: LightSheetOptions = {
        spacing, psf: [rng.uniform(1.2, 3), rng.uniform(0.5, 1), rng.uniform(0.5, 1)], stripes: rng.uniform(0.05, 0.5),
        stripeWidth: rng.uniform(2, 8), background: rng.uniform(0.05, 0.3), illuminationDecay: rng.uniform(150, 1000),
        depthDecay: rng.uniform(100, 1000), photons: rng.logUniform(10, 100), texture: rng.uniform(0.05, 0.3), ...overrides.imaging,
      };
      const image = lightSheet(geo.occupancy, geo.label, shape, im, rand);
      return { kind, image, channels: 1, label: geo.label, shape, spacing, params: { geometry: g, imaging: im } };
    }
    case 'vessels-mra': {
      const spacing: [number, number, number] = [rng.chance(0.5) ? 1 : rng.uniform(1, 2), 1, 1];
      const g: VesselTreeOptions = {
        spacing, minRadius: rng.uniform(0.55, 0.9), roots: rng.int(2, 5), rootRadius: [2, rng.uniform(3, 5)],
        tortuosity: rng.uniform(0.03, 0.1), maxGenerations: rng.int(4, 7), anastomosisProb: rng.uniform(0.05, 0.3),
        lengthFactor: [10, 25], minBranchLength: rng.uniform(10, 20), ...overrides.geometry,
      };
      const geo = vesselTree3d(shape, g, rand);
      const im: MriAngioOptions = {
        spacing, vessel: 1, tissue: rng.uniform(0.15, 0.45), bias: rng.uniform(0.1, 0.5), noise: rng.uniform(0.02, 0.08),
        psf: [rng.uniform(0.4, 1), rng.uniform(0.4, 0.8), rng.uniform(0.4, 0.8)], head: rng.chance(0.5), ...overrides.imaging,
      };
      const image = mriAngio(geo.occupancy, geo.label, shape, im, rand);
      return { kind, image, channels: 1, label: geo.label, shape, spacing, params: { geometry: g, imaging: im } };
    }
    case 'vessels-random': {
      // any fluorescence vessel stack: trunks from capillary size to a third of the field, a
      // capillary bed from none to dense, any z anisotropy, through a randomised imaging chain
      const sz = rng.uniform(1, 5);
      const spacing: [number, number, number] = [sz, 1, 1];
      const rel = relVolume(shape, spacing);
      const minR = rng.uniform(0.8, 2.5);
      const trunks = rng.chance(0.7);
      const g: VesselTreeOptions = {
        spacing, minRadius: minR, roots: trunks ? rng.int(1, 5) : 0,
        rootRadius: [Math.max(minR, 3), rng.logUniform(6, Math.max(7, 0.35 * Math.min(Y, X)))],
        tortuosity: rng.uniform(0.02, 0.12), planarity: rng.uniform(0, 0.8), maxGenerations: rng.int(2, 7),
        anastomosisProb: rng.uniform(0, 0.6), lengthFactor: [6, 20], minBranchLength: rng.uniform(8, 30), asymmetry: [0.3, 1],
        ...overrides.geometry,
      };
      const caps = Math.round(rng.uniform(trunks ? 0 : 3, 40) * Math.sqrt(rel));
      const geo = treeWithCapillaryBed(shape, g, caps, () => [minR, minR * rng.uniform(1, 2)], overrides, rng);
      const im = drawRandomizedImaging(rng, sz);
      const image = randomizedImaging(geo.occupancy, shape, im, rng);
      // what an annotator traces is the vessel as it appears, the tube blurred by the PSF, down to
      // some fraction of its brightness: drawn per sample, since annotators differ in how generously they draw
      const seen = gaussianBlur(Float32Array.from(geo.occupancy), shape, im.psf);
      const cut = rng.uniform(0.2, 0.45);
      for (let i = 0; i < seen.length; i++) if (seen[i]! > cut) geo.label[i] = 1;
      return { kind, image, channels: 1, label: geo.label, shape, spacing, params: { geometry: { ...g, capillaryRoots: caps }, imaging: im } };
    }
    case 'neurites-lightsheet': {
      const spacing: [number, number, number] = [rng.uniform(1, 2.5), 1, 1];
      const rel = relVolume(shape, spacing);
      const g: NeuriteOptions = {
        spacing, fibres: Math.max(1, Math.round(rng.uniform(4, 20) * Math.sqrt(rel))), somata: rng.int(0, Math.max(1, Math.round(2 * rel))),
        radius: [0.6, rng.uniform(0.9, 1.8)], tortuosity: rng.uniform(0.015, 0.05), varicosity: rng.uniform(0, 1.2),
        branchRate: rng.uniform(0, 0.015), ...overrides.geometry,
      };
      const geo = neuriteTubes3d(shape, g, rand);
      const im: LightSheetOptions = {
        spacing, psf: [rng.uniform(1, 2.5), rng.uniform(0.5, 0.9), rng.uniform(0.5, 0.9)], stripes: rng.uniform(0.05, 0.4),
        background: rng.uniform(0.05, 0.25), photons: rng.logUniform(10, 100), texture: rng.uniform(0, 0.2), ...overrides.imaging,
      };
      const image = lightSheet(geo.occupancy, geo.label, shape, im, rand);
      return { kind, image, channels: 1, label: geo.label, shape, spacing, params: { geometry: g, imaging: im } };
    }
    case 'nuclei': {
      const flat = Z === 1;
      const spacing: [number, number, number] = [flat ? 1 : rng.uniform(1, 3), 1, 1];
      const r = rng.uniform(3, 8);
      const worldArea = Y * X, worldVol = worldArea * Z * spacing[0];
      const fill = rng.uniform(0.1, 0.4); // target fraction covered
      const count = Math.max(1, Math.round(flat ? (fill * worldArea) / (Math.PI * r * r) : (fill * worldVol) / ((4 / 3) * Math.PI * r ** 3)));
      const g: BlobOptions = { spacing, count, radius: [r * 0.7, r * 1.3], elongation: rng.uniform(1, 2), roughness: rng.uniform(0.03, 0.2), minSeparation: rng.uniform(0.7, 1), ...overrides.geometry };
      const geo = flat ? nucleiBlobs2d(shape, g, rand) : nucleiBlobs3d(shape, g, rand);
      const im: LightSheetOptions = {
        spacing, psf: flat ? [0, 0.8, 0.8] : [rng.uniform(1, 2.5), rng.uniform(0.5, 1), rng.uniform(0.5, 1)], stripes: flat ? 0 : rng.uniform(0, 0.3),
        background: rng.uniform(0.05, 0.25), photons: rng.logUniform(10, 100), texture: rng.uniform(0.2, 0.6), textureCell: rng.uniform(1.5, 4),
        depthDecay: rng.uniform(100, 1000), ...overrides.imaging,
      };
      const image = lightSheet(geo.occupancy, geo.label, shape, im, rand);
      return { kind, image, channels: 1, label: geo.label, shape, spacing, instances: geo.instances, params: { geometry: g, imaging: im } };
    }
    case 'fundus': {
      if (Z !== 1) throw new Error(`fundus samples are 2D: shape must be [1, H, W], got [${shape.join(', ')}]`);
      const fovR = rng.uniform(0.44, 0.49) * Math.min(Y, X);
      const fov = { y: (Y - 1) / 2 + rng.uniform(-0.02, 0.02) * Y, x: (X - 1) / 2 + rng.uniform(-0.02, 0.02) * X, r: fovR };
      const side = rng.chance(0.5) ? -1 : 1; // disc on the left (-1) or right
      const disc = { y: fov.y + rng.uniform(-0.2, 0.1) * fovR, x: fov.x + side * rng.uniform(0.6, 0.8) * fovR, r: rng.uniform(0.08, 0.11) * fovR };
      const macula = { y: fov.y + rng.uniform(-0.05, 0.1) * fovR, x: fov.x + side * rng.uniform(-0.1, 0.1) * fovR, r: rng.uniform(0.15, 0.25) * fovR };
      const scale = fovR / 270; // DRIVE's FOV radius is ~270 px
      const t = -side; // temporal direction in x (towards the macula)
      const roots: RootSpec[] = [];
      const arc = 1 / (rng.uniform(0.6, 0.9) * fovR);
      for (const vert of [-1, 1]) for (let k = 0; k < 2; k++) {
        // main superior/inferior arcades (an artery and a vein each), curving round the macula
        roots.push({
          pos: [0, disc.y + vert * disc.r * 0.2, disc.x + t * disc.r * 0.1 * k], dir: [0, vert, t * rng.uniform(0.1, 0.6)],
          radius: rng.uniform(3.5, 5.5) * scale * (k === 0 ? 1 : 0.8), turn: -vert * t * arc * rng.uniform(0.7, 1.3), goal: [0, -vert * 0.1, t],
        });
      }
      const nasal = rng.int(2, 4);
      for (let k = 0; k < nasal; k++) {
        const a = rng.uniform(-1.2, 1.2);
        roots.push({ pos: [0, disc.y, disc.x], dir: [0, Math.sin(a), -t * Math.cos(a)], radius: rng.uniform(2, 3.2) * scale, turn: rng.normal() * arc * 0.3 });
      }
      const g: VesselTreeOptions = {
        rootSpecs: roots, minRadius: rng.uniform(0.65, 0.9) * Math.max(1, scale * 0.8), tortuosity: rng.uniform(0.01, 0.03),
        maxGenerations: rng.int(4, 6), lengthFactor: [20, 45], minBranchLength: rng.uniform(35, 60) * scale,
        anastomosisProb: 0, taper: 0.002, asymmetry: [0.2, 0.8], turnJitter: arc * 0.15, withCentre: true,
        avoid: [{ centre: [0, macula.y, macula.x], radius: macula.r * 0.8 }], ...overrides.geometry,
      };
      const geo = vesselTree2d(shape, g, rand);
      const im: FundusOptions = {
        fov, disc, macula, colour: [rng.uniform(0.75, 0.95), rng.uniform(0.33, 0.5), rng.uniform(0.15, 0.3)],
        absorption: [rng.uniform(0.06, 0.18), rng.uniform(0.25, 0.45), rng.uniform(0.2, 0.4)], vignetting: rng.uniform(0.2, 0.5),
        reflex: rng.uniform(0, 0.35), noise: rng.uniform(0.005, 0.025), blur: rng.uniform(0.5, 1.1), ...overrides.imaging,
      };
      const { image, fov: mask } = fundus2d(geo.occupancy, geo.label, shape, { ...im, centre: geo.centre, radius: geo.radius }, rand);
      const label = geo.label;
      for (let i = 0; i < label.length; i++) if (!mask[i]) label[i] = 0;
      return { kind, image, channels: 3, label, shape, spacing: [1, 1, 1], fov: mask, params: { geometry: { ...g, rootSpecs: roots.length }, imaging: im } };
    }
  }
}
