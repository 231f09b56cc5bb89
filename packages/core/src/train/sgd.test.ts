import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose } from '@seqgen/test-utils';
import { expect, it } from 'vitest';
import torch from './__fixtures__/torch-optimizers.json';
import { createOptimizer, type OptimizerSpec } from './optimizers.js';
import { trajectory } from './__fixtures__/trajectory.js';

describeBackends(['cpu', 'wasm'], 'SGD', () => {
  const grads = [[1], [0.5]];

  it('plain: w -= lr·ε (hand-computed 0.9, 0.85), no slots', () => {
    expectClose(trajectory({ name: 'sgd', learningRate: 0.1 }, [1], grads).flat(), [0.9, 0.85], { atol: 1e-7 });
    const opt = createOptimizer({ name: 'sgd', learningRate: 0.1 });
    opt.apply({ w: tf.scalar(1) }, { w: tf.variable(tf.scalar(1)) });
    const state = opt.getState();
    expect(Object.keys(state)).toEqual(['optimizer/step']);
    tf.dispose(state);
  });

  it('classical momentum: v = μv − lr·ε, w += v (hand-computed v = −0.1, −0.14; w = 0.9, 0.76)', () => {
    const spec = { name: 'sgd', learningRate: 0.1, momentum: 0.9 } as const;
    expectClose(trajectory(spec, [1], grads).flat(), [0.9, 0.76], { atol: 1e-7 });
    const opt = createOptimizer(spec);
    const w = tf.variable(tf.tensor1d([1]));
    opt.apply({ w: tf.tensor1d([1]) }, { w });
    opt.apply({ w: tf.tensor1d([0.5]) }, { w });
    const state = opt.getState();
    expectClose(state['optimizer/w/velocity']?.dataSync() ?? [], [-0.14], { atol: 1e-7 });
    tf.dispose(state);
    opt.dispose();
  });

  it('Nesterov: w += μv − lr·ε (hand-computed 0.81, 0.634)', () => {
    const spec = { name: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true } as const;
    expectClose(trajectory(spec, [1], grads).flat(), [0.81, 0.634], { atol: 1e-7 });
  });

  for (const name of ['sgd-momentum', 'sgd-nesterov'] as const) {
    it(`matches PyTorch 1.13 (${name}, 4 steps, float64 fixture)`, () => {
      const fixture = torch.cases[name];
      const actual = trajectory(fixture.spec as OptimizerSpec, torch.initial, torch.grads, torch.shape);
      fixture.weights.forEach((expected, step) => expectClose(actual[step] as number[], expected, { atol: 1e-6, rtol: 1e-5 }));
    });
  }
});
