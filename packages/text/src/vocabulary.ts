/**
 * The model's vocabulary: the symbols of the one-hot input and softmax output (Graves 2013 §3, Eqs. 12–14:
 * K = number of symbols), how to turn text into ids (priming) and ids back into text as it is generated.
 * It travels inside every `text-lm` checkpoint so a model is never paired with the wrong symbol table.
 */
import { CheckpointError, ConfigError, SeqgenError } from '@seqgen/core';
import type { TextCorpus, TextUnit } from '@seqgen/datasets';

/** What a model needs to know about its symbols; a subset of a {@link TextCorpus}. */
export interface TextVocabulary {
  readonly unit: TextUnit;
  /** `symbols[id]`; for `byte` the Latin-1 view of `bytes[id]`. */
  readonly symbols: readonly string[];
  /** Text between two rendered symbols: `' '` for words, `''` otherwise. */
  readonly separator: '' | ' ';
  /** How special symbols are shown (`<eos>` → newline, PTB's `_` → space). */
  readonly display?: Readonly<Record<string, string>>;
  /** unit `byte` only: the byte value of each symbol id. */
  readonly bytes?: Uint8Array;
  /** Id that unseen symbols map to, when the vocabulary has one. */
  readonly unknownId?: number;
}

/** JSON form of a {@link TextVocabulary} (bytes as a number array), as stored in checkpoints. */
export interface TextVocabularyJson {
  unit: TextUnit;
  symbols: string[];
  separator: '' | ' ';
  display?: Record<string, string>;
  bytes?: number[];
  unknownId?: number;
}

/** The vocabulary of a corpus. */
export function vocabularyOf(corpus: Pick<TextCorpus, 'unit' | 'symbols' | 'separator' | 'display' | 'bytes' | 'unknownId'>): TextVocabulary {
  return {
    unit: corpus.unit,
    symbols: corpus.symbols,
    separator: corpus.separator,
    ...(corpus.display !== undefined && { display: corpus.display }),
    ...(corpus.bytes !== undefined && { bytes: corpus.bytes }),
    ...(corpus.unknownId !== undefined && { unknownId: corpus.unknownId }),
  };
}

/** JSON form for checkpoints. */
export function vocabularyToJson(v: TextVocabulary): TextVocabularyJson {
  return {
    unit: v.unit,
    symbols: [...v.symbols],
    separator: v.separator,
    ...(v.display !== undefined && { display: { ...v.display } }),
    ...(v.bytes !== undefined && { bytes: Array.from(v.bytes) }),
    ...(v.unknownId !== undefined && { unknownId: v.unknownId }),
  };
}

/**
 * Reads a vocabulary back from checkpoint JSON, validating every field.
 * @param where - Names the file in errors, e.g. `runs/x/best/model.json: data.vocabulary`.
 * @throws {@link CheckpointError} naming the field and what was expected.
 */
export function vocabularyFromJson(json: unknown, where: string): TextVocabulary {
  const fail = (message: string): never => {
    throw new CheckpointError(`${where}: ${message}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('expected an object { unit, symbols, separator }');
  const j = json as Record<string, unknown>;
  if (j.unit !== 'char' && j.unit !== 'byte' && j.unit !== 'word') fail(`unit is ${JSON.stringify(j.unit)}, expected "char", "byte" or "word"`);
  const unit = j.unit as TextUnit;
  if (!Array.isArray(j.symbols) || j.symbols.length < 1 || !j.symbols.every((s) => typeof s === 'string')) {
    fail('symbols must be a non-empty array of strings');
  }
  const symbols = j.symbols as string[];
  if (new Set(symbols).size !== symbols.length) fail('symbols contains a duplicate');
  if (j.separator !== '' && j.separator !== ' ') fail(`separator is ${JSON.stringify(j.separator)}, expected "" or " "`);
  const out: { -readonly [K in keyof TextVocabulary]: TextVocabulary[K] } = { unit, symbols, separator: j.separator as '' | ' ' };
  if (j.display !== undefined) {
    const d = j.display;
    if (typeof d !== 'object' || d === null || Array.isArray(d) || !Object.values(d).every((s) => typeof s === 'string')) {
      fail('display must be an object of strings');
    }
    out.display = d as Record<string, string>;
  }
  if (j.bytes !== undefined) {
    const b = j.bytes;
    if (!Array.isArray(b) || b.length !== symbols.length || !b.every((x) => Number.isInteger(x) && x >= 0 && x < 256)) {
      fail(`bytes must be ${symbols.length} integers in [0, 255], one per symbol`);
    }
    out.bytes = Uint8Array.from(b as number[]);
  }
  if (j.unknownId !== undefined) {
    if (!Number.isInteger(j.unknownId) || (j.unknownId as number) < 0 || (j.unknownId as number) >= symbols.length) {
      fail(`unknownId is ${JSON.stringify(j.unknownId)}, expected an integer in [0, ${symbols.length})`);
    }
    out.unknownId = j.unknownId as number;
  }
  return out;
}

function showSymbol(s: string): string {
  return JSON.stringify(s);
}

/**
 * Checks that data encoded with `data` can be fed to a model trained with `model` (same unit, same symbols in the
 * same order). Ids would otherwise silently mean other symbols.
 * @throws {@link ConfigError} naming both sources and the first difference.
 */
export function assertSameVocabulary(model: TextVocabulary, data: TextVocabulary, names: { model: string; data: string }): void {
  const lead = `the vocabulary of ${names.model} does not match ${names.data}`;
  if (model.unit !== data.unit) {
    throw new ConfigError(`${lead}: the model reads ${model.unit}s, the data is ${data.unit}s (choose the data unit the model was trained on)`);
  }
  const n = Math.min(model.symbols.length, data.symbols.length);
  for (let i = 0; i < n; i++) {
    if (model.symbols[i] !== data.symbols[i]) {
      throw new ConfigError(
        `${lead}: symbol ${i} is ${showSymbol(model.symbols[i] as string)} in the model but ${showSymbol(data.symbols[i] as string)} in the data ` +
          `(model ${model.symbols.length} symbols, data ${data.symbols.length}); evaluate on the corpus the model was trained on`,
      );
    }
  }
  if (model.symbols.length !== data.symbols.length) {
    throw new ConfigError(
      `${lead}: the model has ${model.symbols.length} symbols, the data ${data.symbols.length} ` +
        `(extra: ${(model.symbols.length > n ? model.symbols : data.symbols).slice(n, n + 5).map(showSymbol).join(', ')})`,
    );
  }
}

/** UTF-8 bytes of a string (lone surrogates become U+FFFD). */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    let cp = ch.codePointAt(0) as number;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(out);
}

/** Symbol → id, display string → id (reverse of `display`). */
function lookupTables(v: TextVocabulary): { byText: Map<string, number>; multi: string[] } {
  const byText = new Map<string, number>();
  v.symbols.forEach((s, id) => byText.set(s, id));
  for (const [symbol, shown] of Object.entries(v.display ?? {})) {
    const id = byText.get(symbol);
    if (id !== undefined && !byText.has(shown)) byText.set(shown, id);
  }
  // Symbols longer than one code point (PTB char's `<unk>`, `<eos>`), longest first.
  const multi = [...byText.keys()].filter((s) => [...s].length > 1).sort((a, b) => b.length - a.length);
  return { byText, multi };
}

/**
 * Encodes text (a priming string) into ids: code points for `char` (multi-character symbols such as `<unk>` and
 * display forms such as a space for PTB's `_` are recognised), UTF-8 bytes for `byte`, whitespace-separated words
 * for `word` (a newline becomes the symbol displayed as a newline, e.g. `<eos>`).
 * Symbols outside the vocabulary map to `unknownId` when there is one.
 * @throws {@link ConfigError} naming the symbol and its position when it is not in the vocabulary.
 */
export function encodeText(v: TextVocabulary, text: string): Int32Array {
  const ids: number[] = [];
  const unknown = (symbol: string, position: number): number => {
    if (v.unknownId !== undefined) return v.unknownId;
    const code = symbol.length > 0 ? ` (U+${(symbol.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')})` : '';
    throw new ConfigError(
      `text: ${v.unit} ${JSON.stringify(symbol)}${v.unit === 'word' ? '' : code} at position ${position} is not in the model's vocabulary of ${v.symbols.length} symbols`,
    );
  };
  if (v.unit === 'byte') {
    const bytes = utf8Encode(text);
    const table = new Int32Array(256).fill(-1);
    if (v.bytes) v.bytes.forEach((b, id) => (table[b] = id));
    else for (let b = 0; b < Math.min(256, v.symbols.length); b++) table[b] = b;
    bytes.forEach((b, i) => {
      const id = table[b] as number;
      ids.push(id >= 0 ? id : unknown(`\\x${b.toString(16).padStart(2, '0')}`, i));
    });
    return Int32Array.from(ids);
  }
  const { byText, multi } = lookupTables(v);
  if (v.unit === 'word') {
    const newlineId = byText.get('\n');
    let position = 0;
    for (const line of text.split('\n').map((l, i, all) => [l, i < all.length - 1] as const)) {
      for (const word of line[0].split(/\s+/).filter((w) => w !== '')) {
        ids.push(byText.get(word) ?? unknown(word, position));
        position++;
      }
      if (line[1]) {
        ids.push(newlineId ?? unknown('\n', position));
        position++;
      }
    }
    return Int32Array.from(ids);
  }
  const chars = [...text];
  let position = 0;
  for (let i = 0; i < chars.length; ) {
    let matched = false;
    for (const m of multi) {
      const mc = [...m];
      if (mc.every((c, k) => chars[i + k] === c)) {
        ids.push(byText.get(m) as number);
        i += mc.length;
        matched = true;
        break;
      }
    }
    if (!matched) {
      const c = chars[i] as string;
      ids.push(byText.get(c) ?? unknown(c, position));
      i++;
    }
    position++;
  }
  return Int32Array.from(ids);
}

/**
 * Incremental rendering of generated ids, for streaming output: `push(id)` returns the text that became final
 * (for bytes, a multi-byte UTF-8 character appears once complete; invalid sequences become U+FFFD), `flush()`
 * returns whatever is pending. Words are joined by the separator, with none after a newline.
 */
export interface TextRenderer {
  push(id: number): string;
  flush(): string;
}

/** A {@link TextRenderer} for `v`. */
export function createRenderer(v: TextVocabulary): TextRenderer {
  if (v.unit === 'byte') return new Utf8Renderer(v.bytes);
  const display = v.display ?? {};
  let previousWasBreak = true;
  return {
    push(id: number): string {
      const symbol = v.symbols[id];
      if (symbol === undefined) throw new SeqgenError('input', `render: id ${id} is outside the vocabulary of ${v.symbols.length} symbols`);
      const shown = display[symbol] ?? symbol;
      const sep = v.separator !== '' && !previousWasBreak && shown !== '\n' ? v.separator : '';
      previousWasBreak = shown === '\n';
      return sep + shown;
    },
    flush: () => '',
  };
}

/** Renders ids to text in one go (see {@link createRenderer}). */
export function renderText(v: TextVocabulary, ids: ArrayLike<number>): string {
  const r = createRenderer(v);
  let text = '';
  for (let i = 0; i < ids.length; i++) text += r.push(ids[i] as number);
  return text + r.flush();
}

class Utf8Renderer implements TextRenderer {
  private pending: number[] = [];
  private need = 0;
  constructor(private readonly table: Uint8Array | undefined) {}

  push(id: number): string {
    const b = this.table ? this.table[id] : id;
    if (b === undefined || b < 0 || b > 255) throw new SeqgenError('input', `render: id ${id} is not a byte symbol`);
    let out = '';
    if (this.need > 0) {
      if ((b & 0xc0) === 0x80) {
        this.pending.push(b);
        if (this.pending.length === this.need) out += this.emit();
        return out;
      }
      out += '\uFFFD';
      this.pending = [];
      this.need = 0;
    }
    if (b < 0x80) return out + String.fromCharCode(b);
    const need = b >= 0xf0 && b < 0xf5 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 && b < 0xe0 ? 2 : 0;
    if (need === 0 || b >= 0xf5) return `${out}\uFFFD`;
    this.pending = [b];
    this.need = need;
    return out;
  }

  flush(): string {
    const out = this.pending.length > 0 ? '\uFFFD' : '';
    this.pending = [];
    this.need = 0;
    return out;
  }

  private emit(): string {
    const p = this.pending;
    this.pending = [];
    this.need = 0;
    let cp: number;
    if (p.length === 2) cp = (((p[0] as number) & 31) << 6) | ((p[1] as number) & 63);
    else if (p.length === 3) cp = (((p[0] as number) & 15) << 12) | (((p[1] as number) & 63) << 6) | ((p[2] as number) & 63);
    else cp = (((p[0] as number) & 7) << 18) | (((p[1] as number) & 63) << 12) | (((p[2] as number) & 63) << 6) | ((p[3] as number) & 63);
    const min = p.length === 2 ? 0x80 : p.length === 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\uFFFD';
    return String.fromCodePoint(cp);
  }
}

/**
 * Number of words in `ids[from, to)`, for per-word perplexity (paper §3.2): maximal runs of symbols that do not
 * display as whitespace, plus one per newline symbol (`<eos>` counts as a word, as in PTB's word level).
 * For `word` vocabularies every symbol is a word.
 */
export function countWords(v: TextVocabulary, ids: ArrayLike<number>, from = 0, to = ids.length): number {
  if (v.unit === 'word') return to - from;
  const kind = new Uint8Array(v.symbols.length); // 0 word char, 1 space, 2 newline
  const display = v.display ?? {};
  v.symbols.forEach((s, id) => {
    const shown = v.unit === 'byte' ? String.fromCharCode(v.bytes ? (v.bytes[id] as number) : id) : (display[s] ?? s);
    kind[id] = shown === '\n' ? 2 : /^\s+$/.test(shown) ? 1 : 0;
  });
  let words = 0;
  let inWord = false;
  for (let i = from; i < to; i++) {
    const k = kind[ids[i] as number] ?? 0;
    if (k === 0) {
      if (!inWord) words++;
      inWord = true;
    } else {
      inWord = false;
      if (k === 2) words++;
    }
  }
  return words;
}
