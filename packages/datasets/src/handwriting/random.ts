/**
 * Randomness for the synthetic generator. Structurally compatible with `@seqgen/core`'s `Rng` (which this
 * package cannot import): anything with `next(): number` in [0, 1) works.
 */

/** A uniform [0, 1) source. `createRng` from `@seqgen/core` satisfies it. */
export interface RandomSource {
  next(): number;
}

/** mulberry32, the same generator as `@seqgen/core`'s `createRng`: small, fast, deterministic, not cryptographic. */
export function seededRandom(seed: number): RandomSource {
  let s = seed >>> 0;
  return {
    next: () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), s | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Mixes a base seed with an integer (writer index, line index) into a new 32-bit seed. */
export function mixSeed(seed: number, value: number): number {
  let h = (seed ^ Math.imul(value + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Standard normal draw (Box-Muller). */
export function gaussian(rng: RandomSource): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Uniform draw in [lo, hi). */
export function uniform(rng: RandomSource, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}
