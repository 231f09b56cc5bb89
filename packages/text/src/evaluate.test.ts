import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@seqgen/core';
import { expectNoLeaks } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import { charVocabulary, ids } from '../test/helpers.js';
import { parseModelConfig } from './config.js';
import { evaluate } from './evaluate.js';
import { TextModel } from './text-model.js';

const text = 'the quick brown fox jumps over the lazy dog. '.repeat(4);
const vocab = charVocabulary(text);

function uniformModel(): TextModel {
  const model = TextModel.create(parseModelConfig({ hiddenSizes: [8] }), vocab, createRng(3));
  // Zero output weights and biases: every logit is 0, so Pr = 1/K for every symbol.
  for (const name of ['lstm/out/w', 'lstm/out/b']) {
    const v = model.params[name] as tf.Variable;
    v.assign(tf.zerosLike(v));
  }
  return model;
}

describe('evaluate', () => {
  it('gives log2(K) bits per character for a uniform model, whatever the batching', async () => {
    const model = uniformModel();
    const K = vocab.symbols.length;
    const data = ids(vocab, text);
    for (const batchSize of [1, 3, 7]) {
      const m = await evaluate(model, data, { batchSize, seqLength: 5 });
      expect(m.count).toBe(data.length - 1); // every prediction scored once, remainder included
      expect(m.bitsPerSymbol).toBeCloseTo(Math.log2(K), 5);
      // Argmax of equal logits is symbol 0 (' '): wrong for every target that is not a space.
      const spaces = Array.from(data.subarray(1)).filter((id) => id === 0).length;
      expect(m.errors).toBe(data.length - 1 - spaces);
    }
    model.dispose();
  });

  it('reports per-word perplexity 2^(bits / words) and respects maxSymbols', async () => {
    const model = uniformModel();
    const data = ids(vocab, text);
    const m = await evaluate(model, data, { batchSize: 2, seqLength: 4, maxSymbols: 44 });
    expect(m.count).toBe(44);
    // Targets: "he quick brown fox jumps over the lazy dog. " -> 9 words.
    expect(m.words).toBe(9);
    expect(Math.log2(m.perplexity)).toBeCloseTo((44 * Math.log2(vocab.symbols.length)) / 9, 4);
    model.dispose();
  });

  it('leaks no tensors', async () => {
    const model = uniformModel();
    await expectNoLeaks(() => evaluate(model, ids(vocab, text), { batchSize: 3, seqLength: 7 }));
    model.dispose();
  });
});
