import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose, expectNoLeaks } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import './register-gradients.js';
import { ConfigError } from '../errors.js';
import { clipByGlobalNorm, clipGradient } from './clip.js';

describeBackends(['cpu', 'wasm'], 'clipGradient', () => {
  it('is the identity forward and clips the gradient elementwise', () => {
    const x = tf.tensor1d([0.5, -2, 3, 0]);
    const w = tf.tensor1d([100, -100, 0.1, -7]);
    const { value, grads } = tf.valueAndGrads((v: tf.Tensor) => {
      const y = clipGradient(v, 10);
      expect(Array.from(y.dataSync())).toEqual([0.5, -2, 3, 0]);
      return tf.sum(tf.mul(y, w)) as tf.Scalar;
    })([x]);
    expect(value.dataSync()[0]).toBeCloseTo(50 + 200 + 0.3, 4);
    // Unclipped gradient = w; clipped to [−10, 10]. (STYLE §7: grad of sum(100·clip(v, 10)) is 10.)
    expectClose((grads[0] as tf.Tensor).dataSync(), [10, -10, 0.1, -7], { atol: 1e-7 });
  });

  it('central differences of the identity agree where the clip is inactive, and it leaks nothing', async () => {
    const x = tf.tensor1d([0.3, -0.7]);
    await expectNoLeaks(() => {
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(clipGradient(v, 1e6))))(x);
      expectClose(g.dataSync(), [0.6, -1.4], { atol: 1e-6 });
      g.dispose();
    });
  });
});

describe('clipByGlobalNorm', () => {
  it('rescales to the max norm and reports the norm before clipping', () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor2d([[0, 4]]) };
    const { grads: out, norm } = clipByGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 6);
    expectClose((out.a as tf.Tensor).dataSync(), [0.6, 0], { atol: 1e-7 });
    expectClose((out.b as tf.Tensor).dataSync(), [0, 0.8], { atol: 1e-7 });
    expect((out.b as tf.Tensor).shape).toEqual([1, 2]);
    const kept = clipByGlobalNorm(grads, 10);
    expect(kept.norm).toBeCloseTo(5, 6);
    expectClose((kept.grads.a as tf.Tensor).dataSync(), [3, 0]);
    expect(kept.grads.a).not.toBe(grads.a);
  });

  it('leaks nothing beyond its outputs and rejects a bad limit', async () => {
    const grads = { a: tf.tensor1d([3, 4]) };
    await expectNoLeaks(() => {
      const r = clipByGlobalNorm(grads, 1);
      tf.dispose(Object.values(r.grads));
    });
    expect(() => clipByGlobalNorm(grads, 0)).toThrow(ConfigError);
    expect(() => clipGradient(grads.a, -1)).toThrow(/limit must be a positive number/);
  });
});
