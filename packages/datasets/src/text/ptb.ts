/**
 * Penn Treebank as Mikolov distributes it (`simple-examples.tgz` → `data/`): word-level `ptb.{train,valid,test}.txt`
 * and character-level `ptb.char.{train,valid,test}.txt`. Graves (2013) §3.2: 930k/74k/82k words, 10k vocabulary,
 * end-of-sentence counted in the loss; the char net has 49 inputs/outputs.
 */
import { DatasetError, DatasetParseError } from '../errors.js';
import type { SplitName, TextCorpus } from './corpus.js';
import { tokenVocabulary, vocabularyConvention, type UnknownPolicy, type VocabularyBuilder, type VocabularyOptions } from './vocabulary.js';

/** One PTB file's name (for messages and `sources`) and decoded contents. */
export interface PtbFile {
  readonly file: string;
  readonly text: string;
}

/** The three files of one PTB variant. */
export interface PtbFiles {
  readonly train: PtbFile;
  readonly valid: PtbFile;
  readonly test?: PtbFile;
}

/** The end-of-sentence symbol the loader appends to every line (it is not in the files). */
export const PTB_EOS = '<eos>';
/** PTB's unknown-word token, present in both the word and the char files. */
export const PTB_UNK = '<unk>';

/**
 * How `<unk>` in `ptb.char.*.txt` becomes symbols; bits per character depend on it (anchors §1.4):
 * - `symbol`: one symbol `<unk>` (awd-lstm / Transformer-XL `line.split() + ['<eos>']`; 49 symbols on valid;
 *   valid = 379,102 symbols, test = 423,247);
 * - `chars`: the five characters `<`, `u`, `n`, `k`, `>` (loaders that feed characters; valid = 393,042, test =
 *   442,423, the widely quoted "393K"/"442K").
 */
export type PtbUnkConvention = 'symbol' | 'chars';

const EOS_CONVENTION = 'eos=<eos> appended to every line by the loader (one symbol, counted in the loss)';

/** Lines of a file: split on LF, a final empty piece after the last LF dropped, a trailing CR removed. */
function fileLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

function splitsOf(files: PtbFiles): SplitName[] {
  return files.test === undefined ? ['train', 'valid'] : ['train', 'valid', 'test'];
}

function requireContent(file: PtbFile, name: SplitName): string[] {
  const lines = fileLines(file.text);
  if (lines.every((line) => line.trim() === '')) {
    throw new DatasetError(`empty corpus: the ${name} file ${file.file} has no tokens`, file.file);
  }
  return lines;
}

function unseen(file: string, line: number, token: string, name: SplitName): DatasetParseError {
  return new DatasetParseError({ file, line }, `${JSON.stringify(token)} in the ${name} split never occurs in the training split (unknown=error)`);
}

function finishCorpus(
  builder: VocabularyBuilder<string>,
  files: PtbFiles,
  policy: UnknownPolicy,
  base: Omit<TextCorpus, 'symbols' | 'splits' | 'sources' | 'conventions' | 'unknownCounts'> & { conventions: string[] },
): TextCorpus {
  const encoded = builder.finish();
  const train = encoded.splits.train ?? new Uint8Array(0);
  const valid = encoded.splits.valid ?? new Uint8Array(0);
  const splits = encoded.splits.test === undefined ? { train, valid } : { train, valid, test: encoded.splits.test };
  const corpus: TextCorpus = {
    ...base,
    symbols: encoded.symbols,
    splits,
    sources: splitsOf(files).map((name) => (files[name] as PtbFile).file),
    conventions: [...base.conventions, vocabularyConvention(encoded, policy)],
    unknownCounts: encoded.unknownCounts,
  };
  return encoded.unknownId === undefined ? corpus : { ...corpus, unknownId: encoded.unknownId };
}

/**
 * Word-level PTB: every line is one sentence, ` word word … \n` (a leading space, a trailing space before the
 * newline); words are the space-separated tokens and the loader appends `<eos>`. An empty line gives a lone
 * `<eos>` (as awd-lstm's `line.split() + ['<eos>']` does). On Mikolov's files: 929,589 / 73,760 / 82,430 tokens
 * and 10,000 symbols (`<unk>` and `<eos>` included).
 * @throws {@link DatasetParseError} (file, line) for a non-empty line without the leading space, with a hint when
 * it looks like a `ptb.char` file; {@link DatasetError} for an empty file.
 */
export function ptbWordCorpus(files: PtbFiles, options: VocabularyOptions = {}): TextCorpus {
  const policy = options.unknown ?? 'unk';
  const builder = tokenVocabulary(options.unknownSymbol ?? PTB_UNK, policy);
  for (const name of splitsOf(files)) {
    const file = files[name] as PtbFile;
    builder.begin(name);
    requireContent(file, name).forEach((line, index) => {
      if (line !== '' && line[0] !== ' ') {
        const tokens = line.split(' ').filter((token) => token !== '');
        const charLike = tokens.includes('_') && tokens.every((token) => token === PTB_UNK || [...token].length === 1);
        throw new DatasetParseError(
          { file: file.file, line: index + 1 },
          `expected Mikolov's word-level PTB format (each line " word word … " starting with a space), got ${JSON.stringify(line.slice(0, 40))}${
            charLike ? ': this looks like a ptb.char file; read it with the char unit' : ''
          }`,
        );
      }
      for (const token of line.split(' ')) {
        if (token === '') continue;
        if (!builder.push(token)) throw unseen(file.file, index + 1, token, name);
      }
      if (!builder.push(PTB_EOS)) throw unseen(file.file, index + 1, PTB_EOS, name);
    });
  }
  return finishCorpus(builder, files, policy, {
    name: 'ptb-word',
    unit: 'word',
    separator: ' ',
    display: { [PTB_EOS]: '\n' },
    conventions: ['format=ptb word level (Mikolov): one sentence per line, space-separated words', EOS_CONVENTION],
  });
}

/** Options for {@link ptbCharCorpus}. */
export interface PtbCharOptions extends VocabularyOptions {
  /** How `<unk>` becomes symbols; default `symbol`. */
  readonly unk?: PtbUnkConvention;
}

/**
 * Character-level PTB: characters separated by single spaces, `_` between words, `<unk>` one whitespace token, each
 * line ending ` \n`; the loader appends `<eos>` per line. `<unk>` becomes one symbol or five characters
 * ({@link PtbUnkConvention}); the convention is listed in `conventions`.
 * @throws {@link DatasetParseError} (file, line) for a token longer than one character other than `<unk>` (with a
 * hint when the file is the word-level one); {@link DatasetError} for an empty file.
 */
export function ptbCharCorpus(files: PtbFiles, options: PtbCharOptions = {}): TextCorpus {
  const policy = options.unknown ?? 'unk';
  const unk = options.unk ?? 'symbol';
  const builder = tokenVocabulary(options.unknownSymbol ?? (unk === 'symbol' ? PTB_UNK : '\uFFFD'), policy);
  const unkChars = ['<', 'u', 'n', 'k', '>'];
  for (const name of splitsOf(files)) {
    const file = files[name] as PtbFile;
    builder.begin(name);
    requireContent(file, name).forEach((line, index) => {
      for (const token of line.split(' ')) {
        if (token === '') continue;
        if (token === PTB_UNK) {
          for (const symbol of unk === 'symbol' ? [PTB_UNK] : unkChars) {
            if (!builder.push(symbol)) throw unseen(file.file, index + 1, symbol, name);
          }
          continue;
        }
        const codePoints = [...token];
        if (codePoints.length !== 1) {
          throw new DatasetParseError(
            { file: file.file, line: index + 1 },
            `expected Mikolov's ptb.char format (single characters separated by spaces, _ between words, <unk> as one token), got the token ${JSON.stringify(token)}${
              line.startsWith(' ') ? ': this looks like the word-level ptb.*.txt; read it with the word unit' : ''
            }`,
          );
        }
        if (!builder.push(token)) throw unseen(file.file, index + 1, token, name);
      }
      if (!builder.push(PTB_EOS)) throw unseen(file.file, index + 1, PTB_EOS, name);
    });
  }
  return finishCorpus(builder, files, policy, {
    name: 'ptb-char',
    unit: 'char',
    separator: '',
    display: { [PTB_EOS]: '\n', _: ' ' },
    conventions: [
      'format=ptb.char (Mikolov): space-separated characters, _ marks a word boundary',
      unk === 'symbol' ? 'unk=<unk> is one symbol (awd-lstm convention)' : 'unk=<unk> is five characters < u n k > (character-stream convention)',
      EOS_CONVENTION,
    ],
  });
}
