import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DatasetError, DatasetParseError } from '../errors.js';
import { readTextCorpus, readTextDataset } from '../node/index.js';
import { charCorpusFromDocuments, charCorpusFromText, codePointLength, sliceCodePoints } from './char-corpus.js';
import { renderIds } from './corpus.js';
import { describeCorpus } from './describe.js';
import { decodeUtf8Text, findInvalidUtf8 } from './utf8.js';

const fixtures = fileURLToPath(new URL('./__fixtures__/text/', import.meta.url));
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('code points', () => {
  it('an emoji is one symbol', () => {
    expect(codePointLength('a😀b')).toBe(3);
    expect(sliceCodePoints('a😀b日', 1, 3)).toBe('😀b');
    expect(sliceCodePoints('abc', 3, 3)).toBe('');
  });
});

describe('charCorpusFromText on non-ASCII text', () => {
  it('splits by code point 90/5/5 and maps unseen characters to U+FFFD', async () => {
    const corpus = await readTextCorpus(`${fixtures}non-ascii.txt`);
    // 40 code points (41 UTF-16 units): valid = floor(40·5/100) = 2, test = 2, train = 36.
    expect(corpus.splits.train.length).toBe(36);
    expect(corpus.splits.valid.length).toBe(2);
    expect(corpus.splits.test?.length).toBe(2);
    // 24 distinct training characters; 'ß' (valid) and '!' (test) are unseen: U+FFFD is appended.
    expect(corpus.symbols.length).toBe(25);
    expect(corpus.symbols[24]).toBe('\uFFFD');
    expect(corpus.symbols.slice(20, 24)).toEqual(['日', '本', '語', '😀']);
    expect(corpus.unknownId).toBe(24);
    expect(corpus.unknownCounts).toEqual({ valid: 1, test: 1 });
    expect(renderIds(corpus, corpus.splits.train)).toBe('naïve café — 日本語 😀\nZweite Zeile: Grü');
    expect(renderIds(corpus, corpus.splits.valid)).toBe('\uFFFDe');
    expect(corpus.conventions).toContain(
      'vocabulary=25 symbols from the training split, sorted; 2 validation/test symbols unseen in training mapped to "\uFFFD" (unknown=unk)',
    );
  });

  it('unknown=extend and unknown=error', async () => {
    const extended = await readTextCorpus(`${fixtures}non-ascii.txt`, { unknown: 'extend' });
    expect(extended.symbols.slice(24)).toEqual(['!', 'ß']);
    await expect(readTextCorpus(`${fixtures}non-ascii.txt`, { unknown: 'error' })).rejects.toThrowError(
      /non-ascii\.txt:2: column 18: character "ß" \(U\+00DF\) of the valid split never occurs in the training split \(unknown=error\)$/,
    );
  });

  it('empty lines are ordinary newline symbols', () => {
    const corpus = charCorpusFromText([{ id: 'x', text: 'ab\n\n\nab\n' }], { split: { train: 6, valid: 1, test: 1 }, scale: false });
    expect(corpus.symbols).toEqual(['\n', 'a', 'b']);
    expect(Array.from(corpus.splits.train)).toEqual([1, 2, 0, 0, 0, 1]);
    expect(Array.from(corpus.splits.test ?? [])).toEqual([0]);
  });

  it('is deterministic and independent of document order for the vocabulary', () => {
    const a = charCorpusFromDocuments({ train: [{ id: '1', text: 'cab' }, { id: '2', text: 'zz' }], valid: [{ id: '3', text: 'a' }] });
    const b = charCorpusFromDocuments({ train: [{ id: '2', text: 'zz' }, { id: '1', text: 'cab' }], valid: [{ id: '3', text: 'a' }] });
    expect(a.symbols).toEqual(['a', 'b', 'c', 'z']);
    expect(b.symbols).toEqual(a.symbols);
    expect(Array.from(a.splits.train)).toEqual([2, 0, 1, 3, 3]);
    expect(a.documents?.train).toEqual([{ id: '1', start: 0, end: 3 }, { id: '2', start: 3, end: 5 }]);
  });
});

describe('folders', () => {
  it('concatenates files in sorted path order, skipping dotfiles', async () => {
    const corpus = await readTextCorpus(`${fixtures}folder`, { split: { train: 15, valid: 1, test: 1 }, scale: false });
    expect(corpus.sources.map((source) => source.slice(fixtures.length))).toEqual(['folder/a.txt', 'folder/sub/b.txt']);
    expect(renderIds(corpus, corpus.splits.train)).toBe('alpha beta\ngamm');
    expect(corpus.documents?.train).toEqual([{ id: 'a.txt', start: 0, end: 11 }, { id: 'sub/b.txt', start: 11, end: 15 }]);
    expect(corpus.documents?.test).toEqual([{ id: 'sub/b.txt', start: 0, end: 1 }]);
    expect(corpus.conventions).toContain('files=2 files concatenated in sorted path order');
  });
});

describe('bad input', () => {
  it('binary data in char mode names the file and byte offset', async () => {
    let error: unknown;
    try {
      await readTextDataset({ kind: 'text', path: `${fixtures}binary.bin` });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DatasetParseError);
    expect((error as DatasetParseError).offset).toBe(9);
    expect((error as DatasetParseError).message).toBe(
      `${fixtures}binary.bin (byte offset 9): binary data (a NUL byte, line 2) in a character-level corpus; expected UTF-8 text. Read it with unit "byte" instead.`,
    );
  });

  it('invalid UTF-8 names the file, byte offset and line', async () => {
    await expect(readTextCorpus(`${fixtures}latin1.txt`)).rejects.toThrowError(
      `${fixtures}latin1.txt (byte offset 12): invalid UTF-8 (bytes e9 20 61 75, line 2) in a character-level corpus; expected UTF-8 text. Re-encode the file as UTF-8 or read it with unit "byte".`,
    );
  });

  it('findInvalidUtf8 rejects overlong forms, surrogates, truncation', () => {
    expect(findInvalidUtf8(encode('ok 日本 😀'))).toBe(-1);
    expect(findInvalidUtf8(new Uint8Array([0x61, 0xc0, 0xaf]))).toBe(1); // overlong '/'
    expect(findInvalidUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBe(0); // U+D800
    expect(findInvalidUtf8(new Uint8Array([0x61, 0x62, 0xe6, 0x97]))).toBe(2); // cut off
    expect(findInvalidUtf8(new Uint8Array([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // > U+10FFFF
  });

  it('a BOM is dropped', () => {
    expect(decodeUtf8Text(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('a');
  });

  it('missing path, empty file, empty folder', async () => {
    await expect(readTextCorpus(`${fixtures}missing.txt`)).rejects.toThrowError(`missing file: ${fixtures}missing.txt does not exist`);
    await expect(readTextCorpus(`${fixtures}empty.txt`)).rejects.toThrowError(`empty corpus: no characters in ${fixtures}empty.txt`);
    await expect(readTextCorpus(`${fixtures}empty.txt`)).rejects.toBeInstanceOf(DatasetError);
    expect(() => charCorpusFromText([])).toThrowError('empty corpus: no characters in the input (no files)');
  });

  it('a unit the dataset does not have', async () => {
    await expect(readTextDataset({ kind: 'enwik8', path: fixtures, unit: 'char' })).rejects.toThrowError(
      'the enwik8 dataset has no unit "char" (allowed: byte)',
    );
    await expect(readTextDataset({ kind: 'ptb' })).rejects.toThrowError('the ptb dataset needs a path');
  });
});

describe('describeCorpus', () => {
  it('prints sizes and every convention', () => {
    const corpus = charCorpusFromText([{ id: 'x', text: 'abcdefghijklmnopqrst' }]);
    expect(describeCorpus(corpus)).toEqual([
      'corpus text: unit char, 19 symbols; train 18, valid 1, test 1 symbols',
      '  split=train 18, valid 1, test 1 code points (in file order)',
      '  unit=char (one Unicode code point per step)',
      '  vocabulary=19 symbols from the training split, sorted; 2 validation/test symbols unseen in training mapped to "\uFFFD" (unknown=unk)',
    ]);
  });
});
