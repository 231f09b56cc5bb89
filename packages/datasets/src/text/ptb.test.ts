import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DatasetError, DatasetParseError } from '../errors.js';
import { readPtbCorpus, readTextDataset } from '../node/index.js';
import { renderIds } from './corpus.js';
import { ptbCharCorpus, ptbWordCorpus, type PtbFiles } from './ptb.js';

const dir = fileURLToPath(new URL('./__fixtures__/ptb/', import.meta.url));

function fixture(prefix: 'ptb' | 'ptb.char'): PtbFiles {
  const read = (name: string) => ({ file: `${prefix}.${name}.txt`, text: readFileSync(`${dir}${prefix}.${name}.txt`, 'utf8') });
  return { train: read('train'), valid: read('valid'), test: read('test') };
}

describe('PTB fixtures are in Mikolov format', () => {
  it('word lines start with a space and end with " \\n"; char lines have no leading space', () => {
    for (const name of ['train', 'valid', 'test']) {
      const word = readFileSync(`${dir}ptb.${name}.txt`, 'utf8');
      expect(word.split('\n').slice(0, -1).every((line) => line.startsWith(' ') && line.endsWith(' '))).toBe(true);
      const char = readFileSync(`${dir}ptb.char.${name}.txt`, 'utf8');
      expect(char.split('\n').slice(0, -1).every((line) => !line.startsWith(' ') && line.endsWith(' '))).toBe(true);
    }
  });
});

describe('ptbWordCorpus', () => {
  it('counts words plus one <eos> per line and builds the vocabulary from train', () => {
    const corpus = ptbWordCorpus(fixture('ptb'));
    // train: 6 lines, 79 words + 6 <eos>; valid 17 + 2; test 17 + 3.
    expect(corpus.splits.train.length).toBe(85);
    expect(corpus.splits.valid.length).toBe(19);
    expect(corpus.splits.test?.length).toBe(20);
    expect(corpus.symbols.length).toBe(60); // 59 distinct train words + <eos>
    expect(corpus.unit).toBe('word');
    expect(corpus.symbols).toContain('<eos>');
    const eos = corpus.symbols.indexOf('<eos>');
    expect(Array.from(corpus.splits.train).filter((id) => id === eos)).toHaveLength(6);
    // "watching" (valid line 2) is not in train: mapped to the existing <unk>.
    expect(corpus.unknownId).toBe(corpus.symbols.indexOf('<unk>'));
    expect(corpus.unknownCounts).toEqual({ valid: 1 });
    expect(renderIds(corpus, corpus.splits.valid)).toBe("the board 's <unk> director said it may want a share\n<unk> <unk> <unk> the tv news\n");
    expect(corpus.conventions.some((line) => line.startsWith('eos='))).toBe(true);
    expect(corpus.splits.train).toBeInstanceOf(Uint8Array);
  });

  it('symbols are sorted and ids decode back to the training text', () => {
    const files = fixture('ptb');
    const corpus = ptbWordCorpus(files);
    expect([...corpus.symbols]).toEqual([...corpus.symbols].sort());
    const rendered = renderIds(corpus, corpus.splits.train);
    expect(rendered).toBe(files.train.text.split('\n').slice(0, -1).map((line) => line.trim()).join('\n') + '\n');
  });

  it('unknown=extend appends the unseen word, unknown=error names file and line', () => {
    const extended = ptbWordCorpus(fixture('ptb'), { unknown: 'extend' });
    expect(extended.symbols.length).toBe(61);
    expect(extended.symbols[60]).toBe('watching');
    expect(() => ptbWordCorpus(fixture('ptb'), { unknown: 'error' })).toThrowError(
      'ptb.valid.txt:2: "watching" in the valid split never occurs in the training split (unknown=error)',
    );
  });

  it('an empty line gives a lone <eos>; CRLF is accepted', () => {
    const corpus = ptbWordCorpus({
      train: { file: 't', text: ' a b \n\n c \r\n' },
      valid: { file: 'v', text: ' a \n' },
    });
    expect(corpus.symbols).toEqual(['<eos>', 'a', 'b', 'c']);
    expect(Array.from(corpus.splits.train)).toEqual([1, 2, 0, 0, 3, 0]);
    expect(corpus.splits.test).toBeUndefined();
  });

  it('rejects a line without the leading space, pointing at the char file', () => {
    const files = fixture('ptb.char');
    let error: unknown;
    try {
      ptbWordCorpus(files);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DatasetParseError);
    const parseError = error as DatasetParseError;
    expect(parseError.file).toBe('ptb.char.train.txt');
    expect(parseError.line).toBe(1);
    expect(parseError.code).toBe('dataset-parse');
    expect(parseError.message).toMatch(/^ptb\.char\.train\.txt:1: expected Mikolov's word-level PTB format .*this looks like a ptb\.char file/);
    expect(DatasetError.isInstance(error)).toBe(true);
    expect((error as Record<symbol, unknown>)[Symbol.for('seqgen.error')]).toBe(true);
  });

  it('rejects an empty file', () => {
    expect(() => ptbWordCorpus({ train: { file: 'ptb.train.txt', text: '' }, valid: { file: 'v', text: ' a \n' } })).toThrowError(
      'empty corpus: the train file ptb.train.txt has no tokens',
    );
  });
});

describe('ptbCharCorpus', () => {
  it('<unk> as one symbol: exact symbol counts and vocabulary', () => {
    const corpus = ptbCharCorpus(fixture('ptb.char'));
    // train 365 tokens + 6 <eos>; valid 72 + 2; test 58 + 3.
    expect(corpus.splits.train.length).toBe(371);
    expect(corpus.splits.valid.length).toBe(74);
    expect(corpus.splits.test?.length).toBe(61);
    expect(corpus.symbols).toEqual([
      '#', '$', '&', "'", '*', '-', '.', '/', '2', '4', '<eos>', '<unk>', 'N', '\\', '_',
      'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y',
    ]);
    expect(corpus.conventions).toContain('unk=<unk> is one symbol (awd-lstm convention)');
    expect(corpus.unknownCounts).toEqual({});
    expect(renderIds(corpus, corpus.splits.valid)).toBe("the board 's <unk> director said it may want a share\n<unk> <unk> watching the tv news\n");
  });

  it('<unk> as five characters: 4 more symbols per <unk>, < and > join the vocabulary', () => {
    const corpus = ptbCharCorpus(fixture('ptb.char'), { unk: 'chars' });
    // 3, 3 and 2 <unk> tokens in train/valid/test.
    expect(corpus.splits.train.length).toBe(371 + 4 * 3);
    expect(corpus.splits.valid.length).toBe(74 + 4 * 3);
    expect(corpus.splits.test?.length).toBe(61 + 4 * 2);
    expect(corpus.symbols.length).toBe(40);
    expect(corpus.symbols).not.toContain('<unk>');
    expect(corpus.symbols).toContain('<');
    expect(corpus.conventions).toContain('unk=<unk> is five characters < u n k > (character-stream convention)');
    const text = renderIds(corpus, corpus.splits.test ?? new Uint8Array(0));
    expect(text).toBe('the dutch group rose N N to $ N\nmr. <unk> ca n\'t move\na little <unk>\n');
  });

  it('reads the escaped slash and digits as single characters', () => {
    const corpus = ptbCharCorpus(fixture('ptb.char'));
    const line = renderIds(corpus, corpus.splits.train).split('\n')[3];
    expect(line).toBe("capital cities\\/abc inc. said it 's on track for a 24-hour news service");
  });

  it('rejects the word-level file with the file, line and a hint', () => {
    expect(() => ptbCharCorpus(fixture('ptb'))).toThrowError(
      /^ptb\.train\.txt:1: expected Mikolov's ptb\.char format .* got the token "pierre": this looks like the word-level ptb\.\*\.txt; read it with the word unit$/,
    );
  });
});

describe('readPtbCorpus', () => {
  it('reads the folder for both units and both conventions', async () => {
    const chars = await readPtbCorpus(dir, { unit: 'char', unk: 'chars' });
    expect(chars.splits.valid.length).toBe(86);
    expect(chars.sources.map((source) => source.slice(dir.length))).toEqual(['ptb.char.train.txt', 'ptb.char.valid.txt', 'ptb.char.test.txt']);
    const words = await readTextDataset({ kind: 'ptb', path: dir, unit: 'word' });
    expect(words.symbols.length).toBe(60);
  });

  it('names the missing file', async () => {
    await expect(readPtbCorpus(`${dir}nowhere`)).rejects.toThrowError(/missing file: .*nowhere does not exist/);
    const empty = fileURLToPath(new URL('./__fixtures__/text/folder/', import.meta.url));
    await expect(readPtbCorpus(empty, { unit: 'word' })).rejects.toThrowError(/missing file: .*ptb\.train\.txt \(expected Mikolov's PTB files/);
  });
});
