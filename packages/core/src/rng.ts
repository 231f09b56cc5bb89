/**
 * Seeded randomness. Library code never calls Math.random: every random choice takes an
 * {@link Rng}, whose state can be saved in a checkpoint and restored for exact resume.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** A fresh integer seed in [0, 2^31) for tfjs random ops. */
  nextSeed(): number;
  /** Standard normal (Box-Muller, no caching so the state stays one integer). */
  normal(): number;
  /** The whole state: pass it to {@link createRng} to continue the same stream. */
  state(): number;
}

/** mulberry32: small, fast, good enough for sampling and initialisation; not cryptographic. */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    let u = next();
    while (u <= 0) u = next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return { next, nextSeed: () => Math.floor(next() * 2 ** 31), normal, state: () => s };
}
