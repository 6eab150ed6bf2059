// Random helpers for the synthetic generators. Everything draws from one `() => number` stream
// (mulberry32 from src-shared/random.ts), so a seed fixes every sample bit for bit.
import { seededRandom } from '../random.ts';

export type Rand = () => number;

export { seededRandom };

/**
 * A set of draws on one uniform stream. `normal` is Box–Muller like random.ts's `gaussian`,
 * but keeps the second (sine) deviate of each pair: half the uniforms and logs per draw, which
 * matters for per-voxel noise.
 */
export class Rng {
  private spare = 0;
  private hasSpare = false;
  readonly normal = (): number => {
    if (this.hasSpare) { this.hasSpare = false; return this.spare; }
    const u = Math.max(this.rand(), 1e-12), v = this.rand();
    const m = Math.sqrt(-2 * Math.log(u)), a = 2 * Math.PI * v;
    this.spare = m * Math.sin(a); this.hasSpare = true;
    return m * Math.cos(a);
  };
  constructor(readonly rand: Rand) {}
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
