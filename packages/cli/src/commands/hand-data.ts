/**
 * `seqgen hand data prepare` and `seqgen hand data show`: build the handwriting dataset the models read (IAM-OnDB
 * or synthetic Hershey handwriting) into a binary cache, and draw sample lines with their text as a PNG.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  buildHandwritingDataset,
  generateSyntheticLines,
  offsetsToTraces,
  synthTextLines,
  mixSeed,
  type AlphabetKind,
  type BuildDatasetOptions,
  type HandwritingDataset,
  type HandwritingSplit,
  type SplitMode,
  type SyntheticLine,
} from '@seqgen/datasets';
import {
  loadHandwritingCache,
  loadHersheyFonts,
  readBrownParagraphs,
  readIamOnDb,
  saveHandwritingCache,
  writeSyntheticIam,
} from '@seqgen/datasets/node';
import { renderSvg, type RenderLine } from '@seqgen/handwriting';
import { numberOption, stringOption, UsageError, type Command, type CommandIO, type ParsedArgs } from '../command.js';
import { Progress } from '../progress.js';
import { svgToPng } from '../render/png.js';

const DEFAULT_OUT = 'runs/hand-data';

function choice<T extends string>(values: ParsedArgs['values'], name: string, allowed: readonly T[], fallback: T): T {
  const raw = stringOption(values, name) ?? fallback;
  if (!allowed.includes(raw as T)) throw new UsageError(`--${name} expects ${allowed.join(' | ')}, got '${raw}'`);
  return raw as T;
}

function positiveInt(values: ParsedArgs['values'], name: string, fallback: number): number {
  const n = numberOption(values, name, fallback);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} expects a positive integer, got ${n}`);
  return n;
}

/** Sample lines of text for the synthetic writers: Brown corpus paragraphs, word-wrapped. */
function synthTexts(lines: number): string[] {
  return synthTextLines(readBrownParagraphs(Math.max(200, Math.ceil(lines / 2))));
}

/** Synthetic lines with a progress bar. */
function generate(count: number, writers: number, seed: number, io: CommandIO, silent: boolean): SyntheticLine[] {
  const fonts = loadHersheyFonts();
  const texts = synthTexts(count);
  const progress = new Progress({ label: 'writing', total: count, unit: 'lines', stream: io.err, silent, plainIntervalMs: 2000 });
  const lines = generateSyntheticLines(texts, fonts, { count, writers, seed, onLine: () => progress.tick() });
  progress.finish();
  return lines;
}

/** Split of synthetic line i: ≈ 1 in 8.5 validation (the paper's 1438 of 12,179), by a seeded hash. */
function syntheticSplit(seed: number, index: number): HandwritingSplit {
  return mixSeed(seed ^ 0x5911, index) / 2 ** 32 < 1438 / 12179 ? 'validation' : 'train';
}

function summary(dataset: HandwritingDataset): Record<string, unknown> {
  const count = (s: HandwritingSplit): number => dataset.lines.filter((l) => l.split === s).length;
  const points = dataset.lines.reduce((n, l) => n + l.offsets.length / 3, 0);
  return {
    source: dataset.source,
    lines: dataset.lines.length,
    train: count('train'),
    validation: count('validation'),
    test: count('test'),
    meanPointsPerLine: dataset.lines.length ? points / dataset.lines.length : 0,
    alphabetSize: dataset.alphabet.length,
    offsetMean: dataset.offsetMean,
    offsetStd: dataset.offsetStd,
    threshold: dataset.threshold,
    conventions: dataset.conventions,
  };
}

export const handDataPrepareCommand: Command = {
  path: ['hand', 'data', 'prepare'],
  summary: 'prepare handwriting data (IAM-OnDB or synthetic Hershey) into a binary cache',
  usage: [
    'Examples:',
    '  seqgen hand data prepare                                  # 2000 synthetic lines, 40 writers',
    '  seqgen hand data prepare --source hershey --write-iam runs/hershey-iam   # also as IAM-OnDB files, read back',
    '  seqgen hand data prepare --source iam --data ~/data/iam-ondb --skip-bad',
    'Writes <out>/<source>.bin (the cache) and <out>/<source>.json (counts, statistics, conventions).',
  ].join('\n'),
  options: {
    source: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    lines: { type: 'string' },
    writers: { type: 'string' },
    seed: { type: 'string' },
    alphabet: { type: 'string' },
    threshold: { type: 'string' },
    raw: { type: 'boolean' },
    'split-mode': { type: 'string' },
    'skip-bad': { type: 'boolean' },
    'write-iam': { type: 'string' },
    'max-forms': { type: 'string' },
  },
  optionHelp: {
    source: 'hershey (synthetic, default) | iam',
    data: 'IAM-OnDB root with lineStrokes/ and ascii/ (and trainset.txt, testset_*.txt)',
    out: `output folder (default ${DEFAULT_OUT})`,
    lines: 'hershey: number of lines (default 2000)',
    writers: 'hershey: number of writers (default 40)',
    seed: 'hershey: seed of writers and lines (default 0)',
    alphabet: "paper (57 symbols, default) | full (every training character)",
    threshold: 'remove steps longer than this many raw units (default 1500; the paper gives no value)',
    raw: 'keep offsets in raw units (no mean/std normalisation)',
    'split-mode': 'iam: paper (train on train + test + larger validation set; default) | official',
    'skip-bad': 'iam: skip unreadable or mismatched files and report them instead of stopping',
    'write-iam': 'hershey: also write the lines as IAM-OnDB files to this folder and prepare them through the IAM reader',
    'max-forms': 'iam: read at most this many forms',
  },
  async run(args, io) {
    const { values } = args;
    const json = values.json === true;
    const source = choice(values, 'source', ['hershey', 'iam'] as const, 'hershey');
    const out = resolve(stringOption(values, 'out') ?? DEFAULT_OUT);
    const build: BuildDatasetOptions = {
      alphabet: choice(values, 'alphabet', ['paper', 'full'] as const satisfies readonly AlphabetKind[], 'paper'),
      threshold: numberOption(values, 'threshold', 1500),
      normalise: values.raw !== true,
    };
    const t0 = performance.now();
    let dataset: HandwritingDataset;
    let report: Record<string, unknown>;
    const readIam = async (root: string): Promise<void> => {
      let progress: Progress | undefined;
      let last = 0;
      const result = await readIamOnDb(root, {
        ...build,
        skipBad: values['skip-bad'] === true,
        splitMode: choice(values, 'split-mode', ['paper', 'official'] as const satisfies readonly SplitMode[], 'paper'),
        ...(values['max-forms'] !== undefined ? { maxForms: positiveInt(values, 'max-forms', 1) } : {}),
        onProgress: (done, total) => {
          progress ??= new Progress({ label: 'reading', total, unit: 'forms', stream: io.err, silent: json, plainIntervalMs: 2000 });
          progress.tick(done - last);
          last = done;
        },
      });
      progress?.finish();
      dataset = result.dataset;
      report = { ...result.report, droppedEmpty: result.report.droppedEmpty.length };
      if (result.report.skipped.length > 0 && !json) {
        io.err.write(`skipped ${result.report.skipped.length} item(s):\n`);
        for (const s of result.report.skipped) io.err.write(`  ${s.reason}\n`);
      }
    };
    if (source === 'iam') {
      const data = stringOption(values, 'data');
      if (!data) throw new UsageError('--source iam needs --data <IAM-OnDB folder>');
      await readIam(resolve(data));
    } else {
      const count = positiveInt(values, 'lines', 2000);
      const writers = positiveInt(values, 'writers', 40);
      const seed = numberOption(values, 'seed', 0);
      const lines = generate(count, writers, seed, io, json);
      const iamDir = stringOption(values, 'write-iam');
      if (iamDir) {
        const written = writeSyntheticIam(resolve(iamDir), lines, { seed });
        if (!json) io.err.write(`wrote ${written.files} IAM-OnDB files (${written.forms} forms) to ${resolve(iamDir)}\n`);
        await readIam(resolve(iamDir));
        dataset = { ...dataset!, source: 'hershey' };
      } else {
        const built = buildHandwritingDataset(
          lines.map((l, i) => ({ id: l.id, text: l.text, writer: l.writer.id, split: syntheticSplit(seed, i), strokes: l.strokes })),
          { ...build, source: 'hershey', conventions: [`synthetic: ${count} lines, ${writers} writers, seed ${seed}; split: ≈ 11.8% validation by seeded hash`] },
        );
        dataset = built.dataset;
        report = { ...built.report, droppedEmpty: built.report.droppedEmpty.length };
      }
    }
    const cachePath = join(out, `${dataset!.source === 'iam-ondb' ? 'iam' : 'hershey'}.bin`);
    const bytes = saveHandwritingCache(cachePath, dataset!);
    const info = { cache: cachePath, bytes, seconds: (performance.now() - t0) / 1000, ...summary(dataset!), report: report! };
    writeFileSync(cachePath.replace(/\.bin$/, '.json'), `${JSON.stringify(info, null, 2)}\n`);
    if (json) {
      io.out.write(`${JSON.stringify(info)}\n`);
      return;
    }
    const s = summary(dataset!);
    io.out.write(
      [
        `prepared ${s.lines} lines (train ${s.train}, validation ${s.validation}, test ${s.test}), ${(s.meanPointsPerLine as number).toFixed(0)} points per line on average`,
        `cache    ${cachePath} (${(bytes / 1e6).toFixed(1)} MB)`,
        `report   ${JSON.stringify(report!)}`,
        'conventions:',
        ...dataset!.conventions.map((c) => `  ${c}`),
        '',
      ].join('\n'),
    );
  },
};

export const handDataShowCommand: Command = {
  path: ['hand', 'data', 'show'],
  summary: 'draw a grid of handwriting lines with their text to a PNG',
  usage: [
    'Examples:',
    '  seqgen hand data show                                # from runs/hand-data/hershey.bin if present, else fresh synthetic lines',
    '  seqgen hand data show --cache runs/hand-data/iam.bin --split validation --lines 12',
    '  seqgen hand data show --source hershey --writers 8 --lines 8 --out docs/img/synthetic-writers.png',
  ].join('\n'),
  options: {
    cache: { type: 'string' },
    source: { type: 'string' },
    lines: { type: 'string' },
    writers: { type: 'string' },
    seed: { type: 'string' },
    split: { type: 'string' },
    out: { type: 'string' },
    width: { type: 'string' },
    'variable-width': { type: 'boolean' },
    svg: { type: 'boolean' },
  },
  optionHelp: {
    cache: `a prepared cache (default ${DEFAULT_OUT}/hershey.bin when it exists)`,
    source: 'hershey: draw freshly generated synthetic lines instead of a cache',
    lines: 'number of lines (default 8)',
    writers: 'hershey: number of writers (default: one per line)',
    seed: 'hershey: seed (default 0)',
    split: 'cache: train | validation | test (default: all)',
    out: `PNG file (default ${DEFAULT_OUT}/show.png)`,
    width: 'image width in px (default 1400)',
    'variable-width': 'vary the pen width with speed',
    svg: 'also write the SVG next to the PNG',
  },
  async run(args, io) {
    const { values } = args;
    const count = positiveInt(values, 'lines', 8);
    const width = positiveInt(values, 'width', 1400);
    const outFile = resolve(stringOption(values, 'out') ?? join(DEFAULT_OUT, 'show.png'));
    const fonts = loadHersheyFonts();
    const cacheOption = stringOption(values, 'cache');
    const defaultCache = resolve(DEFAULT_OUT, 'hershey.bin');
    const useCache = stringOption(values, 'source') !== 'hershey' && (cacheOption !== undefined || existsSync(defaultCache));
    let render: RenderLine[];
    let from: string;
    if (useCache) {
      const path = resolve(cacheOption ?? defaultCache);
      const dataset = loadHandwritingCache(path);
      const split = stringOption(values, 'split');
      const pool = split ? dataset.lines.filter((l) => l.split === split) : dataset.lines;
      if (pool.length === 0) throw new UsageError(`no lines${split ? ` in split '${split}'` : ''} in ${path}`);
      const stats = dataset.normalised ? { mean: dataset.offsetMean, std: dataset.offsetStd } : undefined;
      const picked = Array.from({ length: Math.min(count, pool.length) }, (_, i) => pool[Math.floor((i * pool.length) / Math.min(count, pool.length))]!);
      render = picked.map((l) => ({ traces: offsetsToTraces(l.offsets, stats), label: `${l.id}${l.writer ? ` (${l.writer})` : ''}: ${l.text}` }));
      from = path;
    } else {
      const seed = numberOption(values, 'seed', 0);
      const lines = generate(count, positiveInt(values, 'writers', count), seed, io, values.json === true);
      render = lines.map((l) => ({
        traces: l.strokes,
        label: `writer ${l.writer.id} (${l.writer.font === 'futural' ? 'print' : 'script'}, slant ${((l.writer.slant * 180) / Math.PI).toFixed(0)} deg, ${l.writer.speed.toFixed(1)} letters/s): ${l.text}`,
      }));
      from = `synthetic, seed ${seed}`;
    }
    const svg = renderSvg(render, { width, labelFont: fonts.futural, variableWidth: values['variable-width'] === true, strokeWidth: 2.2 });
    const png = svgToPng(svg);
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, png);
    if (values.svg === true) writeFileSync(outFile.replace(/\.png$/i, '') + '.svg', svg);
    if (values.json === true) io.out.write(`${JSON.stringify({ png: outFile, lines: render.length, from, bytes: png.length })}\n`);
    else io.out.write(`drew ${render.length} lines (${from}) to ${outFile}\n`);
  },
};
