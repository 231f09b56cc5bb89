import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetParseError } from '../errors.js';
import { brownCorpusDirectory, readBrownCorpus } from '../node/index.js';
import { brownCorpus, brownDocumentText, brownSplitOf, detokenizeBrown } from './brown.js';
import { renderIds } from './corpus.js';

const ca01 = readFileSync(join(brownCorpusDirectory(), 'ca01'), 'utf8');

describe('detokenizeBrown', () => {
  it('quotes, punctuation and brackets', () => {
    expect(detokenizeBrown(['``', 'Hi', ',', "''", 'he', 'said', '(', 'really', ')', '.'])).toBe('"Hi," he said (really).');
    expect(detokenizeBrown(['more', "'", 'pro', "'", 'letters', 'than', "'", 'con', "'", '--', 'or', 'so', '?'])).toBe(
      "more 'pro' letters than 'con' -- or so?",
    );
    expect(detokenizeBrown(['Ivan', 'Allen', 'Jr.', '.'])).toBe('Ivan Allen Jr.');
    expect(detokenizeBrown(['and/or', '1/2', ';', 'f{t}', ':', '**zg'])).toBe('and/or 1/2; f{t}: **zg');
  });
});

describe('brownDocumentText on the real file ca01', () => {
  const text = brownDocumentText(ca01, 'ca01');
  const lines = text.split('\n');

  it('strips the tags and rebuilds the running text', () => {
    expect(lines[0]).toBe(
      'The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.',
    );
    expect(lines[2]).toBe(
      'The September-October term jury had been charged by Fulton Superior Court Judge Durwood Pye to investigate reports of possible "irregularities" in the hard-fought primary which was won by Mayor-nominate Ivan Allen Jr.',
    );
    expect(lines[3]).toBe(
      '"Only a relative handful of such reports was received", the jury said, "considering the widespread interest in the election, the number of voters and the size of this city".',
    );
    // The headline "Merger/nn-hl proposed/vbn-hl" gets a line of its own, before the sentence sharing its block.
    expect(lines[7]).toBe('Merger proposed');
    expect(lines[8]?.startsWith('However, the jury said it believes "these two offices')).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toMatch(/\/(at|nn|np|vbd|in)\b/);
    expect(text).not.toMatch(/``|''|\t| {2}/);
  });

  it('keeps every word: the text without spaces equals the words without tags', () => {
    const words = ca01
      .split(/\s+/)
      .filter((token) => token !== '')
      .map((token) => token.slice(0, token.lastIndexOf('/')))
      .map((word) => (word === '``' || word === "''" ? '"' : word));
    const squash = (value: string): string => value.replace(/\s+/g, '').replace(/\.{2,}/g, '.');
    expect(squash(text)).toBe(squash(words.join('')));
    expect(words.length).toBe(2242);
  });

  it('names the file and line of a malformed token', () => {
    let error: unknown;
    try {
      brownDocumentText('The/at cat/nn\n\n\tsat on/in\n', 'ca99');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DatasetParseError);
    expect((error as DatasetParseError).line).toBe(3);
    expect((error as DatasetParseError).message).toBe('ca99:3: token "sat" is not word/tag (Brown "Form C" tagged text expected)');
  });
});

describe('split by document', () => {
  it('the rule: sorted position mod 20 = 18 → valid, 19 → test', () => {
    expect([0, 17, 18, 19, 20, 38, 39, 499].map(brownSplitOf)).toEqual(['train', 'train', 'valid', 'test', 'train', 'valid', 'test', 'test']);
  });

  it('is deterministic and independent of the input order', () => {
    const files = Array.from({ length: 40 }, (_, i) => ({ id: `ca${String(i + 1).padStart(2, '0')}`, tagged: `Word${i}/nn ./.\n` }));
    const a = brownCorpus(files);
    const b = brownCorpus([...files].reverse());
    expect(b.symbols).toEqual(a.symbols);
    expect(Array.from(b.splits.train)).toEqual(Array.from(a.splits.train));
    expect(a.documents?.valid?.map((document) => document.id)).toEqual(['ca19', 'ca39']);
    expect(a.documents?.test?.map((document) => document.id)).toEqual(['ca20', 'ca40']);
    expect(renderIds(a, a.splits.valid)).toBe('Word18.\nWord38.\n');
  });

  it('needs enough documents', () => {
    expect(() => brownCorpus([{ id: 'ca01', tagged: 'A/at ./.\n' }])).toThrowError(
      'too few Brown files (1) for a validation split: the by-document rule needs at least 19',
    );
    expect(() => brownCorpus([])).toThrowError('empty corpus: no Brown files (expected files named like ca01 … cr09)');
  });
});

describe('readBrownCorpus (the default corpus, 500 files)', () => {
  it('sizes: 450/25/25 documents, characters per split, 85 symbols', async () => {
    const corpus = await readBrownCorpus();
    expect(corpus.name).toBe('brown');
    expect(corpus.sources).toHaveLength(500);
    expect(corpus.documents?.train).toHaveLength(450);
    expect(corpus.documents?.valid?.map((document) => document.id).slice(0, 4)).toEqual(['ca19', 'ca39', 'cb15', 'cc08']);
    expect(corpus.documents?.test?.at(-1)?.id).toBe('cr09');
    expect(corpus.splits.train.length).toBe(5_366_344);
    expect(corpus.splits.valid.length).toBe(298_637);
    expect(corpus.splits.test?.length).toBe(300_201);
    expect(corpus.symbols.join('')).toBe('\n !"$%&\'()*+,-./0123456789:;?ABCDEFGHIJKLMNOPQRSTUVWXYZ[]abcdefghijklmnopqrstuvwxyz{}');
    expect(corpus.unknownId).toBeUndefined();
    expect(corpus.splits.train).toBeInstanceOf(Uint8Array);
  });
});
