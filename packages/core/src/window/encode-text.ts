/**
 * Text → character ids and one-hot tensors for the synthesis window (Graves 2013 §5.1, §5.3).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, SeqgenError } from '../errors.js';

/** Options of {@link encodeText}. */
export interface EncodeTextOptions {
  /**
   * What to do with characters outside the alphabet: `'error'` (default) throws; `'map'` maps them to
   * `unknownSymbol`, like the paper's single "non-letter" label for digits and most punctuation (§5.3).
   */
  unknown?: 'error' | 'map';
  /** The alphabet entry unknown characters map to under `'map'`; required then. */
  unknownSymbol?: string;
}

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : JSON.stringify(c);
}

/**
 * Character ids (indices into `alphabet`) for a text, iterating by Unicode code point.
 * @param alphabet - The model's symbols (single characters), e.g. the alphabet saved in a checkpoint.
 * @throws {@link SeqgenError} with code `'input'` listing the unsupported characters and the supported set;
 *   {@link ConfigError} when the alphabet has duplicates or multi-character entries, or `'map'` lacks a valid
 *   `unknownSymbol`.
 */
export function encodeText(text: string, alphabet: readonly string[], options: EncodeTextOptions = {}): Int32Array {
  const index = new Map<string, number>();
  alphabet.forEach((symbol, i) => {
    if ([...symbol].length !== 1) {
      throw new ConfigError(`encodeText: alphabet entry ${i} must be one character, got ${JSON.stringify(symbol)}`);
    }
    if (index.has(symbol)) throw new ConfigError(`encodeText: alphabet has ${JSON.stringify(symbol)} twice (entries ${index.get(symbol)} and ${i})`);
    index.set(symbol, i);
  });
  const mode = options.unknown ?? 'error';
  let unknownId = -1;
  if (mode === 'map') {
    const symbol = options.unknownSymbol;
    unknownId = symbol === undefined ? -1 : (index.get(symbol) ?? -1);
    if (unknownId < 0) {
      throw new ConfigError(
        `encodeText: unknown: 'map' needs unknownSymbol set to an alphabet entry, got ${symbol === undefined ? 'none' : JSON.stringify(symbol)}`,
      );
    }
  }
  const chars = [...text];
  const ids = new Int32Array(chars.length);
  const unsupported = new Set<string>();
  chars.forEach((c, i) => {
    const id = index.get(c);
    if (id !== undefined) ids[i] = id;
    else if (mode === 'map') ids[i] = unknownId;
    else unsupported.add(c);
  });
  if (unsupported.size > 0) {
    throw new SeqgenError(
      'input',
      `encodeText: the text contains ${unsupported.size} character(s) the model does not support: ` +
        `${[...unsupported].map(describeChar).join(' ')}. Supported (${alphabet.length}): ${alphabet.map(describeChar).join(' ')}`,
    );
  }
  return ids;
}

/**
 * One-hot character batch for {@link windowStep}: `chars` `[B, U, S]` with U = the longest text, zero rows
 * after each text's end, and `charMask` `[B, U]` (1 = real character).
 * @throws {@link ConfigError} when an id is outside `[0, alphabetSize)`.
 */
export function oneHotCharBatch(
  texts: readonly ArrayLike<number>[],
  alphabetSize: number,
): { chars: tf.Tensor3D; charMask: tf.Tensor2D } {
  if (!Number.isInteger(alphabetSize) || alphabetSize < 1) {
    throw new ConfigError(`oneHotCharBatch: alphabetSize must be a positive integer, got ${alphabetSize}`);
  }
  const batch = texts.length;
  const u = texts.reduce((m, t) => Math.max(m, t.length), 0);
  const chars = new Float32Array(batch * u * alphabetSize);
  const mask = new Float32Array(batch * u);
  texts.forEach((ids, b) => {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (!Number.isInteger(id) || id < 0 || id >= alphabetSize) {
        throw new ConfigError(`oneHotCharBatch: text ${b}, position ${i}: id ${id} is outside [0, ${alphabetSize})`);
      }
      chars[(b * u + i) * alphabetSize + id] = 1;
      mask[b * u + i] = 1;
    }
  });
  return { chars: tf.tensor3d(chars, [batch, u, alphabetSize]), charMask: tf.tensor2d(mask, [batch, u]) };
}
