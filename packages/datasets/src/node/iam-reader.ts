/**
 * Reads an IAM-OnDB copy from disk (shared/anchors.md §2.3): `lineStrokes/a01/a01-000/a01-000u-01.xml` stroke
 * files matched line by line with `ascii/a01/a01-000/a01-000u.txt` transcriptions, the IAM-OnDB-t1 split files,
 * then the paper's preprocessing ({@link buildHandwritingDataset}).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DatasetParseError } from '../errors.js';
import {
  assignSplits,
  buildHandwritingDataset,
  type BuildDatasetOptions,
  type BuildReport,
  type IamSplitFiles,
  type RawHandwritingLine,
  type SplitMode,
} from '../handwriting/dataset.js';
import { parseLineStrokes, parseSplitFile, parseTranscription } from '../handwriting/iam-format.js';
import { mixSeed } from '../handwriting/random.js';
import type { HandwritingDataset, HandwritingSplit } from '../handwriting/types.js';
import { decodeText, decodeXmlBytes } from '../handwriting/xml.js';

/** Options of {@link readIamOnDb}. */
export interface IamReadOptions extends BuildDatasetOptions {
  /** Skip unreadable files and mismatched forms (reported in `skipped`) instead of failing. Default false. */
  skipBad?: boolean;
  /** How split files map to roles (default 'paper'). */
  splitMode?: SplitMode;
  /** Folder with trainset.txt, testset_v.txt, testset_t.txt, testset_f.txt (default: the data root). */
  splitDir?: string;
  /** Read at most this many forms (for quick looks). */
  maxForms?: number;
  /** Progress: forms done out of total. */
  onProgress?: (done: number, total: number) => void;
}

/** One skipped item. */
export interface SkippedItem {
  file: string;
  reason: string;
}

/** What {@link readIamOnDb} read, changed and skipped. */
export interface IamReadReport extends BuildReport {
  forms: number;
  emptyStrokes: number;
  /** Forms present on disk but in no split file (left out). */
  unlisted: number;
  skipped: SkippedItem[];
  /** Where the pieces were found. */
  layout: { lineStrokes: string; ascii: string; splitFiles: string[] };
}

const SPLIT_FILES = ['trainset', 'testset_v', 'testset_t', 'testset_f'] as const;

function findDir(root: string, candidates: string[], what: string): string {
  for (const c of candidates) {
    const p = join(root, c);
    if (existsSync(p) && statSync(p).isDirectory()) return p;
  }
  throw new DatasetParseError({ file: root }, `no ${what} folder: expected one of ${candidates.map((c) => `${c}/`).join(', ')}`);
}

const listDirs = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

/**
 * Reads IAM-OnDB from `root` (layouts: `lineStrokes/` + `ascii/`, or `lineStrokes-all/lineStrokes/` +
 * `ascii-all/ascii/`). Without split files, about 1 form in 8 goes to validation (by a hash of its id).
 * @throws {@link DatasetParseError} naming the file and the reason, for malformed XML, truncated files, a missing
 * `CSR:` section or a form whose number of lines differs from its number of stroke files (unless `skipBad`).
 */
export async function readIamOnDb(root: string, options: IamReadOptions = {}): Promise<{ dataset: HandwritingDataset; report: IamReadReport }> {
  const strokesDir = findDir(root, ['lineStrokes', 'lineStrokes-all/lineStrokes', 'data/raw/lineStrokes'], 'lineStrokes');
  const asciiDir = findDir(root, ['ascii', 'ascii-all/ascii', 'data/raw/ascii'], 'ascii');
  const splitDir = options.splitDir ?? root;
  const files: IamSplitFiles = {};
  const splitFiles: string[] = [];
  for (const name of SPLIT_FILES) {
    const p = join(splitDir, `${name}.txt`);
    if (existsSync(p)) {
      files[name] = parseSplitFile(readFileSync(p, 'latin1'), p);
      splitFiles.push(p);
    }
  }
  const splitMode = options.splitMode ?? 'paper';
  const { splitOf, convention } = splitFiles.length > 0 ? assignSplits(files, splitMode) : { splitOf: undefined, convention: 'splits: no split files found; 1 form in 8 (by id hash) is validation, the rest train' };
  const fallbackSplit = (variant: string): HandwritingSplit => {
    let h = 0;
    for (const c of variant) h = mixSeed(h, c.charCodeAt(0));
    return h % 8 === 0 ? 'validation' : 'train';
  };

  const report: IamReadReport = {
    lines: 0, points: 0, interpolated: 0, removedSteps: 0, droppedEmpty: [],
    forms: 0, emptyStrokes: 0, unlisted: 0, skipped: [],
    layout: { lineStrokes: strokesDir, ascii: asciiDir, splitFiles },
  };
  const show = (p: string): string => relative(root, p) || p;
  const fail = (error: unknown, file: string): void => {
    const reason = DatasetParseError.isInstance(error) ? error.message : `${show(file)}: ${(error as Error).message}`;
    if (!options.skipBad) {
      if (DatasetParseError.isInstance(error)) throw error;
      throw new DatasetParseError({ file: show(file) }, (error as Error).message, { cause: error });
    }
    report.skipped.push({ file: show(file), reason });
  };

  // ascii/<group>/<form>/<variant>.txt
  const transcripts: Array<{ group: string; form: string; variant: string; file: string }> = [];
  for (const group of listDirs(asciiDir)) {
    for (const form of listDirs(join(asciiDir, group))) {
      for (const name of readdirSync(join(asciiDir, group, form)).sort()) {
        if (name.endsWith('.txt')) transcripts.push({ group, form, variant: name.slice(0, -4), file: join(asciiDir, group, form, name) });
      }
    }
  }
  const selected = transcripts.slice(0, options.maxForms ?? transcripts.length);
  const raw: RawHandwritingLine[] = [];
  selected.forEach((t, index) => {
    options.onProgress?.(index, selected.length);
    const split = splitOf ? splitOf.get(t.variant) : fallbackSplit(t.variant);
    if (!split) {
      report.unlisted++;
      return;
    }
    let texts: string[];
    try {
      texts = parseTranscription(decodeText(readFileSync(t.file), show(t.file), 'iso-8859-1'), show(t.file));
    } catch (error) {
      fail(error, t.file);
      return;
    }
    const strokeDir = join(strokesDir, t.group, t.form);
    const strokeFiles = existsSync(strokeDir)
      ? readdirSync(strokeDir).filter((n) => n.startsWith(`${t.variant}-`) && n.endsWith('.xml')).sort()
      : [];
    if (strokeFiles.length !== texts.length) {
      fail(
        new DatasetParseError(
          { file: show(t.file) },
          `${texts.length} text lines after CSR: but ${strokeFiles.length} stroke files ${show(join(strokeDir, `${t.variant}-*.xml`))}: expected one per line`,
        ),
        t.file,
      );
      return;
    }
    report.forms++;
    strokeFiles.forEach((name) => {
      const file = join(strokeDir, name);
      const number = Number(/-(\d+)\.xml$/.exec(name)?.[1]);
      const text = texts[number - 1];
      if (text === undefined) {
        fail(new DatasetParseError({ file: show(file) }, `line number ${number} but ${show(t.file)} has ${texts.length} lines`), file);
        return;
      }
      try {
        const parsed = parseLineStrokes(decodeXmlBytes(readFileSync(file), show(file)), show(file));
        report.emptyStrokes += parsed.emptyStrokes;
        if (parsed.strokes.length === 0) throw new DatasetParseError({ file: show(file) }, 'no points: every <Stroke> is empty');
        raw.push({ id: name.slice(0, -4), text, split, strokes: parsed.strokes });
      } catch (error) {
        fail(error, file);
      }
    });
  });
  options.onProgress?.(selected.length, selected.length);
  const { dataset, report: built } = buildHandwritingDataset(raw, {
    ...options,
    source: 'iam-ondb',
    conventions: [convention, ...(options.conventions ?? [])],
  });
  return { dataset, report: { ...report, ...built } };
}
