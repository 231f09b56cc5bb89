import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose } from '@seqgen/test-utils';
import { expect, it } from 'vitest';
import { createOptimizer } from './optimizers.js';

/** Float64 reference of Graves (2013) Eqs. 38–41, state starting at 0. */
function gravesReference(
  w0: number[],
  grads: number[][],
  { lr, decay, momentum, epsilon }: { lr: number; decay: number; momentum: number; epsilon: number },
): number[][] {
  const w = [...w0];
  const n = w.map(() => 0);
  const g = w.map(() => 0);
  const d = w.map(() => 0);
  const out: number[][] = [];
  for (const e of grads) {
    for (let i = 0; i < w.length; i++) {
      const ei = e[i] as number;
      n[i] = decay * (n[i] as number) + (1 - decay) * ei * ei;
      g[i] = decay * (g[i] as number) + (1 - decay) * ei;
      d[i] = momentum * (d[i] as number) - (lr * ei) / Math.sqrt((n[i] as number) - (g[i] as number) ** 2 + epsilon);
      w[i] = (w[i] as number) + (d[i] as number);
    }
    out.push([...w]);
  }
  return out;
}

describeBackends(['cpu', 'wasm'], 'Graves RMSProp (Eqs. 38–41)', () => {
  it('pins one step from w = 1, ε = 1, lr 0.1 at 0.54165 (tfjs centred RMSProp gives 0.54068)', () => {
    const opt = createOptimizer({ name: 'graves-rmsprop', learningRate: 0.1 });
    const w = tf.variable(tf.tensor1d([1]));
    opt.apply({ w: tf.tensor1d([1]) }, { w });
    const value = w.dataSync()[0] as number;
    // By arithmetic: 1 − 0.1 / sqrt(0.05 − 0.0025 + 1e-4) = 0.541650...
    expect(Math.abs(value - 0.54165)).toBeLessThan(1e-5);
    expect(Math.abs(value - 0.54068)).toBeGreaterThan(5e-4);
    expect(opt.step).toBe(1);
    opt.dispose();
  });

  it('fills the paper defaults (Eqs. 42–45)', () => {
    expect(createOptimizer({ name: 'graves-rmsprop' }).spec).toEqual({
      name: 'graves-rmsprop',
      learningRate: 1e-4,
      decay: 0.95,
      momentum: 0.9,
      epsilon: 1e-4,
    });
  });

  it('matches a float64 reference over 3 steps with varying gradients', () => {
    const hyper = { lr: 0.01, decay: 0.9, momentum: 0.8, epsilon: 1e-3 };
    const opt = createOptimizer({ name: 'graves-rmsprop', learningRate: hyper.lr, decay: hyper.decay, momentum: hyper.momentum, epsilon: hyper.epsilon });
    const w0 = [1, -0.5, 0.25, 2, 0, -3];
    const grads = [
      [0.3, -1.2, 0.05, 2.5, -0.7, 0],
      [-0.4, -1.0, 0.1, 1.5, 0.9, 0.2],
      [0.2, 0.6, -0.3, -2.0, 0.4, -0.1],
    ];
    const expected = gravesReference(w0, grads, hyper);
    const w = tf.variable(tf.tensor2d(w0, [2, 3]));
    grads.forEach((g, step) => {
      opt.apply({ w: tf.tensor2d(g, [2, 3]) }, { w });
      expectClose(w.dataSync(), expected[step] as number[], { atol: 1e-6, rtol: 1e-5 });
    });
    // Momentum carries: the third update differs from a momentum-free one by more than the tolerance.
    const noMomentum = gravesReference(w0, grads, { ...hyper, momentum: 0 });
    expect(Math.abs((noMomentum[2]?.[0] as number) - (expected[2]?.[0] as number))).toBeGreaterThan(1e-3);
    opt.dispose();
  });
});
