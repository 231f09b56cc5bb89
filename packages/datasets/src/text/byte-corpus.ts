/**
 * Byte-level corpora (enwik8, any file as bytes). Splits are views (`subarray`) of one byte array: nothing is
 * copied into JS strings, and with `vocabulary: 'all'` nothing is copied at all.
 */
import { DatasetError } from '../errors.js';
import type { TextCorpus } from './corpus.js';
import { ENWIK8_STANDARD_SPLIT, scaleSplitSizes, splitConvention, splitRanges, type SplitSizes } from './split.js';

/**
 * Byte vocabulary: `observed` = the distinct byte values of the whole file, sorted (Graves' 205 for enwik8; ids are
 * then remapped), `all` = 256 symbols with id = byte value (unseen bytes stay representable).
 */
export type ByteVocabulary = 'observed' | 'all';

/** Options for {@link byteCorpus}. */
export interface ByteCorpusOptions {
  /** Corpus name; default `bytes`. */
  readonly name?: string;
  /** Split sizes in bytes; default the enwik8 standard proportions 90/5/5, scaled. */
  readonly split?: SplitSizes;
  /** Scale `split` proportionally to the data's length (default: true when `split` is not given, else false). */
  readonly scale?: boolean;
  /** Default `observed`. */
  readonly vocabulary?: ByteVocabulary;
  /** Remap `observed` ids inside `bytes` instead of into a copy (saves 100 MB on enwik8; the caller's array changes). */
  readonly inPlace?: boolean;
  /** Source name(s) for messages and `sources`. */
  readonly sources?: readonly string[];
  /** Extra convention lines, printed first. */
  readonly conventions?: readonly string[];
}

/** Distinct byte values of `bytes`, ascending. */
export function observedBytes(bytes: Uint8Array): Uint8Array {
  const seen = new Uint8Array(256);
  for (let i = 0; i < bytes.length; i++) seen[bytes[i] as number] = 1;
  const values: number[] = [];
  for (let b = 0; b < 256; b++) if (seen[b] === 1) values.push(b);
  return Uint8Array.from(values);
}

/**
 * A byte corpus: consecutive train/valid/test ranges of `bytes` (Graves 2013 §3.3 uses the first 96M bytes of
 * enwik8 for training and the last 4M for validation; the standard split is 90M/5M/5M).
 * @throws {@link DatasetError} for empty data or split sizes that do not add up to the length.
 */
export function byteCorpus(bytes: Uint8Array, options: ByteCorpusOptions = {}): TextCorpus {
  const file = options.sources?.[0];
  if (bytes.length === 0) throw new DatasetError(`empty corpus: ${file ?? 'the input'} has no bytes`, file);
  const scale = options.scale ?? options.split === undefined;
  const preset = options.split ?? ENWIK8_STANDARD_SPLIT;
  const sizes = scale ? scaleSplitSizes(preset, bytes.length) : preset;
  const ranges = splitRanges(bytes.length, sizes, file);
  const vocabulary = options.vocabulary ?? 'observed';
  let values: Uint8Array;
  let ids: Uint8Array;
  if (vocabulary === 'all') {
    values = new Uint8Array(256).map((_, b) => b);
    ids = bytes;
  } else {
    values = observedBytes(bytes);
    const table = new Uint8Array(256);
    values.forEach((value, id) => { table[value] = id; });
    ids = options.inPlace === true ? bytes : new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) ids[i] = table[bytes[i] as number] as number;
  }
  const train = ids.subarray(ranges.train[0], ranges.train[1]);
  const valid = ids.subarray(ranges.valid[0], ranges.valid[1]);
  const splits = ranges.test === undefined ? { train, valid } : { train, valid, test: ids.subarray(ranges.test[0], ranges.test[1]) };
  return {
    name: options.name ?? 'bytes',
    unit: 'byte',
    symbols: Array.from(values, (value) => String.fromCharCode(value)),
    splits,
    conventions: [
      ...(options.conventions ?? []),
      'unit=byte (multi-byte UTF-8 characters span several steps; bits per byte)',
      vocabulary === 'all'
        ? 'bytes=all 256 byte values, id = byte'
        : `bytes=observed: the ${values.length} distinct byte values of the whole file, sorted (Graves: 205 on enwik8)`,
      splitConvention(sizes, 'bytes', scale ? `${preset.train}:${preset.valid}${preset.test === undefined ? '' : `:${preset.test}`} scaled to the file, in file order` : 'in file order'),
    ],
    sources: options.sources ?? [],
    bytes: values,
    separator: '',
  };
}
