/**
 * Positional train/validation/test splits: sizes, presets and boundary arithmetic (exact integers, BigInt where a
 * product could pass 2^53).
 */
import { DatasetError } from '../errors.js';
import type { SplitName } from './corpus.js';

/** Split sizes in symbols (bytes for enwik8). `test` absent = no test split. */
export interface SplitSizes {
  readonly train: number;
  readonly valid: number;
  readonly test?: number;
}

/** The standard enwik8 split (awd-lstm `prep_enwik8.py`, Transformer-XL): first 90M bytes train, 5M valid, 5M test. */
export const ENWIK8_STANDARD_SPLIT: SplitSizes = { train: 90_000_000, valid: 5_000_000, test: 5_000_000 };
/** Graves (2013) §3.3: first 96M bytes train, last 4M validation, no test set. */
export const ENWIK8_PAPER_SPLIT: SplitSizes = { train: 96_000_000, valid: 4_000_000 };
/** enwik8's length: the first 10^8 bytes of the 2006-03-03 English Wikipedia dump. */
export const ENWIK8_BYTES = 100_000_000;

/** Total of the sizes. */
export function splitTotal(sizes: SplitSizes): number {
  return sizes.train + sizes.valid + (sizes.test ?? 0);
}

/**
 * Scales a preset to `total` symbols keeping its proportions: `valid = floor(total · valid / presetTotal)`, the
 * same for `test`, and train takes the rest (so train is never short of the floor). Exact for any integer sizes.
 * Example: the standard enwik8 split scaled to 1,001 bytes is 901/50/50.
 */
export function scaleSplitSizes(preset: SplitSizes, total: number): SplitSizes {
  const presetTotal = BigInt(splitTotal(preset));
  const part = (size: number): number => Number((BigInt(total) * BigInt(size)) / presetTotal);
  const valid = part(preset.valid);
  if (preset.test === undefined) return { train: total - valid, valid };
  const test = part(preset.test);
  return { train: total - valid - test, valid, test };
}

/** Half-open `[start, end)` ranges of each split, in file order: train, then valid, then test. */
export type SplitRanges = Readonly<Partial<Record<SplitName, readonly [number, number]>>> & {
  readonly train: readonly [number, number];
  readonly valid: readonly [number, number];
};

/**
 * Boundaries for consecutive splits of a `total`-symbol sequence.
 * @throws {@link DatasetError} when the sizes are not non-negative integers or do not add up to `total`.
 */
export function splitRanges(total: number, sizes: SplitSizes, file?: string): SplitRanges {
  for (const [name, size] of Object.entries(sizes)) {
    if (size !== undefined && (!Number.isInteger(size) || size < 0)) {
      throw new DatasetError(`split size ${name}=${String(size)} is not a non-negative integer`, file);
    }
  }
  const sum = splitTotal(sizes);
  if (sum !== total) {
    const shown = `${sizes.train}/${sizes.valid}${sizes.test === undefined ? '' : `/${sizes.test}`}`;
    throw new DatasetError(
      `${file ?? 'the input'} has ${total} symbols but the split ${shown} adds up to ${sum}; pass split sizes that add up to the length (or let them scale)`,
      file,
    );
  }
  const a = sizes.train;
  const b = a + sizes.valid;
  const ranges = { train: [0, a] as const, valid: [a, b] as const };
  return sizes.test === undefined ? ranges : { ...ranges, test: [b, b + sizes.test] as const };
}

/** `split=…` convention line, e.g. `split=train 90000000, valid 5000000, test 5000000 bytes (in file order)`. */
export function splitConvention(sizes: SplitSizes, unit: string, note = 'in file order'): string {
  const test = sizes.test === undefined ? ', no test' : `, test ${sizes.test}`;
  return `split=train ${sizes.train}, valid ${sizes.valid}${test} ${unit} (${note})`;
}
