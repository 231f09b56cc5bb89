/** Human-readable summaries of a corpus, for CLI output and docs. */
import { splitNames, type TextCorpus } from './corpus.js';

/** Sizes of a corpus: symbols per split and vocabulary size. */
export interface CorpusSummary {
  readonly name: string;
  readonly unit: TextCorpus['unit'];
  readonly vocabularySize: number;
  readonly train: number;
  readonly valid: number;
  readonly test?: number;
}

/** Symbol counts per split and the vocabulary size. */
export function summarizeCorpus(corpus: TextCorpus): CorpusSummary {
  const summary = {
    name: corpus.name,
    unit: corpus.unit,
    vocabularySize: corpus.symbols.length,
    train: corpus.splits.train.length,
    valid: corpus.splits.valid.length,
  };
  return corpus.splits.test === undefined ? summary : { ...summary, test: corpus.splits.test.length };
}

/**
 * Lines describing a corpus: name, unit, vocabulary size, symbols per split, then every convention (bits per
 * character depend on them, so a run should print them all).
 */
export function describeCorpus(corpus: TextCorpus): string[] {
  const sizes = splitNames(corpus)
    .map((name) => `${name} ${(corpus.splits[name]?.length ?? 0).toLocaleString('en-US')}`)
    .join(', ');
  return [
    `corpus ${corpus.name}: unit ${corpus.unit}, ${corpus.symbols.length} symbols; ${sizes} ${corpus.unit === 'word' ? 'words' : corpus.unit === 'byte' ? 'bytes' : 'symbols'}`,
    ...corpus.conventions.map((convention) => `  ${convention}`),
  ];
}
