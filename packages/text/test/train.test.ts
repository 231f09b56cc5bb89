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
