import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose, expectNoLeaks } from '@seqgen/test-utils';
import { expect, it } from 'vitest';
import { createRng } from '../rng.js';
import { adamKernelAvailable, adamStep } from './adam-kernel.js';
import torch from './__fixtures__/torch-optimizers.json';
import { createOptimizer, type AdamSpec } from './optimizers.js';
import { trajectory } from './__fixtures__/trajectory.js';

/** Float64 Adam with bias correction (Kingma & Ba 2015, Algorithm 1). */
function adamReference(w0: number[], grads: number[][], lr: number, b1: number, b2: number, eps: number): number[][] {
  const w = [...w0];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  return grads.map((g, k) => {
    const t = k + 1;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] as number;
      m[i] = b1 * (m[i] as number) + (1 - b1) * gi;
      v[i] = b2 * (v[i] as number) + (1 - b2) * gi * gi;
      const mHat = (m[i] as number) / (1 - b1 ** t);
      const vHat = (v[i] as number) / (1 - b2 ** t);
      w[i] = (w[i] as number) - (lr * mHat) / (Math.sqrt(vHat) + eps);
    }
    return [...w];
  });
}

describeBackends(['cpu', 'wasm'], 'Adam', () => {
  it('fills defaults lr 1e-3, β 0.9/0.999, eps 1e-8', () => {
    expect(createOptimizer({ name: 'adam' }).spec).toEqual({ name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  });

  it('first step moves every weight by lr against the gradient sign (bias correction)', () => {
    const actual = trajectory({ name: 'adam', learningRate: 0.01 }, [1, 1, 1], [[3, -0.2, 1e-3]], [3]);
    expectClose(actual[0] as number[], [0.99, 1.01, 0.99], { atol: 1e-6 });
  });

  it('matches a float64 reference over 3 steps', () => {
    const w0 = [0.5, -1, 2, 0];
    const grads = [
      [0.1, -0.3, 2, 0.5],
      [-0.2, -0.1, 1.5, 0.4],
      [0.3, 0.2, -1, 0.3],
    ];
    const expected = adamReference(w0, grads, 0.05, 0.8, 0.99, 1e-6);
    const actual = trajectory({ name: 'adam', learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }, w0, grads, [2, 2]);
    expected.forEach((e, step) => expectClose(actual[step] as number[], e, { atol: 1e-6, rtol: 1e-5 }));
  });

  it('matches PyTorch 1.13 over 4 steps (float64 fixture)', () => {
    const fixture = torch.cases.adam;
    const actual = trajectory(fixture.spec as AdamSpec, torch.initial, torch.grads, torch.shape);
    fixture.weights.forEach((e, step) => expectClose(actual[step] as number[], e, { atol: 1e-6, rtol: 1e-5 }));
  });

  it('the one-kernel update (adam-kernel.ts) equals the op-by-op float32 formula bit for bit, and leaks nothing', async () => {
    expect(adamKernelAvailable()).toBe(true);
    const rng = createRng(5);
    const n = 1031; // not a multiple of 4: the SIMD loop's scalar tail runs too
    const rand = (scale: number): tf.Tensor => tf.tensor(Float32Array.from({ length: n }, () => scale * rng.normal()));
    const [w, g, m] = [rand(1), rand(3), rand(0.1)];
    const v = tf.abs(rand(0.01));
    const spec = { learningRate: 0.003, beta1: 0.85, beta2: 0.997, epsilon: 1e-7 };
    for (const t of [1, 2, 7]) {
      const fused = tf.tidy(() => adamStep(w, g, m, v, { ...spec, t }).map((x) => Array.from(x.dataSync())));
      const ops = tf.tidy(() => {
        const m2 = tf.add(tf.mul(m, spec.beta1), tf.mul(g, 1 - spec.beta1));
        const v2 = tf.add(tf.mul(v, spec.beta2), tf.mul(tf.square(g), 1 - spec.beta2));
        const change = tf.div(tf.mul(tf.div(m2, 1 - spec.beta1 ** t), spec.learningRate), tf.add(tf.sqrt(tf.div(v2, 1 - spec.beta2 ** t)), spec.epsilon));
        return [tf.sub(w, change), m2, v2].map((x) => Array.from(x.dataSync()));
      });
      expect(fused).toEqual(ops);
    }
    await expectNoLeaks(() => tf.dispose(adamStep(w, g, m, v, { ...spec, t: 3 })));
    tf.dispose([w, g, m, v]);
  });
});
