import { describe, expect, it } from 'vitest';
import {
  assertSameVocabulary,
  countWords,
  createRenderer,
  encodeText,
  renderText,
  utf8Encode,
  vocabularyFromJson,
  vocabularyToJson,
  type TextVocabulary,
} from './vocabulary.js';

const ptbChar: TextVocabulary = {
  unit: 'char',
  symbols: ['<eos>', '<unk>', '_', 'a', 'b', 'c'],
  separator: '',
  display: { _: ' ', '<eos>': '\n' },
  unknownId: 1,
};

describe('encodeText / renderText', () => {
  it('maps display forms and multi-character symbols back to their ids (PTB char)', () => {
    expect(Array.from(encodeText(ptbChar, 'ab c<unk>\n'))).toEqual([3, 4, 2, 5, 1, 0]);
    expect(renderText(ptbChar, [3, 4, 2, 5, 0, 3])).toBe('ab c\na');
  });

  it('maps unseen characters to the unknown id, or names them when there is none', () => {
    expect(Array.from(encodeText(ptbChar, 'az'))).toEqual([3, 1]);
    const plain: TextVocabulary = { unit: 'char', symbols: ['a', 'b'], separator: '' };
    expect(() => encodeText(plain, 'abé')).toThrow(/"é" \(U\+00E9\) at position 2 is not in the model's vocabulary of 2 symbols/);
  });

  it('splits words on whitespace and maps a newline to the <eos> symbol', () => {
    const words: TextVocabulary = { unit: 'word', symbols: ['<eos>', 'cat', 'the'], separator: ' ', display: { '<eos>': '\n' } };
    expect(Array.from(encodeText(words, 'the cat\nthe'))).toEqual([2, 1, 0, 2]);
    expect(renderText(words, [2, 1, 0, 2, 1])).toBe('the cat\nthe cat');
  });

  it('streams UTF-8 bytes, emitting a character only once complete', () => {
    const bytes: TextVocabulary = { unit: 'byte', symbols: Array.from({ length: 256 }, (_, b) => String.fromCharCode(b)), separator: '' };
    const encoded = encodeText(bytes, 'aé€😀');
    expect(Array.from(encoded)).toEqual(Array.from(utf8Encode('aé€😀')));
    expect(encoded.length).toBe(1 + 2 + 3 + 4);
    const r = createRenderer(bytes);
    const pieces = Array.from(encoded, (id) => r.push(id));
    expect(pieces).toEqual(['a', '', 'é', '', '', '€', '', '', '', '😀']);
    // An invalid continuation and a truncated tail become U+FFFD.
    const r2 = createRenderer(bytes);
    expect([0xc3, 0x41, 0xe2].map((b) => r2.push(b)).join('') + r2.flush()).toBe('\uFFFDA\uFFFD');
  });
});

describe('vocabulary JSON', () => {
  it('round-trips and rejects malformed fields with the field named', () => {
    const bytes: TextVocabulary = { unit: 'byte', symbols: ['a', 'b'], separator: '', bytes: Uint8Array.of(97, 98) };
    const back = vocabularyFromJson(JSON.parse(JSON.stringify(vocabularyToJson(bytes))), 'x');
    expect(back.symbols).toEqual(['a', 'b']);
    expect(Array.from(back.bytes ?? [])).toEqual([97, 98]);
    expect(() => vocabularyFromJson({ unit: 'char', symbols: ['a', 'a'], separator: '' }, 'ck/model.json')).toThrow(
      /ck\/model.json: symbols contains a duplicate/,
    );
    expect(() => vocabularyFromJson({ unit: 'letters', symbols: ['a'], separator: '' }, 'ck')).toThrow(/unit is "letters"/);
  });
});

describe('assertSameVocabulary', () => {
  it('names the first differing symbol', () => {
    const a: TextVocabulary = { unit: 'char', symbols: ['a', 'b', 'c'], separator: '' };
    const b: TextVocabulary = { unit: 'char', symbols: ['a', 'x', 'c'], separator: '' };
    expect(() => assertSameVocabulary(a, a, { model: 'm', data: 'd' })).not.toThrow();
    expect(() => assertSameVocabulary(a, b, { model: 'runs/x/best', data: 'brown' })).toThrow(
      /vocabulary of runs\/x\/best does not match brown: symbol 1 is "b" in the model but "x" in the data/,
    );
    expect(() => assertSameVocabulary(a, { ...a, symbols: ['a', 'b'] }, { model: 'm', data: 'd' })).toThrow(/model has 3 symbols, the data 2/);
    expect(() => assertSameVocabulary(a, { ...a, unit: 'byte' }, { model: 'm', data: 'd' })).toThrow(/reads chars, the data is bytes/);
  });
});

describe('countWords', () => {
  it('counts runs of non-space symbols plus one per newline (PTB convention: <eos> is a word)', () => {
    // "ab c\na" -> words: ab, c, <eos>, a
    expect(countWords(ptbChar, [3, 4, 2, 5, 0, 3])).toBe(4);
    expect(countWords(ptbChar, [3, 4, 2, 5, 0, 3], 2, 6)).toBe(3);
  });
});
