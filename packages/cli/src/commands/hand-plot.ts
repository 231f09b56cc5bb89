/**
 * `seqgen hand plot density|window|bias|primed`: the paper's figures from a trained model — the density heatmap
 * with mixture weights (Fig. 10), the window weights φ(t, u) (Fig. 13), a bias sweep (Fig. 16) and primed samples
 * next to their priming line (Figs. 18–21).
 */
import { createRng } from '@seqgen/core';
import { encodeText, mixSeed, offsetsToTraces } from '@seqgen/datasets';
import { loadHersheyFonts } from '@seqgen/datasets/node';
import { densityMap, densityPlotSvg, renderSvg, synthesize, windowPlotSvg, type RenderLine } from '@seqgen/handwriting';
import { numberOption, stringOption, UsageError, type Command } from '../command.js';
import { initBackend } from '../backend.js';
import { loadHandData } from '../hand/data.js';
import { loadPriming, loadSamplingModel, writeFigure } from '../hand/sampling.js';
import { readCheckpointDir } from '../io/checkpoint-files.js';
import type { HandRunConfig } from '../hand/run-config.js';
import type { HandTrainingState } from '../hand/model-io.js';
import * as tf from '@tensorflow/tfjs-core';

const KINDS = ['density', 'window', 'bias', 'primed'] as const;

export const handPlotCommand: Command = {
  path: ['hand', 'plot'],
  summary: 'figures: density (Fig. 10), window (Fig. 13), bias sweep (Fig. 16), primed samples (Figs. 18-21)',
  allowPositionals: true,
  usage: [
    'Examples:',
    '  seqgen hand plot density --model runs/hand-prediction/best -o density.png      # a validation line',
    '  seqgen hand plot window "a window plot" -o window.png                          # the shipped model',
    '  seqgen hand plot bias "neat and tidy" --biases 0,0.25,0.5,1,2 -o bias.png',
    '  seqgen hand plot primed "in the same style" --style 3 -o primed.png',
  ].join('\n'),
  options: {
    model: { type: 'string' },
    out: { type: 'string', short: 'o' },
    line: { type: 'string' },
    bias: { type: 'string' },
    biases: { type: 'string' },
    style: { type: 'string' },
    styles: { type: 'string' },
    'prime-line': { type: 'string' },
    'prime-cache': { type: 'string' },
    'prime-strokes': { type: 'string' },
    'prime-text': { type: 'string' },
    seed: { type: 'string' },
    count: { type: 'string' },
    width: { type: 'string' },
  },
  optionHelp: {
    model: 'checkpoint directory (default: the shipped synthesis model)',
    out: 'output .png or .svg (default <kind>.png)',
    line: 'density: index of the validation line (default 0)',
    bias: 'sampling bias (default 0.75; window, primed)',
    biases: 'bias: comma-separated biases (default 0,0.25,0.5,0.75,1,2)',
    style: 'window/primed: built-in style (priming) number',
    styles: 'primed: comma-separated built-in styles, one priming line + sample each (default 1,2,3)',
    'prime-line': 'primed: a dataset line id instead of built-in styles',
    'prime-cache': 'dataset cache for --prime-line',
    'prime-strokes': 'primed: your own strokes (.xml or JSON {text, strokes})',
    'prime-text': 'text of the priming strokes',
    seed: 'random seed (default 1)',
    count: 'bias: samples per bias (default 1)',
    width: 'image width in px (default 1000)',
  },
  async run(args, io) {
    const { values, positionals } = args;
    const kind = positionals[0] as (typeof KINDS)[number] | undefined;
    if (!kind || !KINDS.includes(kind)) throw new UsageError(`hand plot expects one of ${KINDS.join(' | ')}`);
    const text = positionals.slice(1).join(' ');
    const width = numberOption(values, 'width', 1000);
    const seed = numberOption(values, 'seed', 1);
    const bias = numberOption(values, 'bias', 0.75);
    await initBackend({ requested: stringOption(values, 'backend') });
    const model = await loadSamplingModel(stringOption(values, 'model'));
    const font = loadHersheyFonts().futural;
    const needText = (): string => {
      if (model.config.task !== 'synthesis') throw new UsageError(`hand plot ${kind} needs a synthesis model; ${model.dir} is a prediction model`);
      if (text === '') throw new UsageError(`hand plot ${kind} needs the text to write, e.g. seqgen hand plot ${kind} "some text"`);
      return text;
    };
    let svg: string;
    let info: Record<string, unknown> = {};
    if (kind === 'density') {
      const decoded = await readCheckpointDir(model.dir);
      tf.dispose(Object.values(decoded.tensors));
      const run = (decoded.training as HandTrainingState | undefined)?.run as HandRunConfig | undefined;
      if (!run) throw new UsageError(`${model.dir} does not record its training data`);
      const { dataset } = loadHandData(run.data, (m) => io.err.write(`${m}\n`));
      const validation = dataset.lines.filter((l) => l.split === 'validation');
      const index = numberOption(values, 'line', 0);
      const line = validation[index];
      if (!line) throw new UsageError(`--line ${index}: there are ${validation.length} validation lines`);
      const map = densityMap(model.net, line.offsets, { mean: dataset.offsetMean, std: dataset.offsetStd }, model.config.task === 'synthesis' ? { text: encodeText(line.text, model.config.alphabet) } : {});
      svg = densityPlotSvg(map, { width });
      info = { line: line.id, text: line.text, points: map.steps };
    } else if (kind === 'window') {
      const style = stringOption(values, 'style');
      const priming = style !== undefined ? loadPriming(model, { style: numberOption(values, 'style', 1) }) : undefined;
      const r = synthesize(model.net, needText(), { bias, rng: createRng(seed), recordPhi: true, ...(priming ? { priming } : {}) });
      svg = windowPlotSvg(r.offsets, r.phi as Float32Array, r.windowText, { width, labelFont: font, stats: model.stats });
      info = { points: r.steps, stop: r.stop };
    } else if (kind === 'bias') {
      const biases = (stringOption(values, 'biases') ?? '0,0.25,0.5,0.75,1,2').split(',').map(Number);
      if (!biases.every((b) => b >= 0)) throw new UsageError('--biases expects comma-separated numbers >= 0');
      const count = numberOption(values, 'count', 1);
      const style = stringOption(values, 'style');
      const priming = style !== undefined ? loadPriming(model, { style: numberOption(values, 'style', 1) }) : undefined;
      const lines: RenderLine[] = [];
      biases.forEach((b, i) => {
        for (let k = 0; k < count; k++) {
          const r = synthesize(model.net, needText(), { bias: b, rng: createRng(mixSeed(seed, i * 100 + k)), ...(priming ? { priming } : {}) });
          lines.push({ traces: offsetsToTraces(r.offsets, model.stats), label: `b = ${b}` });
        }
      });
      svg = renderSvg(lines, { width, labelFont: font });
    } else {
      const lines: RenderLine[] = [];
      const primings = [];
      if (values['prime-line'] !== undefined || values['prime-strokes'] !== undefined) {
        primings.push(
          loadPriming(model, {
            ...(stringOption(values, 'prime-line') !== undefined ? { primeLine: stringOption(values, 'prime-line') as string } : {}),
            ...(stringOption(values, 'prime-cache') !== undefined ? { primeCache: stringOption(values, 'prime-cache') as string } : {}),
            ...(stringOption(values, 'prime-strokes') !== undefined ? { primeStrokes: stringOption(values, 'prime-strokes') as string } : {}),
            ...(stringOption(values, 'prime-text') !== undefined ? { primeText: stringOption(values, 'prime-text') as string } : {}),
          }),
        );
      } else {
        for (const s of (stringOption(values, 'styles') ?? stringOption(values, 'style') ?? '1,2,3').split(',')) primings.push(loadPriming(model, { style: Number(s) }));
      }
      primings.forEach((p, i) => {
        if (!p) return;
        lines.push({ traces: offsetsToTraces(p.offsets, model.stats), label: `priming line: ${p.text ?? ''}`, ink: '#6b7280' });
        const r = synthesize(model.net, needText(), { bias, rng: createRng(mixSeed(seed, i)), priming: p });
        lines.push({ traces: offsetsToTraces(r.offsets, model.stats), label: `primed sample (bias ${bias})` });
      });
      svg = renderSvg(lines, { width, labelFont: font });
    }
    const out = writeFigure(stringOption(values, 'out') ?? `${kind}.png`, svg);
    if (values.json === true) io.out.write(`${JSON.stringify({ out, kind, model: model.dir, ...info })}\n`);
    else io.out.write(`wrote ${out}\n`);
  },
};
