import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose, expectNoLeaks, numericGradient } from '@seqgen/test-utils';
import { expect, it } from 'vitest';
import '../train/register-gradients.js';
import { concatColumns, gatherRowsForward, splitBlocks, unstackRows } from './block-kernels.js';
import { gatherRows } from './gather-rows.js';
import { addBias, linear, sumRows } from './linear.js';

describeBackends(['cpu', 'wasm'], 'block kernels, gatherRows and linear', () => {
  it('splitBlocks unstacks rows and splits column blocks like tf.unstack / tf.split', () => {
    const x = tf.tensor3d(Array.from({ length: 3 * 2 * 8 }, (_, k) => k * 0.5 - 3), [3, 2, 8]);
    const rows = unstackRows(x);
    const ref = tf.unstack(x);
    expect(rows.length).toBe(3);
    rows.forEach((r, t) => {
      expect(r.shape).toEqual([2, 8]);
      expect(Array.from(r.dataSync())).toEqual(Array.from((ref[t] as tf.Tensor).dataSync()));
    });
    const z = rows[1] as tf.Tensor2D;
    const blocks = splitBlocks(z, 2, 4, 2, [2, 2]);
    const refBlocks = tf.split(z, 4, 1);
    blocks.forEach((b, k) => expect(Array.from(b.dataSync())).toEqual(Array.from((refBlocks[k] as tf.Tensor).dataSync())));
    const ids = tf.tensor1d([2, 0, 2], 'int32');
    expect(Array.from(unstackRows(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'))[1]?.dataSync() ?? [])).toEqual([3, 4]);
    expect(() => splitBlocks(z, 2, 3, 2, [2, 2])).toThrow(/cannot view/);
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    expect(Array.from(gatherRowsForward(table, ids).dataSync())).toEqual([5, 6, 1, 2, 5, 6]);
    expect(() => gatherRowsForward(table, tf.tensor1d([3], 'int32'))).toThrow(/outside \[0, 3\)|not in \[0, 2\]/);
  });

  it('gatherRows accumulates the gradient of repeated ids (ScatterNd) and leaks nothing', async () => {
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const ids = tf.tensor1d([2, 0, 2, 2], 'int32');
    const w = tf.tensor2d([[1, 10], [2, 20], [3, 30], [4, 40]]);
    await expectNoLeaks(() => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, ids), w)))(table);
      expect(Array.from(g.dataSync())).toEqual([2, 20, 0, 0, 8, 80]);
      g.dispose();
    });
  });

  it('concatColumns, sumRows and addBias agree with tf.concat, tf.sum and broadcasting add (with gradients)', () => {
    const a = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const b = tf.tensor2d([[7], [8], [9]]);
    expect(Array.from(concatColumns([a, b, a]).dataSync())).toEqual(Array.from(tf.concat([a, b, a], 1).dataSync()));
    expect(Array.from(sumRows(a).dataSync())).toEqual([9, 12]);
    const bias = tf.tensor1d([0.5, -1]);
    const w = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(addBias(x as tf.Tensor2D, bb as tf.Tensor1D), w)) as tf.Scalar,
    )([a, bias]);
    expect(value.dataSync()[0]).toBeCloseTo(1 * 1.5 + 2 * 1 + 3 * 3.5 + 4 * 3 + 5 * 5.5 + 6 * 5, 5);
    expect(Array.from((grads[0] as tf.Tensor).dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from((grads[1] as tf.Tensor).dataSync())).toEqual([9, 12]);
  });

  it('linear: value and gradients of x·W + b match float64 central differences (tolerance 1e-5)', () => {
    const xv = Float64Array.from({ length: 3 * 4 }, (_, k) => Math.fround(Math.sin(k + 1)));
    const wv = Float64Array.from({ length: 4 * 5 }, (_, k) => Math.fround(Math.cos(k * 0.7)));
    const bv = Float64Array.from({ length: 5 }, (_, k) => Math.fround(0.1 * k - 0.2));
    const rv = Float64Array.from({ length: 3 * 5 }, (_, k) => Math.fround(Math.sin(3 * k)));
    const loss = (x: Float64Array, w: Float64Array, b: Float64Array): number => {
      let s = 0;
      for (let n = 0; n < 3; n++) {
        for (let m = 0; m < 5; m++) {
          let y = b[m] as number;
          for (let d = 0; d < 4; d++) y += (x[n * 4 + d] as number) * (w[d * 5 + m] as number);
          s += Math.tanh(y) * (rv[n * 5 + m] as number);
        }
      }
      return s;
    };
    const r = tf.tensor2d(Float32Array.from(rv), [3, 5]);
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.tanh(linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D)), r)) as tf.Scalar,
    )([tf.tensor2d(Float32Array.from(xv), [3, 4]), tf.tensor2d(Float32Array.from(wv), [4, 5]), tf.tensor1d(Float32Array.from(bv))]);
    expect(value.dataSync()[0]).toBeCloseTo(loss(xv, wv, bv), 5);
    const tol = { atol: 1e-5, rtol: 1e-5 };
    expectClose((grads[0] as tf.Tensor).dataSync(), numericGradient((v) => loss(v, wv, bv), xv), tol);
    expectClose((grads[1] as tf.Tensor).dataSync(), numericGradient((v) => loss(xv, v, bv), wv), tol);
    expectClose((grads[2] as tf.Tensor).dataSync(), numericGradient((v) => loss(xv, wv, v), bv), tol);
    expect(() => linear(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([4, 5]) as tf.Tensor2D)).toThrow(/do not multiply/);
  });
});
