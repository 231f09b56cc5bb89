import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@seqgen/core';
import { decodeCheckpoint, encodeCheckpoint } from '@seqgen/core/train';
import { describe, expect, it } from 'vitest';
import { learningRateAt, parseModelConfig, parseTrainingConfig, type TextTrainingConfig } from '../src/config.js';
import { evaluate } from '../src/evaluate.js';
import { TextModel } from '../src/text-model.js';
import { readTrainingJson, TextTrainer } from '../src/trainer.js';
import { charVocabulary, ids } from './helpers.js';

const corpus = 'hello world, hello seqgen. '.repeat(24);
const vocab = charVocabulary(corpus);
const data = ids(vocab, corpus);

describe('training', () => {
  it('overfits a tiny corpus (training BPC falls from log2 K to < 0.6)', async () => {
    const config = parseTrainingConfig({
      batchSize: 4,
      seqLength: 16,
      resetEvery: 0,
      optimizer: { name: 'adam', learningRate: 0.02 },
      epochs: 30,
      validateEvery: 0,
    });
    const model = TextModel.create(parseModelConfig({ hiddenSizes: [32] }), vocab, createRng(1));
    const before = await evaluate(model, data, { batchSize: 4, seqLength: 32 });
    expect(before.bitsPerSymbol).toBeGreaterThan(3);
    const trainer = new TextTrainer({ model, train: data, config });
    const reason = await trainer.run();
    expect(reason).toBe('epochs');
    expect(trainer.runState.step).toBe(trainer.totalSteps);
    const after = await evaluate(model, data, { batchSize: 4, seqLength: 32 });
    expect(after.bitsPerSymbol).toBeLessThan(0.6);
    expect(after.errorRate).toBeLessThan(0.15);
    trainer.dispose();
    model.dispose();
  });

  it('halves the learning rate every half-life, in steps of 100 updates', () => {
    const c = parseTrainingConfig({ optimizer: { name: 'adam', learningRate: 0.008 }, learningRateHalfLife: 200 });
    expect(learningRateAt(c, 0)).toBe(0.008);
    expect(learningRateAt(c, 199)).toBeCloseTo(0.008 * 0.5 ** 0.5, 12);
    expect(learningRateAt(c, 400)).toBeCloseTo(0.002, 12);
    expect(learningRateAt({ ...c, learningRateHalfLife: null }, 5000)).toBe(0.008);
  });

  it('learning-rate decay: linear and cosine to final · lr₀ over `steps` updates, then final; validated', () => {
    const lin = parseTrainingConfig({ optimizer: { name: 'adam', learningRate: 0.01 }, learningRateHalfLife: null, learningRateDecay: { shape: 'linear', steps: 1000, final: 0.1 } });
    expect(lin.learningRateHalfLife).toBeNull();
    expect(learningRateAt(lin, 0)).toBe(0.01);
    expect(learningRateAt(lin, 599)).toBeCloseTo(0.01 * (0.1 + 0.9 * 0.5), 12); // s rounded down to 500
    expect(learningRateAt(lin, 1000)).toBeCloseTo(0.001, 12);
    expect(learningRateAt(lin, 5000)).toBeCloseTo(0.001, 12);
    const cos = parseTrainingConfig({ optimizer: { name: 'adam', learningRate: 0.01 }, learningRateDecay: { shape: 'cosine', steps: 1000 } });
    expect(cos.learningRateDecay?.final).toBe(0.01); // the default
    expect(cos.learningRateHalfLife).toBeNull(); // a default half-life gives way to an explicit decay
    expect(learningRateAt(cos, 500)).toBeCloseTo(0.01 * (0.01 + 0.99 * 0.5), 12);
    expect(learningRateAt(cos, 250)).toBeCloseTo(0.01 * (0.01 + (0.99 * (1 + Math.cos(0.2 * Math.PI))) / 2), 12); // s = 200
    expect(learningRateAt(cos, 1000)).toBeCloseTo(0.0001, 12);
    expect(() => parseTrainingConfig({ learningRateHalfLife: 100, learningRateDecay: { shape: 'linear', steps: 10 } })).toThrow(/cannot both be set/);
    expect(() => parseTrainingConfig({ learningRateDecay: { shape: 'step', steps: 10 } })).toThrow(/training.learningRateDecay.shape is "step", expected "linear" or "cosine"/);
    expect(() => parseTrainingConfig({ learningRateDecay: { shape: 'linear', steps: 0 } })).toThrow(/steps is 0, expected a positive integer/);
    expect(() => parseTrainingConfig({ learningRateDecay: { shape: 'linear', steps: 10, final: 2 } })).toThrow(/final is 2, expected a number > 0 and ≤ 1/);
    // A rate of 0 is refused (optimisers refuse it; a run that outlasts its decay would stop there).
    expect(() => parseTrainingConfig({ learningRateDecay: { shape: 'linear', steps: 10, final: 0 } })).toThrow(/final is 0, expected a number > 0/);
  });

  it('a linear decay over the run: fitted to maxSteps, or to a time budget at the measured rate after a validation; saved for resume', async () => {
    const base = { batchSize: 2, seqLength: 4, resetEvery: 7, optimizer: { name: 'adam', learningRate: 0.01 }, epochs: 100 };
    const modelConfig = parseModelConfig({ hiddenSizes: [4] });
    // Update limit: the decay spans maxSteps; lr at update 300 (s = 300 of 400) is lr₀ · (0.1 + 0.9 · 0.25).
    const config = parseTrainingConfig({ ...base, validateEvery: 0, learningRateDecay: { shape: 'linear', steps: 'run', final: 0.1 } });
    const m1 = TextModel.create(modelConfig, vocab, createRng(3));
    const byLimit = new TextTrainer({ model: m1, train: data, config });
    const fits: unknown[] = [];
    await byLimit.run({ maxSteps: 400, shouldStop: () => byLimit.runState.step >= 301, onScheduleFitted: (f) => void fits.push(f) });
    expect(fits).toEqual([{ steps: 400 }]);
    expect(byLimit.runState.decaySteps).toBe(400);
    expect(byLimit.optimizer.spec).toMatchObject({ learningRate: expect.closeTo(0.01 * (0.1 + 0.9 * 0.25), 12) });
    // Time budget: a fake clock at 30 ms per update for the first 100 (warm-up, left out of the measurement), then
    // 10 ms; validation every 100 updates costs 1 s (clock advanced by onValidate). Measured from update 100 to the
    // first validation ≥ 500 updates later (600): rate = 500 / (5 + 5 · 1) s = 50/s (42.9 had the warm-up counted).
    let now = 0;
    const timed = parseTrainingConfig({ ...base, validateEvery: 100, validateSymbols: 16, learningRateDecay: { shape: 'linear', steps: 'run', final: 0.001 } });
    const m2 = TextModel.create(modelConfig, vocab, createRng(3));
    const byTime = new TextTrainer({ model: m2, train: data, valid: data.slice(0, 64), config: timed, clock: () => now });
    const fitsT: Array<{ steps: number; updatesPerSecond?: number }> = [];
    await byTime.run({
      maxSteps: 100_000,
      shouldStop: () => byTime.runState.step >= 650,
      onStep: (info) => void (now += info.step <= 100 ? 30 : 10),
      onValidate: () => void (now += 1000),
      secondsLeft: () => 60 - now / 1000,
      onScheduleFitted: (f) => void fitsT.push(f),
    });
    expect(fitsT).toHaveLength(1);
    expect(fitsT[0]?.updatesPerSecond).toBeCloseTo(50, 9);
    expect(fitsT[0]?.steps).toBe(600 + 50 * 46); // 46 s left of the 60 s budget at update 600 (3 + 5 + 6 · 1 s used)
    expect(byTime.runState.decaySteps).toBe(2900);
    // Before the fit the rate was lr₀; the checkpoint carries the fitted length and a resume keeps it.
    const content = byTime.checkpointContent();
    const { json, weightData } = await encodeCheckpoint(content);
    tf.dispose(Object.values(content.tensors));
    const decoded = decodeCheckpoint(json, weightData, { kind: 'text-lm' });
    const training = readTrainingJson(decoded.training, 'mem');
    expect(training.run.decaySteps).toBe(2900);
    const model = TextModel.fromCheckpoint(decoded, 'mem');
    const resumed = new TextTrainer({ model, train: data, config: training.config, resume: { run: training.run, tensors: decoded.tensors, source: 'mem' } });
    tf.dispose(Object.values(decoded.tensors));
    const again: unknown[] = [];
    await resumed.run({ maxSteps: 1600, secondsLeft: () => 5, onScheduleFitted: (f) => void again.push(f) });
    expect(again).toEqual([]);
    expect(resumed.optimizer.spec).toMatchObject({ learningRate: expect.closeTo(0.01 * (0.001 + 0.999 * (1 - 1500 / 2900)), 12) });
    expect(() => readTrainingJson({ ...(decoded.training as object), run: { ...training.run, decaySteps: 2.5 } }, 'mem')).toThrow(/no valid training state/);
    for (const x of [byLimit, byTime, resumed]) x.dispose();
    for (const m of [m1, m2, model]) m.dispose();
  });

  it('resumes exactly across a learning-rate change: 150 + 60 updates = 210 uninterrupted (Adam, half-life 50)', async () => {
    const config = parseTrainingConfig({
      batchSize: 2,
      seqLength: 4,
      resetEvery: 7,
      optimizer: { name: 'adam', learningRate: 0.01 },
      learningRateHalfLife: 50,
      epochs: 100,
      validateEvery: 0,
    });
    const modelConfig = parseModelConfig({ hiddenSizes: [4] });
    const straightModel = TextModel.create(modelConfig, vocab, createRng(3));
    const straight = new TextTrainer({ model: straightModel, train: data, config });
    await straight.run({ maxSteps: 210 });
    expect(straight.optimizer.spec).toMatchObject({ learningRate: 0.01 * 0.5 ** 4 });
    const firstModel = TextModel.create(modelConfig, vocab, createRng(3));
    const first = new TextTrainer({ model: firstModel, train: data, config });
    await first.run({ maxSteps: 150 });
    const content = first.checkpointContent();
    const { json, weightData } = await encodeCheckpoint(content);
    tf.dispose(Object.values(content.tensors));
    first.dispose();
    firstModel.dispose();
    const decoded = decodeCheckpoint(json, weightData, { kind: 'text-lm' });
    const model = TextModel.fromCheckpoint(decoded, 'mem');
    const training = readTrainingJson(decoded.training, 'mem');
    const resumed = new TextTrainer({ model, train: data, config: training.config, resume: { run: training.run, tensors: decoded.tensors, source: 'mem' } });
    tf.dispose(Object.values(decoded.tensors));
    await resumed.run({ maxSteps: 210 });
    for (const [name, v] of Object.entries(straightModel.params)) {
      expect(Array.from((model.params[name] as tf.Variable).dataSync()), name).toEqual(Array.from(v.dataSync()));
    }
    for (const x of [straight, resumed]) x.dispose();
    for (const m of [straightModel, model]) m.dispose();
  });

  it('resumes exactly: checkpoint after 3 updates + 4 more = 7 uninterrupted (weights, optimiser, noise, state)', async () => {
    const config: TextTrainingConfig = parseTrainingConfig({
      batchSize: 3,
      seqLength: 8,
      resetEvery: 2, // exercises the periodic reset across the interruption
      optimizer: { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
      weightNoise: 0.01, // exercises the random stream
      epochs: 10,
      validateEvery: 0,
      seed: 7,
    });
    const modelConfig = parseModelConfig({ hiddenSizes: [6, 5], lstmClip: 1 });

    const straightModel = TextModel.create(modelConfig, vocab, createRng(config.seed));
    const straight = new TextTrainer({ model: straightModel, train: data, config });
    await straight.run({ maxSteps: 7 });

    const firstModel = TextModel.create(modelConfig, vocab, createRng(config.seed));
    const first = new TextTrainer({ model: firstModel, train: data, config });
    let steps = 0;
    // Interrupted like Ctrl-C: shouldStop turns true after the third update.
    expect(await first.run({ shouldStop: () => steps >= 3, onStep: () => void steps++ })).toBe('stopped');
    const content = first.checkpointContent({ createdBy: 'test' });
    const { json, weightData } = await encodeCheckpoint(content);
    tf.dispose(Object.values(content.tensors));
    first.dispose();
    firstModel.dispose();

    const decoded = decodeCheckpoint(JSON.parse(JSON.stringify(json)), weightData, { kind: 'text-lm', source: 'mem' });
    const resumedModel = TextModel.fromCheckpoint(decoded, 'mem');
    const training = readTrainingJson(decoded.training, 'mem');
    expect(training.run.step).toBe(3);
    const resumed = new TextTrainer({
      model: resumedModel,
      train: data,
      config: training.config,
      resume: { run: training.run, tensors: decoded.tensors, source: 'mem' },
    });
    tf.dispose(Object.values(decoded.tensors));
    await resumed.run({ maxSteps: 7 });
    expect(resumed.runState.step).toBe(7);
    expect(resumed.runState.position).toEqual(straight.runState.position);
    expect(resumed.runState.rngState).toBe(straight.runState.rngState);
    for (const [name, v] of Object.entries(straightModel.params)) {
      const a = v.dataSync();
      const b = (resumedModel.params[name] as tf.Variable).dataSync();
      expect(Array.from(b), name).toEqual(Array.from(a));
    }
    // And the resumed run did move the weights (the comparison is not vacuous).
    const init = TextModel.create(modelConfig, vocab, createRng(config.seed));
    const moved = Math.max(...Array.from(tf.abs(tf.sub(init.params["lstm/0/wh"] as tf.Variable, straightModel.params["lstm/0/wh"] as tf.Variable)).dataSync()));
    expect(moved).toBeGreaterThan(1e-3);
    for (const x of [straight, resumed]) x.dispose();
    for (const m of [straightModel, resumedModel, init]) m.dispose();
  });
});
