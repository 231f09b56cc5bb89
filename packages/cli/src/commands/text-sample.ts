/**
 * `seqgen text sample`: generates text from a checkpoint (Graves 2013 §3, Figs. 5–8 are such samples),
 * streaming it to stdout as it is generated. Multinomial sampling with temperature, priming text, length, seed.
 */
import { createRng } from '@seqgen/core';
import { sampleText } from '@seqgen/text';
import { initBackend } from '../backend.js';
import { numberOption, stringOption, UsageError, type Command } from '../command.js';
import { disposeLoaded, loadTextCheckpoint } from '../text/checkpoints.js';

export const textSampleCommand: Command = {
  path: ['text', 'sample'],
  summary: 'generate text from a text checkpoint, streamed as it is generated',
  usage: [
    'Examples:',
    '  seqgen text sample --checkpoint runs/text-default',
    '  seqgen text sample --checkpoint runs/brown/best --prime "The jury said" --length 1000 --temperature 0.8 --seed 7',
    'Temperature 1 samples the model as trained (the paper); lower is more conservative, 0 always takes the most likely symbol.',
  ].join('\n'),
  options: {
    checkpoint: { type: 'string' },
    length: { type: 'string' },
    temperature: { type: 'string' },
    prime: { type: 'string' },
    seed: { type: 'string' },
    'show-prime': { type: 'boolean' },
    path: { type: 'string' },
  },
  optionHelp: {
    checkpoint: 'a checkpoint directory or a run folder (uses best/, else latest/); required',
    length: 'symbols to generate (default 500)',
    temperature: 'softmax temperature (default 1 = the paper; 0 = argmax)',
    prime: 'text the model reads first (default: a newline)',
    seed: 'random seed (default 1); same seed + backend = same text',
    'show-prime': 'print the priming text before the sample',
    path: 'auto (default) = fast: typed-array LSTM steps (WebAssembly SIMD); tfjs: one tfjs step per symbol on the backend',
  },
  async run(args, io) {
    const v = args.values as never;
    const checkpoint = stringOption(v, 'checkpoint');
    if (checkpoint === undefined) throw new UsageError('--checkpoint <dir> is required (a checkpoint directory or a runs/<name> folder)');
    const length = numberOption(v, 'length', 500);
    if (!Number.isInteger(length) || length < 0) throw new UsageError(`--length expects an integer >= 0, got '${String(args.values.length)}'`);
    const temperature = numberOption(v, 'temperature', 1);
    if (!(temperature >= 0)) throw new UsageError(`--temperature expects a number >= 0, got '${String(args.values.temperature)}'`);
    const seed = numberOption(v, 'seed', 1);
    const prime = stringOption(v, 'prime');
    const path = stringOption(v, 'path') ?? 'auto';
    if (path !== 'auto' && path !== 'fast' && path !== 'tfjs') throw new UsageError(`--path expects auto, fast or tfjs, got '${path}'`);
    const json = args.values.json === true;
    await initBackend({ requested: stringOption(v, 'backend') });
    const loaded = await loadTextCheckpoint(checkpoint);
    disposeLoaded(loaded);
    try {
      if (!json && args.values['show-prime'] === true && prime !== undefined) io.out.write(prime);
      const start = performance.now();
      const result = await sampleText(loaded.model, {
        length,
        path,
        temperature,
        rng: createRng(seed),
        ...(prime !== undefined && { prime }),
        onText: (text) => {
          if (!json) io.out.write(text);
        },
      });
      const seconds = (performance.now() - start) / 1000;
      const speed = {
        path: result.path,
        kernel: result.kernel,
        seconds: Number(seconds.toFixed(4)),
        symbolsPerSecond: seconds > 0 ? Math.round(result.ids.length / seconds) : null,
      };
      if (json) {
        io.out.write(`${JSON.stringify({ event: 'sample', checkpoint: loaded.dir, seed, temperature, prime: prime ?? null, length, text: result.text, ...speed })}\n`);
      } else {
        io.out.write('\n');
      }
      if (args.values.verbose === true) {
        const how = result.path === 'fast' ? `fast path (typed-array LSTM, ${result.kernel} kernel)` : 'tfjs path';
        io.err.write(`sampled ${result.ids.length} symbols in ${seconds.toFixed(3)} s (${speed.symbolsPerSecond ?? '-'} symbols/s, batch 1, ${how})\n`);
      }
    } finally {
      loaded.model.dispose();
    }
    return 0;
  },
};
