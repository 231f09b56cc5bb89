import '@seqgen/core/train';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@seqgen/core';
import type { HandwritingLine } from '@seqgen/datasets';
import { PAPER_ALPHABET } from '@seqgen/datasets';
import { makeBatch } from './batch.js';
import { HandwritingModel, WINDOW_BIAS } from './handwriting-model.js';
import type { HandwritingModelConfig } from './model-config.js';

const paper = (task: 'prediction' | 'synthesis', hiddenSizes: number[]): HandwritingModelConfig => ({
  task,
  hiddenSizes,
  mixtures: 20,
  windowMixtures: 10,
  alphabet: task === 'synthesis' ? [...PAPER_ALPHABET] : [],
  outputClip: 100,
  lstmClip: 10,
  kappaBiasInit: -3,
});

describe('HandwritingModel wiring', () => {
  it('has the paper\'s weight counts (paper.md §1.2)', async () => {
    await tf.setBackend('cpu');
    for (const [config, expected] of [
      [paper('prediction', [900]), 3_366_121],
      [paper('prediction', [400, 400, 400]), 3_368_121],
      [paper('synthesis', [400, 400, 400]), 3_653_751],
    ] as const) {
      const model = new HandwritingModel(config, createRng(1));
      expect(model.numWeights()).toBe(expected);
      model.dispose();
    }
  });

  it('masks padding: a padded batch gives each line the loss it has alone', async () => {
    await tf.setBackend('cpu');
    const config: HandwritingModelConfig = { ...paper('synthesis', [6, 5]), mixtures: 2, windowMixtures: 2, alphabet: ['#', ' ', 'a', 'b'] };
    const model = new HandwritingModel(config, createRng(2));
    const rng = createRng(3);
    const line = (n: number, text: string): HandwritingLine => ({
      id: text,
      text,
      split: 'train',
      offsets: Float32Array.from({ length: 3 * n }, (_, i) => (i % 3 === 2 ? (rng.next() < 0.3 ? 1 : 0) : rng.normal())),
    });
    const a = line(9, 'ab');
    const b = line(4, 'ba ab');
    const alone = [a, b].map((l) => {
      const r = model.loss(makeBatch([l], config.alphabet));
      const v = r.total.dataSync()[0] as number;
      r.total.dispose();
      return v;
    });
    const both = model.loss(makeBatch([a, b], config.alphabet));
    expect(both.points).toBe(13);
    expect(both.total.dataSync()[0]).toBeCloseTo((alone[0] as number) + (alone[1] as number), 3);
    both.total.dispose();
    model.dispose();
  });

  it('the window receives gradients that match finite differences (Eqs. 56-60 through the whole model)', async () => {
    await tf.setBackend('cpu');
    const config: HandwritingModelConfig = { ...paper('synthesis', [5, 4]), mixtures: 2, windowMixtures: 2, alphabet: ['#', ' ', 'a', 'b'], kappaBiasInit: -1 };
    const model = new HandwritingModel(config, createRng(4));
    const rng = createRng(5);
    const offsets = Float32Array.from({ length: 3 * 7 }, (_, i) => (i % 3 === 2 ? (rng.next() < 0.3 ? 1 : 0) : rng.normal()));
    const batch = makeBatch([{ id: 'x', text: 'abba', split: 'train', offsets }], config.alphabet);
    const bias = model.params[WINDOW_BIAS] as tf.Variable;
    const { grads } = tf.variableGrads(() => model.loss(batch).total, [bias]);
    const analytic = (Object.values(grads)[0] as tf.Tensor).dataSync();
    const base = Float32Array.from(bias.dataSync());
    const eps = 1e-2;
    const lossAt = (values: Float32Array): number => {
      bias.assign(tf.tensor1d(values));
      const r = model.loss(batch);
      const v = r.total.dataSync()[0] as number;
      r.total.dispose();
      return v;
    };
    let maxRel = 0;
    for (let j = 0; j < base.length; j++) {
      const plus = Float32Array.from(base);
      plus[j] = (plus[j] as number) + eps;
      const minus = Float32Array.from(base);
      minus[j] = (minus[j] as number) - eps;
      const numeric = (lossAt(plus) - lossAt(minus)) / (2 * eps);
      const a = analytic[j] as number;
      maxRel = Math.max(maxRel, Math.abs(numeric - a) / Math.max(0.05, Math.abs(a)));
    }
    bias.assign(tf.tensor1d(base));
    // float32 central differences: a few per cent; a wiring error (e.g. w_t instead of w_{t-1}) would give O(1).
    expect(maxRel).toBeLessThan(0.03);
    expect(Math.max(...Array.from(analytic, Math.abs))).toBeGreaterThan(1e-3);
    tf.dispose(Object.values(grads));
    model.dispose();
  });
});

describe('model lifetime', () => {
  it('leaks no tensors from construction to dispose()', async () => {
    const { expectNoLeaks } = await import('@seqgen/test-utils');
    const config: HandwritingModelConfig = { ...paper('synthesis', [6, 5]), mixtures: 2, windowMixtures: 2, alphabet: ['#', ' ', 'a', 'b'], kappaBiasInit: -1 };
    await expectNoLeaks(() => {
      new HandwritingModel(config, createRng(3)).dispose();
    });
  });
});

describe('a training step on cpu and wasm', () => {
  it('gives the same loss and updates on both backends, and leaks no tensors', async () => {
    const { createOptimizer } = await import('@seqgen/core');
    const { expectNoLeaks } = await import('@seqgen/test-utils');
    const { trainStep } = await import('./train.js');
    const config: HandwritingModelConfig = { ...paper('synthesis', [6, 5]), mixtures: 2, windowMixtures: 2, alphabet: ['#', ' ', 'a', 'b'], kappaBiasInit: -1 };
    const rng = createRng(8);
    const lines = [9, 6].map((n, i): HandwritingLine => ({
      id: `l${i}`,
      text: i === 0 ? 'ab a' : 'ba',
      split: 'train',
      offsets: Float32Array.from({ length: 3 * n }, (_, k) => (k % 3 === 2 ? (rng.next() < 0.3 ? 1 : 0) : rng.normal())),
    }));
    const results: Array<{ loss: number; weights: Record<string, Float32Array> }> = [];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const model = new HandwritingModel(config, createRng(9));
      const optimizer = createOptimizer({ name: 'graves-rmsprop', learningRate: 1e-2 });
      const batch = makeBatch(lines, config.alphabet);
      // The first step creates the optimiser's slots (3 per parameter); the second must leave nothing behind.
      trainStep(model, optimizer, batch);
      let loss = 0;
      await expectNoLeaks(() => {
        loss = trainStep(model, optimizer, batch).lossPerSequence;
      });
      results.push({ loss, weights: model.weights() });
      optimizer.dispose();
      model.dispose();
    }
    const [cpu, wasm] = results as [(typeof results)[0], (typeof results)[0]];
    expect(Math.abs(cpu.loss - wasm.loss) / Math.abs(cpu.loss)).toBeLessThan(1e-5);
    let maxDiff = 0;
    for (const [name, w] of Object.entries(cpu.weights)) {
      const other = wasm.weights[name] as Float32Array;
      for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs((w[i] as number) - (other[i] as number)));
    }
    expect(maxDiff).toBeLessThan(1e-5);
  });
});
