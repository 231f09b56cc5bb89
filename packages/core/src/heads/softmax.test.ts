import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose, expectNoLeaks, numericGradient } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import '../train/register-gradients.js';
import { ShapeError } from '../errors.js';
import { createRng } from '../rng.js';
import { NATS_TO_BITS, bitsPerSymbol, softmaxCrossEntropy } from './softmax.js';

const T = 3;
const B = 2;
const K = 5;
const targets = [4, 0, 2, 2, 1, 3];
const mask = [1, 1, 0, 1, 0.5, 1];

/** Float64 Eq. (13): −Σ mask · log softmax(ŷ)[target]. */
function refLoss(logits: Float64Array): number {
  let s = 0;
  for (let r = 0; r < T * B; r++) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[r * K + k] as number);
    let z = 0;
    for (let k = 0; k < K; k++) z += Math.exp((logits[r * K + k] as number) - max);
    s -= (mask[r] as number) * ((logits[r * K + (targets[r] as number)] as number) - max - Math.log(z));
  }
  return s;
}

describeBackends(['cpu', 'wasm'], 'softmaxCrossEntropy', () => {
  it('sums nats (Eq. 13) and its gradient matches float64 central differences (Eq. 14), tolerance 1e-6 + 1e-5·|g|', () => {
    const rng = createRng(4);
    const x = Float64Array.from({ length: T * B * K }, () => Math.fround(4 * rng.next() - 2));
    const logits = tf.tensor3d(Float32Array.from(x), [T, B, K]);
    const t = tf.tensor2d(targets, [T, B], 'int32');
    const m = tf.tensor2d(mask, [T, B]);
    const { value, grads } = tf.valueAndGrads((l: tf.Tensor) => tf.mul(softmaxCrossEntropy(l as tf.Tensor3D, t, m), 3))([logits]);
    expect(value.dataSync()[0]).toBeCloseTo(3 * refLoss(x), 4);
    const fd = numericGradient((v) => 3 * refLoss(v), x);
    expectClose((grads[0] as tf.Tensor).dataSync(), fd, { atol: 1e-6, rtol: 1e-5 });
    // Masked-out row 2 gets no gradient.
    expect(Array.from((grads[0] as tf.Tensor).dataSync().slice(2 * K, 3 * K), Math.abs)).toEqual([0, 0, 0, 0, 0]);
  });

  it('accepts [B, K] logits without a mask and leaks nothing', async () => {
    const logits = tf.tensor2d([[0, 0, 0, 0], [Math.log(3), 0, 0, 0]]);
    const t = tf.tensor1d([1, 0], 'int32');
    await expectNoLeaks(() => {
      const { value, grads } = tf.valueAndGrads((l: tf.Tensor) => softmaxCrossEntropy(l as tf.Tensor2D, t))([logits]);
      // −log(1/4) − log(3/6) = log 4 + log 2 = log 8.
      expect(value.dataSync()[0]).toBeCloseTo(Math.log(8), 6);
      expectClose((grads[0] as tf.Tensor).dataSync(), [0.25, -0.75, 0.25, 0.25, -0.5, 1 / 6, 1 / 6, 1 / 6], { atol: 1e-6 });
      tf.dispose([value, ...grads]);
    });
  });
});

describe('softmax helpers', () => {
  it('converts nats to bits per symbol', () => {
    expect(NATS_TO_BITS).toBeCloseTo(1.4426950408889634, 15);
    expect(bitsPerSymbol(100 * Math.LN2 * 1.32, 100)).toBeCloseTo(1.32, 12);
  });

  it('rejects bad targets and masks', () => {
    const logits = tf.zeros([3, 2, 4]) as tf.Tensor3D;
    expect(() => softmaxCrossEntropy(logits, tf.zeros([3, 2]))).toThrow(/int32/);
    expect(() => softmaxCrossEntropy(logits, tf.zeros([2, 3], 'int32'))).toThrow(ShapeError);
    expect(() => softmaxCrossEntropy(logits, tf.zeros([3, 2], 'int32'), tf.ones([3]))).toThrow(/mask shape \[3\] must be \[3,2\]/);
  });
});
