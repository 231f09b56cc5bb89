import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@seqgen/core';
import { expectNoLeaks } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import { parseModelConfig, parseTrainingConfig } from '../src/config.js';
import { disposeStatistics, dynamicEvaluate, gradientStatistics } from '../src/dynamic-eval.js';
import { evaluate } from '../src/evaluate.js';
import { TextModel } from '../src/text-model.js';
import { TextTrainer } from '../src/trainer.js';
import { charVocabulary, ids } from './helpers.js';

// Training text and a test text made of one random 12-character line repeated: a static model cannot know the
// line, a dynamically evaluated one learns it while reading.
const alphabet = 'abcdefghij ';
const rng = createRng(5);
const randomText = (n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(rng.next() * alphabet.length)]).join('');
const trainText = randomText(600);
const line = randomText(12);
const testText = line.repeat(25);
const vocab = charVocabulary(alphabet);

async function trainedModel(): Promise<TextModel> {
  const model = TextModel.create(parseModelConfig({ hiddenSizes: [24] }), vocab, createRng(2));
  const config = parseTrainingConfig({ batchSize: 4, seqLength: 20, optimizer: { name: 'adam', learningRate: 0.01 }, epochs: 2, validateEvery: 0 });
  const trainer = new TextTrainer({ model, train: ids(vocab, trainText), config });
  await trainer.run();
  trainer.dispose();
  return model;
}

describe('dynamic evaluation', () => {
  it('lowers the loss on a repeated text (sgd and krause), scores before updating, and restores the weights', async () => {
    const model = await trainedModel();
    const data = ids(vocab, testText);
    const before = Array.from((model.params['lstm/0/wh'] as tf.Variable).dataSync());
    const staticResult = await evaluate(model, data, { batchSize: 1, seqLength: 10 });
    const sgd = await dynamicEvaluate(model, data, { method: 'sgd', learningRate: 0.3, seqLength: 10 });
    const stats = await gradientStatistics(model, ids(vocab, trainText), { batches: 5, batchSize: 4, seqLength: 10 });
    const krause = await dynamicEvaluate(model, data, { method: 'krause', learningRate: 0.002, decay: 0.002, statistics: stats, seqLength: 10 });
    disposeStatistics(stats);
        expect(sgd.count).toBe(staticResult.count);
    expect(krause.count).toBe(staticResult.count);
    expect(sgd.updates).toBe(Math.ceil((data.length - 1) / 10));
    // Static: the model cannot predict the random line (about log2 11 = 3.46 bits).
    expect(staticResult.bitsPerSymbol).toBeGreaterThan(3);
    // Measured (cpu): static 3.45, sgd 1.85, krause 3.04 bits per character.
    expect(sgd.bitsPerSymbol).toBeLessThan(staticResult.bitsPerSymbol - 1);
    expect(krause.bitsPerSymbol).toBeLessThan(staticResult.bitsPerSymbol - 0.25);
    // The first segment is scored with the trained weights, before any update: equal to the static score of it.
    const firstStatic = await evaluate(model, data.subarray(0, 11), { batchSize: 1, seqLength: 10 });
    const firstDynamic = await dynamicEvaluate(model, data.subarray(0, 11), { method: 'sgd', learningRate: 1, seqLength: 10 });
    expect(firstDynamic.bits).toBeCloseTo(firstStatic.bits, 4);
    // Weights restored.
    expect(Array.from((model.params['lstm/0/wh'] as tf.Variable).dataSync())).toEqual(before);
    model.dispose();
  });

  it('leaks no tensors', async () => {
    const model = TextModel.create(parseModelConfig({ hiddenSizes: [5] }), vocab, createRng(2));
    const data = ids(vocab, testText.slice(0, 40));
    await expectNoLeaks(async () => {
      await dynamicEvaluate(model, data, { method: 'sgd', learningRate: 0.01, momentum: 0.5, seqLength: 7 });
      const stats = await gradientStatistics(model, data, { batches: 2, batchSize: 2, seqLength: 5 });
      await dynamicEvaluate(model, data, { method: 'krause', learningRate: 0.01, statistics: stats, seqLength: 7 });
      disposeStatistics(stats);
    });
    model.dispose();
  });
});
