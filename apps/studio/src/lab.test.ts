/**
 * The page's live checks and checkpoint paths on the cpu backend in Node (the browser run is `pnpm smoke`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRng, encodeCheckpoint } from '@seqgen/core';
import { HandwritingModel, resolveModelConfig } from '@seqgen/handwriting';
import { TEXT_CHECKPOINT_KIND, TextModel } from '@seqgen/text';
import { backendOrder } from './backend.js';
import { loadHandModel, writeSvg } from './hand-model.js';
import { gradientSelfTest, trainTinyLanguageModel } from './lab.js';
import { loadTextModel, streamText } from './text-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('gradientSelfTest', () => {
  it('gives [2, 4] and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    expect(await gradientSelfTest()).toEqual({ grad: [2, 4], ok: true });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('trainTinyLanguageModel', () => {
  it('lowers the loss over 12 steps from about ln K', async () => {
    const steps: number[] = [];
    const r = await trainTinyLanguageModel({ steps: 12, hiddenSize: 16, onStep: (s) => void steps.push(s) });
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(r.vocabulary).toHaveLength(28);
    expect(r.losses[0]).toBeGreaterThan(0.9 * Math.log(28));
    expect(r.losses[0]).toBeLessThan(1.2 * Math.log(28));
    expect(r.losses[11]!).toBeLessThan(0.9 * r.losses[0]!);
    // 1 layer × 16, I = K = 28: 4·16·(28 + 16) + 4·16 + 3·16 + 16·28 + 28 (paper.md §1.2)
    expect(r.weights).toBe(4 * 16 * 44 + 64 + 48 + 16 * 28 + 28);
  });
});

describe('backendOrder', () => {
  it('is wasm then cpu by default, one backend when forced', () => {
    expect(backendOrder(null)).toEqual(['wasm', 'cpu']);
    expect(backendOrder('auto')).toEqual(['wasm', 'cpu']);
    expect(backendOrder('cpu')).toEqual(['cpu']);
    expect(() => backendOrder('webgl')).toThrow('unknown backend "webgl" in ?backend=, expected one of wasm, cpu or auto');
  });
});

describe('text checkpoints', () => {
  it('loads a text-lm checkpoint and samples the same text for the same seed', async () => {
    const vocabulary = { unit: 'char' as const, symbols: ['\n', ' ', 'a', 'b'], separator: '' as const };
    const model = TextModel.create(
      { hiddenSizes: [8], peepholes: true, inputSkips: true, outputSkips: true, lstmClip: 1, outputClip: null, initScale: null, forgetBias: 0 },
      vocabulary,
      createRng(5),
    );
    const fields = model.checkpointFields();
    const { json, weightData } = await encodeCheckpoint({ kind: TEXT_CHECKPOINT_KIND, ...fields, tensors: { ...model.params } });
    model.dispose();
    const loaded = loadTextModel({ json, weightData, source: 'mem/model.json' });
    expect(loaded.summary).toBe('char model, 4 symbols, hidden [8], 476 weights');
    const sample = async (): Promise<string> => {
      let text = '';
      const r = await streamText(loaded.model, { length: 30, temperature: 1, prime: 'ab', seed: 9, onText: (t) => (text += t), yieldEvery: 1000 });
      expect(r.symbols).toBe(30);
      return text;
    };
    const a = await sample();
    expect(a).toMatch(/^[\n ab]{30}$/);
    expect(await sample()).toBe(a);
    let n = 0;
    const stopped = await streamText(loaded.model, { length: 30, temperature: 1, prime: '', seed: 9, onText: () => {}, shouldStop: () => ++n >= 5 });
    expect(stopped.symbols).toBe(5);
    loaded.model.dispose();
  });
});

describe('handwriting checkpoints', () => {
  it('loads a synthesis checkpoint and writes SVG ink', async () => {
    const alphabet = ['#', ' ', 'a', 'b'];
    const model = new HandwritingModel(resolveModelConfig({ task: 'synthesis', hiddenSizes: [8], mixtures: 2, windowMixtures: 2, alphabet }), createRng(3));
    const { json, weightData } = await encodeCheckpoint({
      kind: 'handwriting-synthesis',
      config: model.config,
      data: { offsetMean: [0.5, 0], offsetStd: [2, 2], styles: [{ text: 'ab', writer: 'w1', offsets: [0, 0, 0, 1, 1, 1] }] },
      tensors: { ...model.params },
    });
    model.dispose();
    const hand = loadHandModel({ json, weightData, source: 'mem/model.json' });
    expect(hand.summary).toBe('synthesis network, hidden [8], 2 mixtures, 2 window Gaussians, 4 characters, 1 styles');
    expect(hand.stats).toEqual({ mean: [0.5, 0], std: [2, 2] });
    const r = writeSvg(hand, 'ab z', { bias: 1, seed: 1, style: 0 });
    expect(r.steps).toBeGreaterThan(0);
    expect(r.steps).toBeLessThanOrEqual(4 * 60);
    expect(r.svg).toMatch(/^<svg[^>]+width="900"/);
    expect(r.svg).toContain('<path');
    expect(writeSvg(hand, 'ab z', { bias: 1, seed: 1, style: 0 }).svg).toBe(r.svg);
    expect(writeSvg(hand, 'a', { bias: 0, seed: 2, style: 1 }).steps).toBeGreaterThan(0);
  });

  it('refuses a checkpoint without the offset statistics, naming the source', async () => {
    const model = new HandwritingModel(resolveModelConfig({ task: 'prediction', hiddenSizes: [4], mixtures: 1 }), createRng(1));
    const { json, weightData } = await encodeCheckpoint({ kind: 'handwriting-prediction', config: model.config, tensors: { ...model.params } });
    model.dispose();
    expect(() => loadHandModel({ json, weightData, source: 'x/model.json' })).toThrow(
      "x/model.json: 'data' must hold offsetMean and offsetStd ([x, y] each, the training normalisation)",
    );
  });
});
