/**
 * `seqgen text eval`: static and dynamic evaluation of a text checkpoint (Graves 2013 Tables 1–2 report both):
 * bits per character/byte, perplexity and next-step error rate, side by side.
 */
import { join } from 'node:path';
import '@seqgen/core/train';
import { ConfigError } from '@seqgen/core';
import {
  assertSameVocabulary,
  disposeStatistics,
  dynamicEvaluate,
  evaluate,
  gradientStatistics,
  vocabularyOf,
  type TextMetrics,
} from '@seqgen/text';
import { initBackend } from '../backend.js';
import { numberOption, stringOption, UsageError, type Command } from '../command.js';
import { Progress } from '../progress.js';
import { disposeLoaded, loadTextCheckpoint } from '../text/checkpoints.js';
import { corpusLines, describeDataSpec, loadTextCorpus, parseDataOption } from '../text/data.js';
import { metricsJson, metricsLine } from './text-train.js';

export const textEvalCommand: Command = {
  path: ['text', 'eval'],
  summary: 'evaluate a text model: bits per symbol, perplexity, error rate; static and dynamic (--dynamic)',
  usage: [
    'Examples:',
    '  seqgen text eval --checkpoint runs/text-default                  # static, test split, data from the checkpoint',
    '  seqgen text eval --checkpoint runs/brown/best --dynamic both --max-symbols 20000',
    '  seqgen text eval --checkpoint runs/penn/best --data ptb:/data/simple-examples --split valid',
    'Dynamic evaluation scores each segment, then updates the weights on it (sgd: the paper; krause: RMS-scaled',
    'with decay to the trained weights, Krause et al. 2018). The checkpoint is never modified.',
  ].join('\n'),
  options: {
    checkpoint: { type: 'string' },
    data: { type: 'string' },
    unit: { type: 'string' },
    unk: { type: 'string' },
    split: { type: 'string' },
    dynamic: { type: 'string' },
    lr: { type: 'string' },
    momentum: { type: 'string' },
    decay: { type: 'string' },
    'seq-length': { type: 'string' },
    'max-symbols': { type: 'string' },
    'batch-size': { type: 'string' },
    'stat-batches': { type: 'string' },
  },
  optionHelp: {
    checkpoint: 'a checkpoint directory or a run folder (uses best/, else latest/); required',
    data: 'data to evaluate on (default: the data the checkpoint was trained on); see `seqgen text train --help`',
    unit: 'char | word | byte',
    unk: 'ptb char: symbol | chars',
    split: 'test (default; valid when the data has no test split) | valid | train',
    dynamic: 'none (default) | sgd | krause | both',
    lr: 'dynamic learning rate (default sgd 1e-4, the paper training rate; krause 5e-5)',
    momentum: 'sgd dynamic evaluation momentum (default 0)',
    decay: 'krause: decay to the trained weights λ (default 0.002)',
    'seq-length': 'segment length of dynamic evaluation (default sgd 100, krause 20)',
    'max-symbols': 'evaluate only the first N symbols of the split (dynamic evaluation runs at batch 1: slow)',
    'batch-size': 'static evaluation streams (default 32)',
    'stat-batches': 'krause: training batches for the gradient statistics (default 20)',
  },
  async run(args, io) {
    const { values } = args;
    const v = values as never;
    const json = values.json === true;
    const say = (m: string): void => {
      if (!json) io.err.write(`${m}\n`);
    };
    const checkpoint = stringOption(v, 'checkpoint');
    if (checkpoint === undefined) throw new UsageError('--checkpoint <dir> is required (a checkpoint directory or a runs/<name> folder)');
    const dynamic = stringOption(v, 'dynamic') ?? 'none';
    if (!['none', 'sgd', 'krause', 'both'].includes(dynamic)) throw new UsageError(`--dynamic expects none | sgd | krause | both, got '${dynamic}'`);
    const maxSymbols = numberOption(v, 'max-symbols', 0);
    const batchSize = numberOption(v, 'batch-size', 32);
    const backend = await initBackend({ requested: stringOption(v, 'backend') });
    const loaded = await loadTextCheckpoint(checkpoint);
    disposeLoaded(loaded);
    const { model } = loaded;
    try {
      const raw = stringOption(v, 'data');
      if (raw === undefined && loaded.data === undefined) {
        throw new UsageError(`${loaded.dir} does not record its training data; give --data`);
      }
      const spec = parseDataOption(raw, stringOption(v, 'unit'), stringOption(v, 'unk'), raw === undefined ? loaded.data : undefined);
      say(`backend ${backend.name}; checkpoint ${loaded.dir}; data ${describeDataSpec(spec)}`);
      const requested = stringOption(v, 'split');
      if (requested !== undefined && !['train', 'valid', 'test'].includes(requested)) throw new UsageError(`--split expects test | valid | train, got '${requested}'`);
      const corpus = await loadTextCorpus(spec, ['train', 'valid']);
      for (const line of corpusLines(corpus)) say(line);
      assertSameVocabulary(model.vocabulary, vocabularyOf(corpus), { model: loaded.dir, data: `the data ${describeDataSpec(spec)}` });
      const split = (requested ?? (corpus.splits.test !== undefined ? 'test' : 'valid')) as 'train' | 'valid' | 'test';
      const ids = corpus.splits[split];
      if (ids === undefined) throw new ConfigError(`the data ${describeDataSpec(spec)} has no ${split} split (it has ${Object.keys(corpus.splits).join(', ')})`);
      const total = maxSymbols > 0 ? Math.min(maxSymbols, ids.length - 1) : ids.length - 1;
      const seqLength = values['seq-length'] === undefined ? undefined : numberOption(v, 'seq-length', 100);
      const results: Array<{ name: string; metrics: TextMetrics; settings?: Record<string, unknown> }> = [];

      const bar = (label: string): { progress: Progress; onProgress: (done: number) => void } => {
        const progress = new Progress({ label, total, unit: 'symbols', stream: io.err, silent: json });
        let last = 0;
        return {
          progress,
          onProgress: (done: number) => {
            progress.tick(done - last);
            last = done;
          },
        };
      };
      {
        const b = bar('static');
        const m = await evaluate(model, ids, { batchSize, maxSymbols, onProgress: b.onProgress });
        b.progress.finish();
        results.push({ name: 'static', metrics: m });
      }
      for (const method of dynamic === 'both' ? (['sgd', 'krause'] as const) : dynamic === 'none' ? [] : [dynamic as 'sgd' | 'krause']) {
        const learningRate = numberOption(v, 'lr', method === 'sgd' ? 1e-4 : 5e-5);
        const settings: Record<string, unknown> = { method, learningRate };
        let stats;
        if (method === 'krause') {
          say(`krause: gradient statistics over ${numberOption(v, 'stat-batches', 20)} training batches…`);
          stats = await gradientStatistics(model, corpus.splits.train, { batches: numberOption(v, 'stat-batches', 20) });
          settings.decay = numberOption(v, 'decay', 0.002);
        }
        const b = bar(`dynamic ${method}`);
        const m = await dynamicEvaluate(model, ids, {
          method,
          learningRate,
          maxSymbols,
          onProgress: b.onProgress,
          ...(seqLength !== undefined && { seqLength }),
          ...(method === 'sgd' && { momentum: numberOption(v, 'momentum', 0) }),
          ...(method === 'krause' && { decay: numberOption(v, 'decay', 0.002), ...(stats && { statistics: stats }) }),
        });
        b.progress.finish();
        if (stats) disposeStatistics(stats);
        settings.seqLength = m.seqLength;
        results.push({ name: `dynamic ${method}`, metrics: m, settings });
      }
      if (json) {
        io.out.write(
          `${JSON.stringify({
            event: 'eval',
            checkpoint: loaded.dir,
            data: spec,
            split,
            conventions: corpus.conventions,
            results: results.map((r) => ({ name: r.name, ...metricsJson(r.metrics), ...(r.settings && { settings: r.settings }) })),
          })}\n`,
        );
      } else {
        const width = Math.max(...results.map((r) => r.name.length));
        io.out.write(`${split} split of ${describeDataSpec(spec)}, checkpoint ${join(loaded.dir)}:\n`);
        for (const r of results) {
          const extra = r.settings ? `  [${Object.entries(r.settings).filter(([k]) => k !== 'method').map(([k, x]) => `${k} ${String(x)}`).join(', ')}]` : '';
          io.out.write(`  ${r.name.padEnd(width)}  ${metricsLine(r.metrics)}${extra}\n`);
        }
      }
    } finally {
      model.dispose();
    }
    return 0;
  },
};
