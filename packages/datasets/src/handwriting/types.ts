/**
 * Data types shared by the IAM-OnDB reader, the synthetic generator, the cache and the renderer.
 */

/**
 * One pen-down trace in absolute board units: `x[i]`, `y[i]` (y grows downwards, as in IAM-OnDB and SVG) and
 * `time[i]` in seconds (NaN where unknown).
 */
export interface Stroke extends Trace {
  time: Float64Array;
}

/** A pen-down trace without timing: absolute `x[i]`, `y[i]` (y down). What the renderer draws. */
export interface Trace {
  x: Float32Array;
  y: Float32Array;
}

/**
 * One handwritten text line, ready for a model: `offsets` holds T triples `(dx, dy, eos)` (Graves 2013 Eq. 15:
 * x1, x2 = pen offset from the previous point, x3 = 1 when the point ends a stroke). Offsets are normalised
 * (mean 0 / std 1 with the dataset's training statistics, Sec. 4.2) unless the dataset says otherwise.
 * The first triple is `(0, 0, eos)`: the pen's first contact.
 */
export interface HandwritingLine {
  /** IAM-OnDB line id (`a01-000u-01`) or a synthetic id (`hershey-w003-000012`). */
  id: string;
  /** The transcription as written (not mapped to the alphabet; encode with `encodeText`). */
  text: string;
  /** Writer id when known (IAM form variant's writer or a synthetic writer index). */
  writer?: string;
  /** Which split the line belongs to. */
  split: HandwritingSplit;
  /** `(dx, dy, eos)` × T, row-major. */
  offsets: Float32Array;
}

/** Split roles after the paper's use of the IAM-OnDB-t1 files (Sec. 4.1). */
export type HandwritingSplit = 'train' | 'validation' | 'test';

/** Per-axis normalisation statistics of the training offsets (eos is never normalised). */
export interface OffsetStats {
  mean: [number, number];
  std: [number, number];
}

/**
 * A prepared handwriting dataset: lines, the character set the models use, and everything needed to undo
 * the preprocessing (offset statistics, threshold) plus human-readable conventions to print in run logs.
 */
export interface HandwritingDataset {
  /** Where it came from: 'iam-ondb' or 'hershey'. */
  source: string;
  lines: HandwritingLine[];
  /** The symbols, in model index order; `alphabet[0]` is the "other" label when `otherSymbol` is set. */
  alphabet: string[];
  /** Symbol that stands for every character outside the alphabet (paper: the "non-letter" label), or null. */
  otherSymbol: string | null;
  offsetMean: [number, number];
  offsetStd: [number, number];
  /** Whether `offsets` are normalised with offsetMean / offsetStd. */
  normalised: boolean;
  /** Step-length threshold in raw units used when preprocessing (steps longer were removed). */
  threshold: number;
  /** Human-readable data conventions (units, axis direction, split roles, alphabet, interpolation...). */
  conventions: string[];
}
