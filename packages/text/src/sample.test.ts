import * as tf from '@tensorflow/tfjs-core';
import { createRng, FastLstmStack } from '@seqgen/core';
import { describeBackends, expectNoLeaks } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import { charVocabulary } from '../test/helpers.js';
import { parseModelConfig } from './config.js';
import { defaultPrimeId, resolveSamplePath, sampleLogits, sampleText } from './sample.js';
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

describeBackends(['cpu', 'wasm'], 'sampleText: fast path (core FastLstmStack) against the tfjs path', () => {
  const wide = charVocabulary('abcdefghij .,\n');
  /** A 2-layer model with skips and weights ×6 the init, so the softmax is far from uniform. */
  function makeModel(): TextModel {
    const model = TextModel.create(parseModelConfig({ hiddenSizes: [16, 12] }), wide, createRng(4));
    for (const v of Object.values(model.params)) tf.tidy(() => v.assign(tf.add(tf.mul(v, 6), tf.randomUniform(v.shape, -0.2, 0.2, 'float32', 7))));
    return model;
  }

  it('samples the same text for the same seed and reports the path', async () => {
    const model = makeModel();
    for (const temperature of [1, 0.6]) {
      const tfjs = await sampleText(model, { length: 300, rng: createRng(9), prime: 'ab c', path: 'tfjs', temperature });
      const fast = await sampleText(model, { length: 300, rng: createRng(9), prime: 'ab c', path: 'fast', temperature });
      expect(tfjs.path).toBe('tfjs');
      expect(tfjs.kernel).toBeNull();
      expect(fast.path).toBe('fast');
      expect(fast.kernel).toBe('wasm-simd');
      expect(Array.from(fast.ids)).toEqual(Array.from(tfjs.ids));
      expect(fast.text).toBe(tfjs.text);
      // Not a constant stream: the model's choices vary.
      expect(new Set(fast.ids).size).toBeGreaterThan(5);
    }
    const byDefault = await sampleText(model, { length: 20, rng: createRng(9), prime: 'ab c' });
    expect(byDefault.path).toBe('fast');
    expect(resolveSamplePath('auto')).toBe('fast');
    await expect(sampleText(model, { length: 3, rng: createRng(1), path: 'gpu' as never })).rejects.toThrow(/sample path must be 'auto', 'fast' or 'tfjs', got "gpu"/);
    await expectNoLeaks(() => sampleText(model, { length: 20, rng: createRng(1), prime: 'abc', path: 'fast' }));
    await expectNoLeaks(() => sampleText(model, { length: 5, rng: createRng(1), prime: 'abc', path: 'tfjs' }));
    model.dispose();
  });

  it('gives the logits of TextModel.step within 1e-4 along a sampled text', async () => {
    const model = makeModel();
    const { ids } = await sampleText(model, { length: 60, rng: createRng(3), prime: '\n', path: 'tfjs' });
    const net = FastLstmStack.fromStack(model.stack);
    const fastState = net.zeroState();
    let state = model.zeroState(1);
    let worst = 0;
    let scale = 0;
    for (const id of [wide.symbols.indexOf('\n'), ...ids]) {
      const x = tf.tensor1d([id], 'int32');
      const out = model.step(x, state);
      const expected = await out.logits.data();
      const actual = net.step(id, fastState);
      for (let k = 0; k < expected.length; k++) {
        scale = Math.max(scale, Math.abs(expected[k] as number));
        worst = Math.max(worst, Math.abs((actual[k] as number) - (expected[k] as number)));
      }
      tf.dispose([x, out.logits, ...state.h, ...state.c]);
      state = out.state;
    }
    tf.dispose([...state.h, ...state.c]);
    expect(scale).toBeGreaterThan(1);
    expect(worst).toBeLessThan(1e-4);
    model.dispose();
  });
});
