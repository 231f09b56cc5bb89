import type { TextVocabulary } from '../src/vocabulary.js';

/** A char vocabulary of the distinct characters of `text`, sorted. */
export function charVocabulary(text: string): TextVocabulary {
  return { unit: 'char', symbols: [...new Set([...text])].sort(), separator: '' };
}

/** Ids of `text` in `v` (every character must be in it). */
export function ids(v: TextVocabulary, text: string): Int32Array {
  return Int32Array.from([...text].map((c) => v.symbols.indexOf(c)));
}
