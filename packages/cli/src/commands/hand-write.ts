/**
 * `seqgen hand write "text"`: handwriting synthesis (Graves 2013 §5) with the shipped default model or a trained
 * checkpoint: biased sampling (Eqs. 61–62), built-in styles or primings (§5.5), multi-line pages from a file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createRng } from '@seqgen/core';
import { mixSeed, offsetsToTraces, wrapIntoLines, type Trace } from '@seqgen/datasets';
import { loadHersheyFonts } from '@seqgen/datasets/node';
import { renderSvg, synthesize, type RenderLine } from '@seqgen/handwriting';
import { numberOption, stringOption, UsageError, type Command } from '../command.js';
import { initBackend } from '../backend.js';
import { loadPriming, loadSamplingModel, writeFigure } from '../hand/sampling.js';

/**
 * Appends a piece's traces to a line: shifted right of what is there by `gap` (raw units) and onto the same
 * baseline (the median y of the pieces' points).
 */
export function appendPiece(line: Trace[], piece: readonly Trace[], gap: number): void {
  const median = (traces: readonly Trace[]): number => {
    const ys = traces.flatMap((t) => Array.from(t.y)).sort((a, b) => a - b);
    return ys.length ? (ys[ys.length >> 1] as number) : 0;
  };
  const extent = (traces: readonly Trace[], pick: 'min' | 'max'): number => {
    let v = pick === 'min' ? Infinity : -Infinity;
    for (const t of traces) for (const x of t.x) v = pick === 'min' ? Math.min(v, x) : Math.max(v, x);
    return Number.isFinite(v) ? v : 0;
  };
  if (line.length === 0) {
    line.push(...piece);
    return;
  }
  const dx = extent(line, 'max') + gap - extent(piece, 'min');
  const dy = median(line) - median(piece);
  for (const t of piece) line.push({ x: Float32Array.from(t.x, (v) => v + dx), y: Float32Array.from(t.y, (v) => v + dy) });
}

export const handWriteCommand: Command = {
  path: ['hand', 'write'],
  summary: 'write text as handwriting (synthesis network; default: the shipped model)',
  allowPositionals: true,
  usage: [
    'Examples:',
    '  seqgen hand write "any text" --bias 0.75 --style 3 -o out.svg',
    '  seqgen hand write --file letter.txt -o page.png                 # one line per text line (long ones wrapped)',
    '  seqgen hand write "hello" --model runs/hand-synth/best --prime-line hershey-w003-000012 --prime-cache runs/hand-data/hershey.bin',
    '  seqgen hand write "hello" --prime-strokes mine.json              # { "text": "...", "strokes": [[[x, y], ...], ...] }',
  ].join('\n'),
  options: {
    out: { type: 'string', short: 'o' },
    model: { type: 'string' },
    bias: { type: 'string' },
    style: { type: 'string' },
    'prime-line': { type: 'string' },
    'prime-cache': { type: 'string' },
    'prime-strokes': { type: 'string' },
    'prime-text': { type: 'string' },
    file: { type: 'string' },
    wrap: { type: 'string' },
    chunk: { type: 'string' },
    seed: { type: 'string' },
    'map-unknown': { type: 'boolean' },
    labels: { type: 'boolean' },
    width: { type: 'string' },
    'variable-width': { type: 'boolean' },
  },
  optionHelp: {
    out: 'output .svg or .png (default out.svg)',
    model: 'checkpoint directory (default: the shipped model in @seqgen/handwriting/assets/default-synthesis)',
    bias: 'sampling bias b >= 0 (Eqs. 61-62; default 0.75): higher is neater, 0 is the raw distribution',
    style: 'built-in style number (a priming line stored with the model; `seqgen hand write --help` lists none: try 1..8)',
    'prime-line': 'prime with this line id of a dataset cache (style imitation, §5.5)',
    'prime-cache': 'dataset cache for --prime-line (default runs/hand-data/hershey.bin)',
    'prime-strokes': 'prime with your own strokes: IAM-OnDB lineStrokes .xml or JSON {text, strokes}',
    'prime-text': 'the text of the priming strokes',
    file: 'write every line of this text file (a page)',
    wrap: 'start a new line on the page after this many characters (default 60)',
    chunk: 'write a line in pieces of at most this many characters, joined on one baseline (default: the longest training line of the model, 30 for the shipped one; 0 = one piece)',
    seed: 'random seed (default 1)',
    'map-unknown': "write characters the model does not know as its 'other' symbol instead of failing",
    labels: 'print each line\'s text above it',
    width: 'page width in px (default 1000)',
    'variable-width': 'vary the pen width with speed',
  },
  async run(args, io) {
    const { values, positionals } = args;
    const json = values.json === true;
    const file = stringOption(values, 'file');
    const raw = file ? readFileSync(resolve(file), 'utf8') : positionals.join(' ');
    const wrap = numberOption(values, 'wrap', 60);
    const lines = raw
      .split(/\r?\n/)
      .map((l) => l.trim())
      .flatMap((l) => (l === '' ? [] : l.length > wrap ? wrapIntoLines([l], wrap, 1) : [l]));
    if (lines.length === 0) throw new UsageError('give the text to write (as arguments or --file)');
    const bias = numberOption(values, 'bias', 0.75);
    if (!(bias >= 0)) throw new UsageError(`--bias expects a number >= 0, got ${bias}`);
    const seed = numberOption(values, 'seed', 1);
    await initBackend({ requested: stringOption(values, 'backend') });
    const model = await loadSamplingModel(stringOption(values, 'model'));
    if (model.config.task !== 'synthesis') throw new UsageError(`${model.dir} is a prediction model; \`hand write\` needs a synthesis model (use \`hand sample\`)`);
    const styleRaw = stringOption(values, 'style');
    const priming = loadPriming(model, {
      ...(styleRaw !== undefined ? { style: numberOption(values, 'style', 1) } : {}),
      ...(stringOption(values, 'prime-line') !== undefined ? { primeLine: stringOption(values, 'prime-line') as string } : {}),
      ...(stringOption(values, 'prime-cache') !== undefined ? { primeCache: stringOption(values, 'prime-cache') as string } : {}),
      ...(stringOption(values, 'prime-strokes') !== undefined ? { primeStrokes: stringOption(values, 'prime-strokes') as string } : {}),
      ...(stringOption(values, 'prime-text') !== undefined ? { primeText: stringOption(values, 'prime-text') as string } : {}),
    });
    const rendered: RenderLine[] = [];
    const report: Array<Record<string, unknown>> = [];
    const t0 = performance.now();
    const chunkSize = numberOption(values, 'chunk', model.maxChars);
    lines.forEach((text, i) => {
      const t1 = performance.now();
      // Lines longer than the model was trained on are written in word-aligned pieces, each with the same priming
      // and the stop rule, then joined on one baseline.
      const pieces = chunkSize > 0 && text.length > chunkSize ? wrapIntoLines([text], chunkSize, 1) : [text];
      const traces: Trace[] = [];
      let points = 0;
      const stops: string[] = [];
      let allWithinOne = true;
      pieces.forEach((piece, k) => {
        const r = synthesize(model.net, piece, {
          bias,
          rng: createRng(mixSeed(seed, i * 1000 + k)),
          ...(priming ? { priming } : {}),
          ...(values['map-unknown'] === true ? { unknown: 'map' as const } : {}),
        });
        points += r.steps;
        stops.push(r.stop);
        if (r.stop !== 'window' || r.lastCharacter - r.textStart < [...piece].length - 1) allWithinOne = false;
        appendPiece(traces, offsetsToTraces(r.offsets, model.stats), model.stats.std[0] * 3);
      });
      const line: RenderLine = { traces };
      if (values.labels === true) line.label = text;
      rendered.push(line);
      report.push({
        text,
        pieces: pieces.length,
        points,
        stop: stops.every((s) => s === 'window') ? 'window' : 'max-steps',
        endedAtText: allWithinOne,
        characters: [...text].length,
        seconds: (performance.now() - t1) / 1000,
      });
    });
    const svg = renderSvg(rendered, {
      width: numberOption(values, 'width', 1000),
      labelFont: loadHersheyFonts().futural,
      variableWidth: values['variable-width'] === true,
    });
    const out = writeFigure(stringOption(values, 'out') ?? 'out.svg', svg);
    const seconds = (performance.now() - t0) / 1000;
    if (json) {
      io.out.write(`${JSON.stringify({ out, model: model.dir, bias, seconds, lines: report })}\n`);
      return;
    }
    for (const r of report) {
      io.err.write(`  ${String(r.points).padStart(4)} points, ${r.pieces} piece(s), ${r.endedAtText ? 'stopped at the end of the text' : r.stop === 'window' ? 'stopped early' : 'hit the step cap'}: ${r.text}\n`);
    }
    io.out.write(`wrote ${out} (${lines.length} line(s), ${seconds.toFixed(2)} s)\n`);
  },
};
