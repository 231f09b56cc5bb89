/**
 * From raw stroke lines to a prepared {@link HandwritingDataset} (Graves 2013 Sec. 4.2), the paper's use of the
 * IAM-OnDB-t1 splits (Sec. 4.1), and synthetic lines from the Hershey generator.
 */
import { buildAlphabet, OTHER_SYMBOL, type AlphabetKind } from './alphabet.js';
import { wrapIntoLines } from './line-wrap.js';
import { computeOffsetStats, DEFAULT_STEP_THRESHOLD, normaliseOffsets, strokesToOffsets, type PreprocessOptions } from './preprocess.js';
import { mixSeed, seededRandom } from './random.js';
import { writeLine, type HersheyFonts, type WriteLineOptions } from './synth.js';
import type { HandwritingDataset, HandwritingLine, HandwritingSplit, Stroke } from './types.js';
import { writerStyle, type WriterStyle } from './writer-style.js';

/** A line before preprocessing: absolute strokes plus its transcription and split. */
export interface RawHandwritingLine {
  id: string;
  text: string;
  writer?: string;
  split: HandwritingSplit;
  strokes: Stroke[];
}

/** Options of {@link buildHandwritingDataset}. */
export interface BuildDatasetOptions extends PreprocessOptions {
  /** 'paper' = the 57 symbols (default); 'full' = every character of the training texts. */
  alphabet?: AlphabetKind;
  /** Normalise offsets with training statistics (default true). */
  normalise?: boolean;
  /** Dataset source name recorded in the result. */
  source?: string;
  /** Extra convention lines to record (e.g. the split mapping). */
  conventions?: string[];
}

/** Counts of what {@link buildHandwritingDataset} did. */
export interface BuildReport {
  lines: number;
  points: number;
  interpolated: number;
  removedSteps: number;
  /** Lines with fewer than 2 points after preprocessing (dropped). */
  droppedEmpty: string[];
}

/**
 * Preprocesses raw lines: offsets with interpolation and the step threshold, training statistics (from lines with
 * split 'train'; all lines if there are none), normalisation, alphabet.
 */
export function buildHandwritingDataset(
  raw: Iterable<RawHandwritingLine>,
  options: BuildDatasetOptions = {},
): { dataset: HandwritingDataset; report: BuildReport } {
  const threshold = options.threshold ?? DEFAULT_STEP_THRESHOLD;
  const report: BuildReport = { lines: 0, points: 0, interpolated: 0, removedSteps: 0, droppedEmpty: [] };
  const lines: HandwritingLine[] = [];
  for (const item of raw) {
    const { offsets, report: r } = strokesToOffsets(item.strokes, { ...options, threshold });
    report.interpolated += r.interpolated;
    report.removedSteps += r.removedSteps;
    if (offsets.length < 6) {
      report.droppedEmpty.push(item.id);
      continue;
    }
    const line: HandwritingLine = { id: item.id, text: item.text, split: item.split, offsets };
    if (item.writer !== undefined) line.writer = item.writer;
    lines.push(line);
    report.points += offsets.length / 3;
  }
  report.lines = lines.length;
  const train = lines.filter((l) => l.split === 'train');
  const statsLines = train.length > 0 ? train : lines;
  const stats = computeOffsetStats(statsLines.map((l) => l.offsets));
  const normalise = options.normalise ?? true;
  if (normalise) for (const l of lines) l.offsets = normaliseOffsets(l.offsets, stats);
  const kind = options.alphabet ?? 'paper';
  const alphabet = buildAlphabet(kind, statsLines.map((l) => l.text));
  const dataset: HandwritingDataset = {
    source: options.source ?? 'unknown',
    lines,
    alphabet,
    otherSymbol: alphabet[0] === OTHER_SYMBOL ? OTHER_SYMBOL : null,
    offsetMean: stats.mean,
    offsetStd: stats.std,
    normalised: normalise,
    threshold,
    conventions: [
      'points: (dx, dy, eos) per pen sample (Graves 2013 Eq. 15); row 0 = (0, 0, eos); eos = 1 on the last point of each stroke',
      'axes: x right, y down (IAM-OnDB board units; negate y for y-up plots)',
      `missing readings: linear interpolation where a time gap exceeds ${options.gapFactor ?? 2.5} x the median sampling interval`,
      `step threshold: ${threshold} raw units (non-paper value; paper: "a certain threshold"); longer steps removed`,
      normalise
        ? `offsets normalised per axis with training statistics: mean (${stats.mean.map((v) => v.toFixed(4)).join(', ')}), std (${stats.std.map((v) => v.toFixed(4)).join(', ')}); eos not normalised`
        : 'offsets in raw units (not normalised)',
      kind === 'paper'
        ? `alphabet: paper's 57 symbols ('${OTHER_SYMBOL}' = other, space . , ? A-Z a-z; exact list unconfirmed)`
        : `alphabet: full (${alphabet.length} symbols from the training text, '${OTHER_SYMBOL}' = unseen)`,
      ...(options.conventions ?? []),
    ],
  };
  return { dataset, report };
}

/** The lines of one split. */
export function linesOf(dataset: HandwritingDataset, split: HandwritingSplit): HandwritingLine[] {
  return dataset.lines.filter((l) => l.split === split);
}

/** The four IAM-OnDB-t1 split files, form-variant ids each. */
export interface IamSplitFiles {
  trainset?: readonly string[];
  testset_v?: readonly string[];
  testset_t?: readonly string[];
  testset_f?: readonly string[];
}

/** How the split files map to training roles. */
export type SplitMode = 'paper' | 'official';

/**
 * Maps form ids to splits. 'paper' (Graves 2013 Sec. 4.1): train on trainset + testset_f + the larger of
 * testset_v / testset_t, validate on the smaller (the file-to-role mapping is unconfirmed, so "smaller" is decided
 * by the number of forms, which matches the paper's 192 vs 216 forms either way). 'official': trainset = train,
 * testset_v + testset_t = validation, testset_f = test.
 */
export function assignSplits(files: IamSplitFiles, mode: SplitMode = 'paper'): { splitOf: Map<string, HandwritingSplit>; convention: string } {
  const splitOf = new Map<string, HandwritingSplit>();
  const v = files.testset_v ?? [];
  const t = files.testset_t ?? [];
  const set = (ids: readonly string[], split: HandwritingSplit): void => { for (const id of ids) splitOf.set(id, split); };
  if (mode === 'paper') {
    // The smaller non-empty one validates.
    const vSmaller = t.length === 0 ? true : v.length === 0 ? false : v.length <= t.length;
    const [small, large] = vSmaller ? [v, t] : [t, v];
    set(files.trainset ?? [], 'train');
    set(files.testset_f ?? [], 'train');
    set(large, 'train');
    set(small, 'validation');
    return {
      splitOf,
      convention: `splits (paper, Sec. 4.1): train = trainset + testset_f + ${vSmaller ? 'testset_t' : 'testset_v'} (larger validation set); validation = ${vSmaller ? 'testset_v' : 'testset_t'} (smaller); no test set`,
    };
  }
  set(files.trainset ?? [], 'train');
  set(v, 'validation');
  set(t, 'validation');
  set(files.testset_f ?? [], 'test');
  return { splitOf, convention: 'splits (official): train = trainset; validation = testset_v + testset_t; test = testset_f' };
}

/** A generated line: its text, writer and strokes (raw units, seconds). */
export interface SyntheticLine {
  id: string;
  text: string;
  writer: WriterStyle;
  strokes: Stroke[];
}

/** Options of {@link generateSyntheticLines}. */
export interface SyntheticOptions extends WriteLineOptions {
  /** Number of lines. */
  count: number;
  /** Number of distinct writers (default 20). Line i is written by writer i mod writers. */
  writers?: number;
  /** Seed of the writers and of the lines (default 0). */
  seed?: number;
  /** First line index (ids and per-line seeds continue from it), for generating in chunks. Default 0. */
  startIndex?: number;
  /** Called after each line (progress). */
  onLine?: (index: number) => void;
}

/**
 * Writes `count` lines of `texts` (line i uses text i mod texts.length) with the synthetic writers; line i's
 * randomness is seeded by (seed, i), so any line can be regenerated alone.
 */
export function generateSyntheticLines(texts: readonly string[], fonts: HersheyFonts, options: SyntheticOptions): SyntheticLine[] {
  const seed = options.seed ?? 0;
  const writers = Math.max(1, options.writers ?? 20);
  const styles = Array.from({ length: writers }, (_, w) => writerStyle(w, seed));
  const out: SyntheticLine[] = [];
  const start = options.startIndex ?? 0;
  for (let k = 0; k < options.count; k++) {
    const i = start + k;
    const text = texts[i % texts.length] as string;
    const writer = styles[i % writers] as WriterStyle;
    const rng = seededRandom(mixSeed(seed ^ 0x5eed, i));
    out.push({ id: `hershey-${writer.id}-${String(i).padStart(6, '0')}`, text, writer, strokes: writeLine(text, fonts, writer, rng, options) });
    options.onLine?.(i);
  }
  return out;
}

/**
 * Line texts from sentences: word-wrapped to IAM-like lengths (at most 52 characters, at least 20 unless a
 * sentence ends; shorter tails dropped), keeping only lines the fonts can draw (printable ASCII after folding accents).
 */
export function synthTextLines(sentences: readonly string[], maxChars = 52): string[] {
  return wrapIntoLines(sentences, maxChars, 20).filter((l) => l.length >= 15 && /^[\x20-\x7e]+$/.test(l.normalize('NFD').replace(/[\u0300-\u036f]/g, '')));
}
