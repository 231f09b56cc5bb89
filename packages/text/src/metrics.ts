/**
 * Text metrics (Graves 2013 §3.2, Table 1): bits per character/byte (mean −log2 Pr of each next symbol),
 * perplexity (word level: 2^(bits per word); char level: the paper's per-word perplexity 2^(total bits / words)),
 * and the next-step error rate (fraction of symbols whose most probable prediction was wrong).
 */
import type { TextUnit } from '@seqgen/datasets';

/** Sums over a scored stretch of text. */
export interface ScoreTotals {
  /** Σ −log2 Pr(x_{t+1} | y_t) over the predicted symbols. */
  bits: number;
  /** Number of predicted symbols. */
  count: number;
  /** Predictions whose argmax was not the next symbol. */
  errors: number;
  /** Words among the predicted symbols (see `countWords`), for per-word perplexity. */
  words: number;
}

/** Metrics derived from {@link ScoreTotals}. */
export interface TextMetrics extends ScoreTotals {
  unit: TextUnit;
  /** Bits per symbol: per character (`char`), per byte (`byte`) or per word (`word`). */
  bitsPerSymbol: number;
  /** 2^(bits / words): per-word perplexity (for `word`, words = symbols). */
  perplexity: number;
  /** errors / count. */
  errorRate: number;
}

/** Empty totals. */
export function emptyTotals(): ScoreTotals {
  return { bits: 0, count: 0, errors: 0, words: 0 };
}

/** Adds `b` into `a` (in place) and returns it. */
export function addTotals(a: ScoreTotals, b: ScoreTotals): ScoreTotals {
  a.bits += b.bits;
  a.count += b.count;
  a.errors += b.errors;
  a.words += b.words;
  return a;
}

/** Derives the metrics. With count 0 the rates are NaN. */
export function textMetrics(totals: ScoreTotals, unit: TextUnit): TextMetrics {
  const bitsPerSymbol = totals.bits / totals.count;
  const words = unit === 'word' ? totals.count : totals.words;
  return {
    ...totals,
    unit,
    bitsPerSymbol,
    perplexity: 2 ** (totals.bits / words),
    errorRate: totals.errors / totals.count,
  };
}

/** Short label of the bits-per-symbol metric: `BPC`, `bits/byte`, `bits/word`. */
export function bitsLabel(unit: TextUnit): string {
  return unit === 'char' ? 'BPC' : unit === 'byte' ? 'bits/byte' : 'bits/word';
}
