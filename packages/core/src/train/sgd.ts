/** Stochastic gradient descent with optional classical or Nesterov momentum (paper §2.4 uses classical). */
import * as tf from '@tensorflow/tfjs-core';
import { SlotOptimizer, type SgdSpec, type SlotValues } from './optimizers-base.js';

/** SGD: v = μv − lr·ε; w += v (classical) or w += μv − lr·ε (Nesterov). Slot `velocity` when μ > 0. */
export class Sgd extends SlotOptimizer<Required<SgdSpec>> {
  constructor(spec: Required<SgdSpec>) {
    super(spec, spec.momentum > 0 ? ['velocity'] : []);
  }
  protected override update(w: tf.Tensor, grad: tf.Tensor, s: SlotValues, _t: number): { w: tf.Tensor; slots: SlotValues } {
    const { learningRate, momentum, nesterov } = this.spec;
    const step = tf.mul(grad, learningRate);
    if (momentum === 0) return { w: tf.sub(w, step), slots: {} };
    const velocity = tf.sub(tf.mul(s.velocity as tf.Tensor, momentum), step);
    const change = nesterov ? tf.sub(tf.mul(velocity, momentum), step) : velocity;
    return { w: tf.add(w, change), slots: { velocity } };
  }
}
