/**
 * The corpus type every text reader returns and `@seqgen/text` consumes: a vocabulary (`symbols`, index = id) and
 * one id array per split, plus the conventions that change what bits-per-character means.
 */

/** What one time step of the model sees: a Unicode code point, a byte, or a whitespace-delimited word. */
export type TextUnit = 'char' | 'byte' | 'word';

/** Symbol ids; the narrowest array that holds `symbols.length` ids (`Uint8Array` for ≤ 256 symbols). */
export type SymbolIds = Uint8Array | Uint16Array | Int32Array;

/** The three splits. `test` is absent where the source has none (Graves' enwik8 96M/4M split). */
export type SplitName = 'train' | 'valid' | 'test';

/** One id array per split. */
export interface TextSplits {
  readonly train: SymbolIds;
  readonly valid: SymbolIds;
  readonly test?: SymbolIds;
}

/** Where a source document sits inside a split's id array: ids `[start, end)`. */
export interface DocumentSpan {
  /** The document's name (Brown file id such as `ca01`, a relative path, …). */
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

/**
 * A text corpus ready for a next-step model (Graves 2013 §3, Eqs. 12–14: one-hot input and softmax of size
 * `symbols.length`).
 */
export interface TextCorpus {
  /** Short name, e.g. `brown`, `ptb-char`, `enwik8`. */
  readonly name: string;
  readonly unit: TextUnit;
  /**
   * The vocabulary: `symbols[id]`. char: one code point each (plus `<unk>`/`<eos>` tokens where the format has
   * them); word: the word; byte: `String.fromCharCode(byte)` (Latin-1 view; the byte itself is `bytes[id]`).
   */
  readonly symbols: readonly string[];
  readonly splits: TextSplits;
  /**
   * Every data convention that changes the numbers a model reports (bits per character depends on them):
   * `key=value` strings such as `unk=one symbol <unk>` or `split=90000000/5000000/5000000 bytes`. Print them.
   */
  readonly conventions: readonly string[];
  /** The files (or `archive.zip!entry`) the corpus was read from. */
  readonly sources: readonly string[];
  /** Id that symbols outside the training vocabulary were mapped to, when there is one. */
  readonly unknownId?: number;
  /** unit `byte` only: `bytes[id]` is the byte value of symbol `id`. */
  readonly bytes?: Uint8Array;
  /** Text between two rendered symbols: `' '` for words, `''` otherwise. */
  readonly separator: '' | ' ';
  /** How {@link renderIds} shows special symbols (`<eos>` → newline, `_` → space for PTB characters). */
  readonly display?: Readonly<Record<string, string>>;
  /** Source documents inside each split (Brown files, files of a folder), in order. */
  readonly documents?: Readonly<Partial<Record<SplitName, readonly DocumentSpan[]>>>;
  /** How many symbols of each split were outside the training vocabulary (mapped to `unknownId`). */
  readonly unknownCounts?: Readonly<Partial<Record<SplitName, number>>>;
}

/** The narrowest id array for a vocabulary of `vocabularySize` symbols. */
export function idArrayFor(vocabularySize: number, length: number): SymbolIds {
  if (vocabularySize <= 256) return new Uint8Array(length);
  if (vocabularySize <= 65536) return new Uint16Array(length);
  return new Int32Array(length);
}

/** The split names a corpus has, in order. */
export function splitNames(corpus: Pick<TextCorpus, 'splits'>): SplitName[] {
  return corpus.splits.test === undefined ? ['train', 'valid'] : ['train', 'valid', 'test'];
}

/**
 * Turns ids back into readable text: words joined by spaces, `<eos>` as a newline, PTB's `_` as a space, bytes
 * decoded as UTF-8 (invalid sequences become U+FFFD).
 */
export function renderIds(corpus: Pick<TextCorpus, 'unit' | 'symbols' | 'separator' | 'display' | 'bytes'>, ids: ArrayLike<number>): string {
  if (corpus.unit === 'byte') {
    const table = corpus.bytes;
    const out = new Uint8Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      out[i] = table === undefined ? id : (table[id] ?? 0x3f);
    }
    return new TextDecoder('utf-8').decode(out);
  }
  const display = corpus.display ?? {};
  let text = '';
  let previousWasBreak = true;
  for (let i = 0; i < ids.length; i++) {
    const symbol = corpus.symbols[ids[i] as number] ?? '\uFFFD';
    const shown = display[symbol] ?? symbol;
    if (corpus.separator !== '' && !previousWasBreak && shown !== '\n') text += corpus.separator;
    text += shown;
    previousWasBreak = shown === '\n';
  }
  return text;
}
