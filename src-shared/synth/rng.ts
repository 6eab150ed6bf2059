// Random helpers for the synthetic generators. Everything draws from one `() => number` stream
// (mulberry32 from nn/params.ts), so a seed fixes every sample bit for bit.
import { gaussian, seededRandom } from '../nn/params.ts';

export type Rand = () => number;

export { seededRandom };

/** A set of draws on one uniform stream. `normal` caches its Box–Muller generator. */
export class Rng {
  readonly normal: () => number;
  constructor(readonly rand: Rand) { this.normal = gaussian(rand); }
  static fromSeed(seed: number): Rng { return new Rng(seededRandom(seed)); }
  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.rand(); }
  /** log-uniform in [lo, hi] (lo, hi > 0): radii and scales */
  logUniform(lo: number, hi: number): number { return lo * Math.exp(Math.log(hi / lo) * this.rand()); }
  int(lo: number, hiInclusive: number): number { return lo + Math.floor(this.rand() * (hiInclusive - lo + 1)); }
  chance(p: number): boolean { return this.rand() < p; }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.rand() * items.length)]!; }
  range(r: readonly [number, number]): number { return this.uniform(r[0], r[1]); }
}

export type Range = readonly [number, number];
