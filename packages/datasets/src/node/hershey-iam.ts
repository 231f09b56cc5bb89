/**
 * Writes synthetic handwriting in the IAM-OnDB layout (lineStrokes XML, ascii transcriptions, IAM-OnDB-t1 split
 * files), so the IAM reader path is exercised end to end on data anyone can generate.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyntheticLine } from '../handwriting/dataset.js';
import { encodeLatin1, formatLineStrokes, formatTranscription } from '../handwriting/iam-format.js';
import { mixSeed } from '../handwriting/random.js';

/** Options of {@link writeSyntheticIam}. */
export interface WriteIamOptions {
  /** Lines per form (default 8, IAM forms hold ≈ 7). */
  linesPerForm?: number;
  /** Seed of the split assignment (default 0). */
  seed?: number;
}

/** Form ids per split file, and the number of files written. */
export interface WriteIamResult {
  forms: number;
  files: number;
  splits: Record<'trainset' | 'testset_v' | 'testset_t' | 'testset_f', string[]>;
}

/**
 * Writes `lines` under `dir` as `lineStrokes/hNNN/hNNN-FFF/hNNN-FFFs-LL.xml` + `ascii/hNNN/hNNN-FFF/hNNN-FFFs.txt`
 * (group = writer), forms of consecutive lines of one writer, and split files with the paper's proportions of
 * forms (775 / 192 / 216 / 544 for trainset / testset_v / testset_t / testset_f), assigned by a seeded hash.
 */
export function writeSyntheticIam(dir: string, lines: readonly SyntheticLine[], options: WriteIamOptions = {}): WriteIamResult {
  const perForm = Math.max(1, options.linesPerForm ?? 8);
  const byWriter = new Map<string, SyntheticLine[]>();
  for (const line of lines) byWriter.set(line.writer.id, [...(byWriter.get(line.writer.id) ?? []), line]);
  const splits: WriteIamResult['splits'] = { trainset: [], testset_v: [], testset_t: [], testset_f: [] };
  const cumulative: Array<[keyof WriteIamResult['splits'], number]> = [
    ['trainset', 775 / 1727], ['testset_v', 967 / 1727], ['testset_t', 1183 / 1727], ['testset_f', 1],
  ];
  let forms = 0, files = 0;
  for (const [writerId, own] of byWriter) {
    const group = `h${writerId.replace(/\D/g, '').padStart(3, '0')}`;
    for (let f = 0; f * perForm < own.length; f++) {
      const form = `${group}-${String(f).padStart(3, '0')}`;
      const variant = `${form}s`;
      const chunk = own.slice(f * perForm, (f + 1) * perForm);
      const strokeDir = join(dir, 'lineStrokes', group, form);
      const asciiDir = join(dir, 'ascii', group, form);
      mkdirSync(strokeDir, { recursive: true });
      mkdirSync(asciiDir, { recursive: true });
      chunk.forEach((line, i) => {
        writeFileSync(join(strokeDir, `${variant}-${String(i + 1).padStart(2, '0')}.xml`), encodeLatin1(formatLineStrokes(line.strokes)));
        files++;
      });
      writeFileSync(join(asciiDir, `${variant}.txt`), encodeLatin1(formatTranscription(variant, chunk.map((l) => l.text), writerId)));
      files++;
      forms++;
      const u = mixSeed(options.seed ?? 0, forms * 7919 + f) / 2 ** 32;
      const role = (cumulative.find(([, c]) => u < c) ?? cumulative[0])?.[0] ?? 'trainset';
      splits[role].push(variant);
    }
  }
  for (const [name, ids] of Object.entries(splits)) {
    writeFileSync(join(dir, `${name}.txt`), `${ids.join('\n')}\n`);
    files++;
  }
  return { forms, files, splits };
}
