/**
 * Character-level corpora from decoded text: one symbol per Unicode code point (not per UTF-16 unit, so an emoji
 * is one symbol).
 */
import { DatasetError, DatasetParseError } from '../errors.js';
import type { DocumentSpan, SplitName, TextCorpus } from './corpus.js';
import { scaleSplitSizes, splitConvention, splitRanges, type SplitSizes } from './split.js';
import { codePointVocabulary, vocabularyConvention, type UnknownPolicy, type VocabularyOptions } from './vocabulary.js';

/** One named piece of text (a file, a Brown document). */
export interface TextDocument {
  readonly id: string;
  readonly text: string;
  /** Where `text` starts in its file when it is a piece of one (1-based line and column), for error messages. */
  readonly start?: { readonly line: number; readonly column: number };
}

/** Options for the character corpus builders. */
export interface CharCorpusOptions extends VocabularyOptions {
  /** Corpus name; default `text`. */
  readonly name?: string;
  /** Source files, for `TextCorpus.sources`; default the document ids. */
  readonly sources?: readonly string[];
  /** Extra convention lines, printed before the generic ones. */
  readonly conventions?: readonly string[];
}

/** Documents already assigned to splits. */
export interface DocumentSplits {
  readonly train: readonly TextDocument[];
  readonly valid: readonly TextDocument[];
  readonly test?: readonly TextDocument[];
}

const UNKNOWN_CHAR = '\uFFFD';

/** Number of code points in `text`. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** Position of UTF-16 index `index` in `text` as 1-based line and column (column in code units). */
function lineAndColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

/** Builds a char corpus from documents already grouped by split; documents are concatenated in order. */
export function charCorpusFromDocuments(documents: DocumentSplits, options: CharCorpusOptions = {}): TextCorpus {
  const policy: UnknownPolicy = options.unknown ?? 'unk';
  const builder = codePointVocabulary(options.unknownSymbol ?? UNKNOWN_CHAR, policy);
  const spans: Partial<Record<SplitName, DocumentSpan[]>> = {};
  const names: SplitName[] = documents.test === undefined ? ['train', 'valid'] : ['train', 'valid', 'test'];
  for (const name of names) {
    builder.begin(name);
    const list: DocumentSpan[] = [];
    for (const document of documents[name] ?? []) {
      const start = builder.position;
      const text = document.text;
      for (let i = 0; i < text.length; i++) {
        let cp = text.charCodeAt(i);
        const at = i;
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
          const next = text.charCodeAt(i + 1);
          if (next >= 0xdc00 && next <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
            i++;
          }
        }
        if (!builder.push(cp)) {
          const local = lineAndColumn(text, at);
          const origin = document.start ?? { line: 1, column: 1 };
          const line = origin.line + local.line - 1;
          const column = local.line === 1 ? origin.column + local.column - 1 : local.column;
          throw new DatasetParseError(
            { file: document.id, line },
            `column ${column}: character ${JSON.stringify(String.fromCodePoint(cp))} (U+${cp.toString(16).toUpperCase().padStart(4, '0')}) of the ${name} split never occurs in the training split (unknown=error)`,
          );
        }
      }
      list.push({ id: document.id, start, end: builder.position });
    }
    spans[name] = list;
  }
  const encoded = builder.finish();
  const train = encoded.splits.train;
  if (train === undefined || train.length === 0) {
    const ids = documents.train.map((document) => document.id).join(', ');
    throw new DatasetError(`empty corpus: the training split has no characters (${ids === '' ? 'no documents' : ids})`, documents.train[0]?.id);
  }
  const splits = encoded.splits.test === undefined
    ? { train, valid: encoded.splits.valid ?? new Uint8Array(0) }
    : { train, valid: encoded.splits.valid ?? new Uint8Array(0), test: encoded.splits.test };
  const sources = options.sources ?? names.flatMap((name) => (documents[name] ?? []).map((document) => document.id));
  const corpus: TextCorpus = {
    name: options.name ?? 'text',
    unit: 'char',
    symbols: encoded.symbols,
    splits,
    conventions: [
      ...(options.conventions ?? []),
      'unit=char (one Unicode code point per step)',
      vocabularyConvention(encoded, policy),
    ],
    sources,
    separator: '',
    documents: spans,
    unknownCounts: encoded.unknownCounts,
  };
  return encoded.unknownId === undefined ? corpus : { ...corpus, unknownId: encoded.unknownId };
}

/** Options for {@link charCorpusFromText}. */
export interface TextSplitOptions extends CharCorpusOptions {
  /**
   * Split sizes in code points (must add up to the total) or proportions to scale (`scale: true`).
   * Default: 90/5/5 scaled to the text (the enwik8 standard proportions).
   */
  readonly split?: SplitSizes;
  /** Scale `split` to the text's length instead of requiring an exact total. Default true. */
  readonly scale?: boolean;
}

/**
 * A char corpus from one or more documents (files of a folder, in the given order) concatenated and split by
 * position: the first 90% of code points train, the next 5% validation, the last 5% test (by default). A split
 * boundary may fall inside a word or a document.
 */
export function charCorpusFromText(documents: readonly TextDocument[], options: TextSplitOptions = {}): TextCorpus {
  const lengths = documents.map((document) => codePointLength(document.text));
  const total = lengths.reduce((sum, length) => sum + length, 0);
  if (total === 0) {
    const ids = documents.map((document) => document.id).join(', ');
    throw new DatasetError(`empty corpus: no characters in ${ids === '' ? 'the input (no files)' : ids}`, documents[0]?.id);
  }
  const preset = options.split ?? { train: 90, valid: 5, test: 5 };
  const sizes = options.scale === false ? preset : scaleSplitSizes(preset, total);
  const ranges = splitRanges(total, sizes, documents.length === 1 ? documents[0]?.id : undefined);
  // Cut the concatenation at the code point boundaries, keeping document ids for each piece.
  const grouped: { train: TextDocument[]; valid: TextDocument[]; test: TextDocument[] } = { train: [], valid: [], test: [] };
  const order: SplitName[] = ['train', 'valid', 'test'];
  let position = 0;
  documents.forEach((document, index) => {
    const length = lengths[index] as number;
    for (const name of order) {
      const range = ranges[name];
      if (range === undefined) continue;
      const from = Math.max(range[0], position);
      const to = Math.min(range[1], position + length);
      if (to <= from) continue;
      const startIndex = codePointIndex(document.text, from - position);
      const endIndex = codePointIndex(document.text, to - position);
      grouped[name].push({ id: document.id, text: document.text.slice(startIndex, endIndex), start: lineAndColumn(document.text, startIndex) });
    }
    position += length;
  });
  const parts: DocumentSplits = ranges.test === undefined
    ? { train: grouped.train, valid: grouped.valid }
    : { train: grouped.train, valid: grouped.valid, test: grouped.test };
  return charCorpusFromDocuments(parts, {
    ...options,
    sources: options.sources ?? documents.map((document) => document.id),
    conventions: [...(options.conventions ?? []), splitConvention(sizes, 'code points')],
  });
}

/** UTF-16 index of code point number `n` in `text` (`text.length` when `n` is past the end). */
export function codePointIndex(text: string, n: number): number {
  let count = 0;
  let i = 0;
  while (i < text.length && count < n) {
    const unit = text.charCodeAt(i);
    i += unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    count++;
  }
  return i;
}

/** Code points `[from, to)` of `text`. */
export function sliceCodePoints(text: string, from: number, to: number): string {
  return text.slice(codePointIndex(text, from), codePointIndex(text, to));
}
