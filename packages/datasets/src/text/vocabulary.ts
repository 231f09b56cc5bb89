/**
 * Vocabulary building shared by the char and word readers. The vocabulary is built from the training split only;
 * what happens to symbols that appear only in validation/test is the {@link UnknownPolicy}.
 */
import { idArrayFor, type SplitName, type SymbolIds } from './corpus.js';

/**
 * What to do with a validation/test symbol that never occurs in the training split:
 * - `unk` (default): map it to the unknown symbol (`<unk>` for words, U+FFFD for characters). The unknown symbol is
 *   the existing one when the training data has it (PTB's `<unk>`), else appended to the vocabulary only when
 *   needed;
 * - `error`: throw a `DatasetParseError` naming the file and place of the first such symbol;
 * - `extend`: give it a new id after all training symbols (a closed vocabulary over all splits, as awd-lstm's
 *   `data.py` does).
 */
export type UnknownPolicy = 'unk' | 'error' | 'extend';

/** Vocabulary options shared by every char and word reader. */
export interface VocabularyOptions {
  /** Default `unk`. */
  readonly unknown?: UnknownPolicy;
  /** The unknown symbol; default `<unk>` for words and PTB characters, U+FFFD for other characters. */
  readonly unknownSymbol?: string;
}

/** A finished vocabulary and the split arrays encoded with it. */
export interface EncodedSplits {
  readonly symbols: string[];
  readonly splits: Partial<Record<SplitName, SymbolIds>>;
  readonly unknownId?: number;
  readonly unknownCounts: Partial<Record<SplitName, number>>;
  readonly extendedSymbols: number;
}

/** Growable Int32Array. */
class IdBuffer {
  data = new Int32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
}

/** Maps a key (code point or token) to its provisional id; -1 when absent. */
interface KeyIndex<K> {
  get(key: K): number;
  set(key: K, id: number): void;
}

const UNKNOWN = -2;

/**
 * Encodes splits into provisional (first-appearance) ids, then renumbers: training symbols sorted (code point order
 * for characters, UTF-16 code-unit order for words), then `extend` symbols sorted, then the unknown symbol if it
 * had to be added. Sorting makes ids independent of document order.
 */
export class VocabularyBuilder<K> {
  private readonly keys: K[] = [];
  private readonly trainSize: () => number;
  private frozenAt = -1;
  private readonly buffers = new Map<SplitName, IdBuffer>();
  private readonly unknownCounts: Partial<Record<SplitName, number>> = {};
  private current: IdBuffer | undefined;
  private currentName: SplitName | undefined;
  readonly policy: UnknownPolicy;

  constructor(
    private readonly index: KeyIndex<K>,
    private readonly toSymbol: (key: K) => string,
    private readonly compare: (a: K, b: K) => number,
    private readonly unknownSymbol: string,
    policy: UnknownPolicy = 'unk',
  ) {
    this.policy = policy;
    this.trainSize = () => (this.frozenAt < 0 ? this.keys.length : this.frozenAt);
  }

  /** Starts a split. `train` must come first; the vocabulary freezes when the next split begins. */
  begin(name: SplitName): void {
    if (name !== 'train' && this.frozenAt < 0) this.frozenAt = this.keys.length;
    this.current = new IdBuffer();
    this.currentName = name;
    this.buffers.set(name, this.current);
  }

  /** Appends one symbol; returns false only under policy `error` for an unseen symbol (the caller throws). */
  push(key: K): boolean {
    const buffer = this.current as IdBuffer;
    let id = this.index.get(key);
    if (id < 0) {
      if (this.frozenAt < 0 || this.policy === 'extend') {
        id = this.keys.length;
        this.keys.push(key);
        this.index.set(key, id);
      } else if (this.policy === 'error') {
        return false;
      } else {
        const name = this.currentName as SplitName;
        this.unknownCounts[name] = (this.unknownCounts[name] ?? 0) + 1;
        id = UNKNOWN;
      }
    }
    buffer.push(id);
    return true;
  }

  /** Number of symbols pushed into the current split so far. */
  get position(): number {
    return this.current?.length ?? 0;
  }

  /** Renumbers and returns narrow id arrays. */
  finish(): EncodedSplits {
    const trainCount = this.trainSize();
    const order = (from: number, to: number): number[] => {
      const ids: number[] = [];
      for (let i = from; i < to; i++) ids.push(i);
      return ids.sort((a, b) => this.compare(this.keys[a] as K, this.keys[b] as K));
    };
    const sorted = [...order(0, trainCount), ...order(trainCount, this.keys.length)];
    const remap = new Int32Array(this.keys.length);
    const symbols: string[] = [];
    sorted.forEach((provisional, finalId) => {
      remap[provisional] = finalId;
      symbols.push(this.toSymbol(this.keys[provisional] as K));
    });
    const anyUnknown = Object.values(this.unknownCounts).some((count) => count > 0);
    let unknownId: number | undefined;
    if (anyUnknown) {
      unknownId = symbols.indexOf(this.unknownSymbol);
      if (unknownId < 0) {
        unknownId = symbols.length;
        symbols.push(this.unknownSymbol);
      }
    } else if (this.policy === 'unk') {
      const existing = symbols.indexOf(this.unknownSymbol);
      if (existing >= 0) unknownId = existing;
    }
    const splits: Partial<Record<SplitName, SymbolIds>> = {};
    for (const [name, buffer] of this.buffers) {
      const out = idArrayFor(symbols.length, buffer.length);
      const data = buffer.data;
      for (let i = 0; i < buffer.length; i++) {
        const id = data[i] as number;
        out[i] = id === UNKNOWN ? (unknownId as number) : (remap[id] as number);
      }
      splits[name] = out;
    }
    const result: EncodedSplits = {
      symbols,
      splits,
      unknownCounts: this.unknownCounts,
      extendedSymbols: this.keys.length - trainCount,
    };
    return unknownId === undefined ? result : { ...result, unknownId };
  }
}

/** A builder keyed by Unicode code point (a flat table over all 0x110000 code points: fast for large texts). */
export function codePointVocabulary(unknownSymbol: string, policy?: UnknownPolicy): VocabularyBuilder<number> {
  const table = new Int32Array(0x110000).fill(-1);
  return new VocabularyBuilder<number>(
    { get: (key) => table[key] as number, set: (key, id) => { table[key] = id; } },
    (key) => String.fromCodePoint(key),
    (a, b) => a - b,
    unknownSymbol,
    policy,
  );
}

/** A builder keyed by token string (words, PTB character tokens). */
export function tokenVocabulary(unknownSymbol: string, policy?: UnknownPolicy): VocabularyBuilder<string> {
  const map = new Map<string, number>();
  return new VocabularyBuilder<string>(
    { get: (key) => map.get(key) ?? -1, set: (key, id) => { map.set(key, id); } },
    (key) => key,
    (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    unknownSymbol,
    policy,
  );
}

/** A `vocabulary=` convention line describing how the vocabulary was built. */
export function vocabularyConvention(encoded: EncodedSplits, policy: UnknownPolicy): string {
  const unknown = Object.values(encoded.unknownCounts).reduce((sum, count) => sum + count, 0);
  const base = `vocabulary=${encoded.symbols.length} symbols from the training split, sorted`;
  if (policy === 'extend' && encoded.extendedSymbols > 0) {
    return `${base}; ${encoded.extendedSymbols} symbols seen only in validation/test appended (unknown=extend)`;
  }
  if (unknown > 0 && encoded.unknownId !== undefined) {
    return `${base}; ${unknown} validation/test symbols unseen in training mapped to ${JSON.stringify(encoded.symbols[encoded.unknownId])} (unknown=unk)`;
  }
  return `${base}; no validation/test symbol outside it (unknown=${policy})`;
}
