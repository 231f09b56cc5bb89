/**
 * `seqgen hand eval`: validation/test log-loss in the paper's units (nats per line and per point) and SSE
 * (Graves 2013 Tables 3–4); with `--stop-rule N`, the stop-rule check on N sentences the model has not seen.
 */
import { resolve } from 'node:path';
import { createRng } from '@seqgen/core';
import { mixSeed, synthTextLines, type HandwritingSplit } from '@seqgen/datasets';
import { readBrownParagraphs } from '@seqgen/datasets/node';
import { evaluate, synthesize } from '@seqgen/handwriting';
import { numberOption, stringOption, UsageError, type Command } from '../command.js';
import { initBackend } from '../backend.js';
import { loadHandData } from '../hand/data.js';
import { loadHandModel, type HandTrainingState } from '../hand/model-io.js';
import { defaultModelDir, loadSamplingModel } from '../hand/sampling.js';
import type { HandRunConfig } from '../hand/run-config.js';

/** Result of the stop-rule check. */
export interface StopRuleReport {
  sentences: number;
  /** Stopped by the paper's rule with the window on the last or second-to-last character. */
  withinOneCharacter: number;
  stoppedByRule: number;
  hitStepCap: number;
  meanPointsPerCharacter: number;
  /** Mean points drawn while the window was on the last character (a normal letter takes ≈ meanPointsPerCharacter). */
  meanPointsOnLastCharacter: number;
  /** Most points drawn on the last character in any sentence. */
  maxPointsOnLastCharacter: number;
  failures: Array<{ text: string; stop: string; lastCharacter: number; characters: number }>;
}

/**
 * Sentences the training texts do not contain: Brown corpus lines from paragraphs after the first `skip`,
 * wrapped to `maxChars`, excluding any training text.
 */
export function unseenSentences(count: number, trainingTexts: ReadonlySet<string>, maxChars: number, skip = 12_000): string[] {
  const paragraphs = readBrownParagraphs(skip + 4000).slice(skip);
  return synthTextLines(paragraphs, maxChars).filter((t) => !trainingTexts.has(t) && /^[A-Za-z ,.?]+$/.test(t)).slice(0, count);
}

export const handEvalCommand: Command = {
  path: ['hand', 'eval'],
  summary: 'evaluate a handwriting model: log-loss (nats/line, nats/point), SSE; --stop-rule N checks the stop rule',
  usage: [
    'Examples:',
    '  seqgen hand eval --model runs/hand-synth/best',
    '  seqgen hand eval --stop-rule 50                    # the shipped model on 50 unseen sentences',
  ].join('\n'),
  options: {
    model: { type: 'string' },
    split: { type: 'string' },
    lines: { type: 'string' },
    data: { type: 'string' },
    'stop-rule': { type: 'string' },
    bias: { type: 'string' },
    seed: { type: 'string' },
  },
  optionHelp: {
    model: 'checkpoint directory (default: the shipped synthesis model)',
    split: 'validation (default) | test | train',
    lines: 'evaluate at most this many lines (default all)',
    data: "dataset cache or 'hershey' (default: the data the model was trained on)",
    'stop-rule': 'also write N unseen sentences and count how many stop within one character of the end',
    bias: 'sampling bias for --stop-rule (default 0.75)',
    seed: 'seed for --stop-rule (default 1)',
  },
  async run(args, io) {
    const { values } = args;
    const json = values.json === true;
    const split = (stringOption(values, 'split') ?? 'validation') as HandwritingSplit;
    if (!['validation', 'test', 'train'].includes(split)) throw new UsageError(`--split expects validation | test | train, got '${split}'`);
    await initBackend({ requested: stringOption(values, 'backend') });
    const dir = resolve(stringOption(values, 'model') ?? defaultModelDir());
    const loaded = await loadHandModel(dir);
    for (const t of [...Object.values(loaded.optimizerState), ...Object.values(loaded.noiseState)]) t.dispose();
    const run = (loaded.training as HandTrainingState | null)?.run as HandRunConfig | undefined;
    const dataSpec = stringOption(values, 'data') !== undefined ? { ...(run?.data ?? {}), source: stringOption(values, 'data') as string } : run?.data;
    if (!dataSpec) throw new UsageError(`${dir} does not record its training data; give --data`);
    const { dataset, from } = loadHandData(dataSpec, (m) => io.err.write(`${m}\n`));
    let lines = dataset.lines.filter((l) => l.split === split);
    if (values.lines !== undefined) lines = lines.slice(0, numberOption(values, 'lines', lines.length));
    if (lines.length === 0) throw new UsageError(`${from} has no ${split} lines`);
    const t0 = performance.now();
    const report = evaluate(loaded.model, lines, { batchSize: 32, ...(run ? { maxSteps: run.train.maxPoints } : {}) });
    const result: Record<string, unknown> = { model: dir, task: loaded.model.config.task, data: from, split, ...report, seconds: (performance.now() - t0) / 1000 };
    loaded.model.dispose();
    const n = values['stop-rule'] !== undefined ? numberOption(values, 'stop-rule', 50) : 0;
    if (n > 0) {
      if (loaded.model.config.task !== 'synthesis') throw new UsageError('--stop-rule needs a synthesis model');
      const sampling = await loadSamplingModel(dir);
      const texts = unseenSentences(n, new Set(dataset.lines.map((l) => l.text)), run?.data.maxChars ?? 30);
      const bias = numberOption(values, 'bias', 0.75);
      const seed = numberOption(values, 'seed', 1);
      const stop: StopRuleReport = { sentences: texts.length, withinOneCharacter: 0, stoppedByRule: 0, hitStepCap: 0, meanPointsPerCharacter: 0, meanPointsOnLastCharacter: 0, maxPointsOnLastCharacter: 0, failures: [] };
      let points = 0;
      let chars = 0;
      texts.forEach((text, i) => {
        const r = synthesize(sampling.net, text, { bias, rng: createRng(mixSeed(seed, i)) });
        const U = [...text].length;
        points += r.steps;
        chars += U;
        stop.meanPointsOnLastCharacter += r.stepsOnLastCharacter / texts.length;
        stop.maxPointsOnLastCharacter = Math.max(stop.maxPointsOnLastCharacter, r.stepsOnLastCharacter);
        if (r.stop === 'window') stop.stoppedByRule++;
        else stop.hitStepCap++;
        if (r.stop === 'window' && r.lastCharacter >= U - 1) stop.withinOneCharacter++;
        else stop.failures.push({ text, stop: r.stop, lastCharacter: r.lastCharacter, characters: U });
      });
      stop.meanPointsPerCharacter = points / Math.max(1, chars);
      result.stopRule = { bias, ...stop };
    }
    if (json) {
      io.out.write(`${JSON.stringify(result)}\n`);
      return;
    }
    io.out.write(
      `${split}: ${report.lines} lines, ${report.points} points: ${report.nllPerSequence.toFixed(1)} nats/line, ` +
        `${report.nllPerPoint.toFixed(4)} nats/point, SSE ${report.ssePerPoint.toFixed(4)} per point (normalised units)\n`,
    );
    const s = result.stopRule as (StopRuleReport & { bias: number }) | undefined;
    if (s) {
      io.out.write(
        `stop rule (bias ${s.bias}): ${s.withinOneCharacter}/${s.sentences} unseen sentences ended within one character of the end ` +
          `(${s.stoppedByRule} by the rule, ${s.hitStepCap} at the step cap; ${s.meanPointsPerCharacter.toFixed(1)} points/char; ` +
          `points on the last character: mean ${s.meanPointsOnLastCharacter.toFixed(1)}, max ${s.maxPointsOnLastCharacter})\n`,
      );
      for (const f of s.failures) io.out.write(`  failed: "${f.text}" (${f.stop}, window at ${f.lastCharacter}/${f.characters})\n`);
    }
  },
};
