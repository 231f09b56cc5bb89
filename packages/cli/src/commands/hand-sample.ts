/**
 * `seqgen hand sample`: unconditional samples from a prediction network (Graves 2013 §4.4, Figs. 11), optionally
 * biased (Eqs. 61–62) or primed with a line, one row per bias.
 */
import { createRng } from '@seqgen/core';
import { mixSeed, offsetsToTraces } from '@seqgen/datasets';
import { loadHersheyFonts } from '@seqgen/datasets/node';
import { renderSvg, sampleUnconditional, type RenderLine } from '@seqgen/handwriting';
import { numberOption, stringOption, UsageError, type Command } from '../command.js';
import { initBackend } from '../backend.js';
import { loadPriming, loadSamplingModel, writeFigure } from '../hand/sampling.js';

export const handSampleCommand: Command = {
  path: ['hand', 'sample'],
  summary: 'unconditional handwriting samples from a prediction network (optionally biased or primed)',
  usage: [
    'Examples:',
    '  seqgen hand sample --model runs/hand-prediction/best --count 4 -o samples.png',
    '  seqgen hand sample --model runs/hand-prediction/best --bias 0,0.5,1,2 -o biases.png',
  ].join('\n'),
  options: {
    model: { type: 'string' },
    out: { type: 'string', short: 'o' },
    steps: { type: 'string' },
    count: { type: 'string' },
    bias: { type: 'string' },
    seed: { type: 'string' },
    style: { type: 'string' },
    'prime-line': { type: 'string' },
    'prime-cache': { type: 'string' },
    'prime-strokes': { type: 'string' },
    width: { type: 'string' },
  },
  optionHelp: {
    model: 'checkpoint directory (a prediction model; a synthesis model needs `hand write`)',
    out: 'output .svg or .png (default samples.svg)',
    steps: 'points per sample (default 400)',
    count: 'samples per bias (default 3)',
    bias: 'comma-separated biases (default 0)',
    seed: 'random seed (default 1)',
    style: 'prime with the model\'s built-in style N (when it stores any)',
    'prime-line': 'prime with this line id of a dataset cache',
    'prime-cache': 'dataset cache for --prime-line',
    'prime-strokes': 'prime with strokes from an IAM .xml or JSON file',
    width: 'page width in px (default 1000)',
  },
  async run(args, io) {
    const { values } = args;
    const steps = numberOption(values, 'steps', 400);
    const count = numberOption(values, 'count', 3);
    const biases = (stringOption(values, 'bias') ?? '0').split(',').map(Number);
    if (!biases.every((b) => b >= 0)) throw new UsageError(`--bias expects comma-separated numbers >= 0, got '${stringOption(values, 'bias')}'`);
    if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(count) || count < 1) throw new UsageError('--steps and --count expect positive integers');
    const seed = numberOption(values, 'seed', 1);
    await initBackend({ requested: stringOption(values, 'backend') });
    const model = await loadSamplingModel(stringOption(values, 'model'));
    if (model.config.task !== 'prediction') throw new UsageError(`${model.dir} is a synthesis model: use \`seqgen hand write\``);
    const priming = loadPriming(model, {
      ...(stringOption(values, 'style') !== undefined ? { style: numberOption(values, 'style', 1) } : {}),
      ...(stringOption(values, 'prime-line') !== undefined ? { primeLine: stringOption(values, 'prime-line') as string } : {}),
      ...(stringOption(values, 'prime-cache') !== undefined ? { primeCache: stringOption(values, 'prime-cache') as string } : {}),
      ...(stringOption(values, 'prime-strokes') !== undefined ? { primeStrokes: stringOption(values, 'prime-strokes') as string, primeText: '-' } : {}),
    });
    const lines: RenderLine[] = [];
    const t0 = performance.now();
    biases.forEach((bias, bi) => {
      for (let k = 0; k < count; k++) {
        const r = sampleUnconditional(model.net, steps, { bias, rng: createRng(mixSeed(seed, bi * 1000 + k)), ...(priming ? { priming } : {}) });
        lines.push({ traces: offsetsToTraces(r.offsets, model.stats), label: `bias ${bias}, sample ${k + 1}` });
      }
    });
    const out = writeFigure(stringOption(values, 'out') ?? 'samples.svg', renderSvg(lines, { width: numberOption(values, 'width', 1000), labelFont: loadHersheyFonts().futural }));
    const seconds = (performance.now() - t0) / 1000;
    if (values.json === true) io.out.write(`${JSON.stringify({ out, samples: lines.length, steps, biases, seconds })}\n`);
    else io.out.write(`wrote ${out} (${lines.length} samples of ${steps} points, ${seconds.toFixed(2)} s)\n`);
  },
};
