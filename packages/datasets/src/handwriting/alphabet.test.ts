import { describe, expect, it } from 'vitest';
import { encodeText, fullAlphabet, mapToAlphabet, PAPER_ALPHABET } from './alphabet.js';

describe('alphabets (Graves 2013 Sec. 5.3)', () => {
  it('has the paper size of 57 with the other label first', () => {
    expect(PAPER_ALPHABET).toHaveLength(57);
    expect(new Set(PAPER_ALPHABET).size).toBe(57);
    expect(PAPER_ALPHABET.slice(0, 5)).toEqual(['#', ' ', '.', ',', '?']);
  });
  it('maps digits, other punctuation and accents to the other label', () => {
    expect(Array.from(encodeText('Hi 5!', PAPER_ALPHABET))).toEqual([12, 39, 1, 0, 0]);
    expect(mapToAlphabet("can't 42 café", PAPER_ALPHABET)).toBe('can#t ## caf#');
  });
  it('builds a full alphabet from training text', () => {
    const full = fullAlphabet(['ba£', 'a1']);
    expect(full).toEqual(['#', '1', 'a', 'b', '£']);
    expect(Array.from(encodeText('a£z', full))).toEqual([2, 4, 0]);
    expect(() => encodeText('z', ['a'])).toThrow("character 'z' is not in the alphabet");
  });
});
