/**
 * Text data for the `seqgen text` commands: `--data`/`--unit`/`--unk` → a dataset spec → a corpus, with the
 * checks the commands need (no empty split) and the conventions printed.
 */
import { ConfigError } from '@seqgen/core';
import { describeCorpus, type TextCorpus } from '@seqgen/datasets';
import { readTextDataset, type TextDatasetKind, type TextDatasetSpec } from '@seqgen/datasets/node';
import { UsageError } from '../command.js';

/** The dataset part of a run: JSON-serialisable, stored in checkpoints so `eval`/`--resume` find the same data. */
export interface TextDataSpec {
  kind: TextDatasetKind;
  path?: string;
  unit?: 'char' | 'word' | 'byte';
  unk?: 'symbol' | 'chars';
  split?: 'standard' | 'paper';
}

const kinds: readonly TextDatasetKind[] = ['brown', 'ptb', 'enwik8', 'text', 'bytes'];

/**
 * Parses `--data`: `brown` (default), `ptb:<dir>`, `enwik8:<file|dir>`, `text:<file|dir>`, `bytes:<file>`, or a
 * bare path (= `text:<path>`, or the path of the base spec's dataset when that is ptb/enwik8/bytes, so
 * `--config configs/text-penn-char.paper.json --data /data/simple-examples` works).
 * @throws {@link UsageError} for an unknown kind or a kind that needs a path and has none.
 */
export function parseDataOption(raw: string | undefined, unit: string | undefined, unk: string | undefined, base?: TextDataSpec): TextDataSpec {
  let spec: TextDataSpec = base ? { ...base } : { kind: 'brown' };
  if (raw !== undefined) {
    const colon = raw.indexOf(':');
    const head = colon > 0 ? raw.slice(0, colon) : raw;
    if ((kinds as readonly string[]).includes(head)) {
      const path = colon > 0 ? raw.slice(colon + 1) : undefined;
      spec = { kind: head as TextDatasetKind, ...(path ? { path } : {}) };
    } else if (base !== undefined && base.kind !== 'brown' && base.kind !== 'text') {
      // A bare path with a config that names the dataset (e.g. ptb): the path of that dataset.
      spec = { ...base, path: raw };
    } else {
      spec = { kind: 'text', path: raw };
    }
    if (spec.kind !== 'brown' && spec.path === undefined) {
      throw new UsageError(`--data ${raw}: the ${spec.kind} dataset needs a path, e.g. --data ${spec.kind}:<path>`);
    }
  }
  if (unit !== undefined) {
    if (unit !== 'char' && unit !== 'word' && unit !== 'byte') throw new UsageError(`--unit expects char | word | byte, got '${unit}'`);
    spec.unit = unit;
  }
  if (unk !== undefined) {
    if (unk !== 'symbol' && unk !== 'chars') throw new UsageError(`--unk expects symbol | chars, got '${unk}'`);
    spec.unk = unk;
  }
  if (spec.kind !== 'brown' && spec.path === undefined) {
    throw new UsageError(`the ${spec.kind} dataset needs its location: give --data ${spec.kind}:<path> (or --data <path>)`);
  }
  return spec;
}

/** Reads a JSON data spec (from a config file or a checkpoint), validating it. */
export function dataSpecFromJson(raw: unknown, where: string): TextDataSpec | undefined {
  if (raw === undefined || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof raw !== 'object' || !(kinds as readonly unknown[]).includes(r.kind)) {
    throw new ConfigError(`${where}: data.kind must be one of ${kinds.join(', ')}, got ${JSON.stringify(r.kind)}`);
  }
  const spec: TextDataSpec = { kind: r.kind as TextDatasetKind };
  if (typeof r.path === 'string') spec.path = r.path;
  if (r.unit === 'char' || r.unit === 'word' || r.unit === 'byte') spec.unit = r.unit;
  if (r.unk === 'symbol' || r.unk === 'chars') spec.unk = r.unk;
  if (r.split === 'standard' || r.split === 'paper') spec.split = r.split;
  return spec;
}

/** A short description, e.g. `brown`, `ptb:/data/ptb (word)`. */
export function describeDataSpec(spec: TextDataSpec): string {
  return `${spec.kind}${spec.path ? `:${spec.path}` : ''}${spec.unit ? ` (${spec.unit})` : ''}`;
}

/**
 * Loads the corpus. Every split used must be non-empty (at least 2 symbols).
 * @throws DatasetError / DatasetParseError from the readers (missing file, binary data in char mode, …);
 *   {@link ConfigError} for an empty corpus or split.
 */
export async function loadTextCorpus(spec: TextDataSpec, needed: ReadonlyArray<'train' | 'valid' | 'test'>): Promise<TextCorpus> {
  const full: TextDatasetSpec = {
    kind: spec.kind,
    ...(spec.path !== undefined && { path: spec.path }),
    ...(spec.unit !== undefined && { unit: spec.unit }),
    ...(spec.unk !== undefined && { unk: spec.unk }),
    ...(spec.split !== undefined && { split: spec.split }),
  };
  const corpus = await readTextDataset(full);
  for (const name of needed) {
    const ids = corpus.splits[name];
    if (name === 'test' && ids === undefined) continue; // enwik8 paper split: no test set
    if (ids === undefined || ids.length < 2) {
      throw new ConfigError(
        `empty corpus: the ${name} split of ${describeDataSpec(spec)} has ${ids?.length ?? 0} symbols; ` +
          `give a text with enough data for train/valid/test (split by position 90/5/5 for plain files)`,
      );
    }
  }
  return corpus;
}

/** Lines describing the corpus and its conventions (printed before training/evaluation). */
export function corpusLines(corpus: TextCorpus): string[] {
  return describeCorpus(corpus);
}
