import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@seqgen/core';
import { describeBackends, expectNoLeaks } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import { charVocabulary } from '../test/helpers.js';
import { parseModelConfig } from './config.js';
import { defaultPrimeId, sampleLogits, sampleText } from './sample.js';
import { TextModel } from './text-model.js';

const vocab = charVocabulary('abc \n');

describe('sampleLogits', () => {
  it('draws from softmax(logits / T) and takes the argmax at T = 0', () => {
    const rng = createRng(1);
    const counts = [0, 0, 0];
    const logits = [Math.log(0.2), Math.log(0.5), Math.log(0.3)];
    for (let i = 0; i < 20000; i++) counts[sampleLogits(logits, 1, rng)]! += 1;
    expect(counts[0]! / 20000).toBeCloseTo(0.2, 1);
    expect(counts[1]! / 20000).toBeCloseTo(0.5, 1);
    expect(sampleLogits(logits, 0, rng)).toBe(1);
    // T = 0.5 squares the probabilities: 0.04 : 0.25 : 0.09.
    const sharp = [0, 0, 0];
    for (let i = 0; i < 20000; i++) sharp[sampleLogits(logits, 0.5, rng)]! += 1;
    expect(sharp[1]! / 20000).toBeCloseTo(0.25 / 0.38, 1);
    expect(() => sampleLogits(logits, -1, rng)).toThrow(/temperature must be a number >= 0/);
  });
});

describeBackends(['cpu', 'wasm'], 'sampleText', () => {
  it('is reproducible from the seed, streams every symbol, and honours priming', async () => {
    const model = TextModel.create(parseModelConfig({ hiddenSizes: [8] }), vocab, createRng(4));
    expect(vocab.symbols[defaultPrimeId(model)]).toBe('\n');
    const pieces: string[] = [];
    const a = await sampleText(model, { length: 40, rng: createRng(9), prime: 'ab', onText: (t) => pieces.push(t) });
    const b = await sampleText(model, { length: 40, rng: createRng(9), prime: 'ab' });
    const c = await sampleText(model, { length: 40, rng: createRng(10), prime: 'ab' });
    expect(a.ids.length).toBe(40);
    expect(a.text).toBe(b.text);
    expect(c.text).not.toBe(a.text);
    expect(pieces.join('')).toBe(a.text);
    const greedy1 = await sampleText(model, { length: 10, rng: createRng(1), temperature: 0, prime: 'ab' });
    const greedy2 = await sampleText(model, { length: 10, rng: createRng(2), temperature: 0, prime: 'ab' });
    expect(greedy1.text).toBe(greedy2.text);
    await expect(sampleText(model, { length: 3, rng: createRng(1), prime: 'abz' })).rejects.toThrow(/"z" \(U\+007A\) at position 2/);
    await expectNoLeaks(() => sampleText(model, { length: 5, rng: createRng(1), prime: 'abc' }));
    model.dispose();
  });
});

describe('priming', () => {
  it('conditions on the whole priming text: forward over the prime equals stepping through it', async () => {
    const model = TextModel.create(parseModelConfig({ hiddenSizes: [8, 8] }), vocab, createRng(4));
    // Greedy continuation after a long prime must equal one computed by stepping manually.
    const prime = 'abc ab';
    const out = await sampleText(model, { length: 1, rng: createRng(1), temperature: 0, prime });
    let state = model.zeroState(1);
    let logits: tf.Tensor2D | undefined;
    for (const ch of prime) {
      const r = model.step(tf.tensor1d([vocab.symbols.indexOf(ch)], 'int32'), state);
      logits?.dispose();
      logits = r.logits;
      state = r.state;
    }
    const expected = tf.argMax(logits as tf.Tensor2D, 1).dataSync()[0];
    expect(out.ids[0]).toBe(expected);
    model.dispose();
  });
});
