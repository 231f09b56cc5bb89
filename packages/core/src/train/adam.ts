/** Adam with bias correction (not in the paper; a common modern choice, e.g. for synthesis replications). */
import * as tf from '@tensorflow/tfjs-core';
import { adamKernelAvailable, adamStep } from './adam-kernel.js';
import { SlotOptimizer, type AdamSpec, type SlotValues } from './optimizers-base.js';

/**
 * Adam: m = β1·m + (1−β1)ε, v = β2·v + (1−β2)ε², w −= lr·m̂ / (sqrt(v̂) + eps) with
 * m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t). Slots `m`, `v`; t = {@link Optimizer.step} + 1.
 */
export class Adam extends SlotOptimizer<Required<AdamSpec>> {
  constructor(spec: Required<AdamSpec>) {
    super(spec, ['m', 'v']);
  }
  protected override update(w: tf.Tensor, grad: tf.Tensor, s: SlotValues, t: number): { w: tf.Tensor; slots: SlotValues } {
    const { learningRate, beta1, beta2, epsilon } = this.spec;
    if (adamKernelAvailable()) {
      // cpu, wasm: the same float32 arithmetic as below, in one kernel (adam-kernel.ts)
      const [w2, m2, v2] = adamStep(w, grad, s.m as tf.Tensor, s.v as tf.Tensor, { learningRate, beta1, beta2, epsilon, t });
      return { w: w2, slots: { m: m2, v: v2 } };
    }
    const m = tf.add(tf.mul(s.m as tf.Tensor, beta1), tf.mul(grad, 1 - beta1));
    const v = tf.add(tf.mul(s.v as tf.Tensor, beta2), tf.mul(tf.square(grad), 1 - beta2));
    const mHat = tf.div(m, 1 - beta1 ** t);
    const vHat = tf.div(v, 1 - beta2 ** t);
    const change = tf.div(tf.mul(mHat, learningRate), tf.add(tf.sqrt(vHat), epsilon));
    return { w: tf.sub(w, change), slots: { m, v } };
  }
}
