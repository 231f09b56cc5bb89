/**
 * Synthetic "writers": each a reproducible handwriting style drawn from a seed. Ranges are chosen to look like
 * the variety of IAM-OnDB (Graves 2013 Fig. 9: slant, size, width, line angle, speed) rather than measured.
 */
import { gaussian, mixSeed, seededRandom, uniform, type RandomSource } from './random.js';

/** Which Hershey font a writer's letters come from. */
export type WriterFont = 'scripts' | 'cursive' | 'futural';

/** One writer's style. Lengths are in Hershey font units (x-height = 9) unless stated. */
export interface WriterStyle {
  /** Writer id, e.g. `w007`. */
  id: string;
  font: WriterFont;
  /** Slant in radians, positive leans right (shear). */
  slant: number;
  /** Raw board units per font unit; x-height = 9 × size. IAM-like scale is ≈ 12. */
  size: number;
  /** Horizontal scale of the letters (1 = the font's proportions). */
  width: number;
  /** Extra space between letters, font units (may be negative: cramped). */
  letterSpacing: number;
  /** Space between words, font units. */
  wordSpacing: number;
  /** Amplitude of slow vertical baseline wander, font units. */
  baselineDrift: number;
  /** Mean line angle, radians (positive = rising to the right, i.e. y decreasing). */
  lineAngle: number;
  /** Amplitude of fast positional noise, raw units. */
  tremor: number;
  /** Gaussian smoothing of the glyph path along its length, font units (0 = the font's sharp corners). */
  smoothing: number;
  /** Writing speed, letters per second. */
  speed: number;
  /** Probability that two joinable letters are written without a pen lift. */
  joinProbability: number;
  /** Probability that i-dots and t/f/x crossbars are written after the word rather than in place. */
  delayDots: number;
  /** Letter-to-letter variability (size, position, slant jitter), 0..1. */
  jitter: number;
  /** Height of lowercase relative to capitals (1 = the font's). */
  lowercaseScale: number;
}

const fonts: readonly WriterFont[] = ['scripts', 'cursive', 'scripts', 'cursive', 'futural'];

/**
 * Draws a writer style from `rng`. About one writer in five prints (Hershey Sans 1-stroke, few joins); the others
 * write script.
 */
export function randomWriterStyle(rng: RandomSource, id = 'w000'): WriterStyle {
  const font = fonts[Math.floor(rng.next() * fonts.length)] as WriterFont;
  const script = font !== 'futural';
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  return {
    id,
    font,
    slant: clamp((script ? 0.12 : 0.02) + 0.16 * gaussian(rng), -0.25, 0.55),
    size: clamp(12 * Math.exp(0.18 * gaussian(rng)), 8.5, 16),
    width: clamp(Math.exp(0.14 * gaussian(rng)), 0.8, 1.4),
    letterSpacing: script ? uniform(rng, -0.8, 2.5) : uniform(rng, 1.5, 4.5),
    wordSpacing: uniform(rng, 6, 14),
    baselineDrift: uniform(rng, 0, 2.5),
    lineAngle: clamp(0.015 * gaussian(rng), -0.04, 0.04),
    tremor: rng.next() < 0.25 ? uniform(rng, 1.5, 4) : uniform(rng, 0, 1.2),
    smoothing: uniform(rng, 0.4, 1.6),
    speed: uniform(rng, 1.9, 2.9),
    joinProbability: script ? uniform(rng, 0.55, 1) : uniform(rng, 0, 0.15),
    delayDots: uniform(rng, 0.2, 1),
    jitter: uniform(rng, 0.15, 0.9),
    lowercaseScale: clamp(Math.exp(0.1 * gaussian(rng)), 0.82, 1.22),
  };
}

/** The style of writer number `index` under `seed`: the same pair always gives the same writer. */
export function writerStyle(index: number, seed = 0): WriterStyle {
  return randomWriterStyle(seededRandom(mixSeed(seed, index)), `w${String(index).padStart(3, '0')}`);
}
