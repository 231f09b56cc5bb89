import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@seqgen/core';
import { createOptimizer, WeightNoise } from '@seqgen/core/train';
import { describeBackends, expectClose, expectNoLeaks } from '@seqgen/test-utils';
import { expect, it } from 'vitest';
import { charVocabulary, ids } from '../test/helpers.js';
import { parseModelConfig } from './config.js';
import { dynamicEvaluate } from './dynamic-eval.js';
import { TextModel, disposeState } from './text-model.js';
import { trainStep } from './train-step.js';

const text = 'a stitch in time saves nine; ';
const vocab = charVocabulary(text);
const data = ids(vocab, text.repeat(2));

/** One update from fixed weights; returns the loss and a few updated weights, to compare across backends. */
function oneStep(): { nats: number; wh: number[]; out: number[] } {
  const model = TextModel.create(parseModelConfig({ hiddenSizes: [6, 5], lstmClip: 1 }), vocab, createRng(11));
  const optimizer = createOptimizer({ name: 'sgd', learningRate: 0.1, momentum: 0.9 });
  const T = 7;
  const B = 2;
  const inp = new Int32Array(T * B);
  const tgt = new Int32Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) {
    inp[t * B + b] = data[b * 20 + t] as number;
    tgt[t * B + b] = data[b * 20 + t + 1] as number;
  }
  const inputs = tf.tensor2d(inp, [T, B], 'int32');
  const targets = tf.tensor2d(tgt, [T, B], 'int32');
  const state = model.zeroState(B);
  const r = trainStep(model, optimizer, inputs, targets, state, { weightNoise: new WeightNoise(0.01), rng: createRng(2) });
  const result = {
    nats: r.nats,
    wh: Array.from((model.params['lstm/1/wh'] as tf.Variable).dataSync()),
    out: Array.from((model.params['lstm/out/w'] as tf.Variable).dataSync()),
  };
  disposeState(r.state);
  disposeState(state);
  tf.dispose([inputs, targets]);
  optimizer.dispose();
  model.dispose();
  return result;
}

let reference: ReturnType<typeof oneStep> | undefined;

describeBackends(['cpu', 'wasm'], 'trainStep', (backend) => {
  it('gives the same loss and update on cpu and wasm, and leaks nothing', async () => {
    const r = oneStep();
    expect(r.nats).toBeGreaterThan(0);
    if (backend === 'cpu') reference = r;
    else if (reference) {
      expect(r.nats).toBeCloseTo(reference.nats, 4);
      expectClose(r.wh, reference.wh, { atol: 1e-5, rtol: 1e-4 });
      expectClose(r.out, reference.out, { atol: 1e-5, rtol: 1e-4 });
    }
    // Leaks: a second update (the first creates the optimiser slots) leaves no tensor behind.
    const model = TextModel.create(parseModelConfig({ hiddenSizes: [6] }), vocab, createRng(11));
    const optimizer = createOptimizer({ name: 'adam', learningRate: 0.01 });
    const inputs = tf.tensor2d(data.subarray(0, 10), [5, 2], 'int32');
    const targets = tf.tensor2d(data.subarray(1, 11), [5, 2], 'int32');
    const step = (): void => {
      const state = model.zeroState(2);
      const out = trainStep(model, optimizer, inputs, targets, state, { clipNorm: 1 });
      disposeState(out.state);
      disposeState(state);
    };
    step();
    await expectNoLeaks(step);
    model.dispose();
    optimizer.dispose();
  });

  it('runs a dynamic-evaluation pass', async () => {
    const model = TextModel.create(parseModelConfig({ hiddenSizes: [6] }), vocab, createRng(11));
    const m = await dynamicEvaluate(model, data, { method: 'sgd', learningRate: 0.05, seqLength: 10 });
    expect(m.count).toBe(data.length - 1);
    expect(m.bitsPerSymbol).toBeGreaterThan(1);
    expect(m.bitsPerSymbol).toBeLessThan(Math.log2(vocab.symbols.length) + 0.5);
    model.dispose();
  });
});
