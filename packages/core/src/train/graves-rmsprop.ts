/** Graves (2013) §4: centred RMSProp with momentum, Eqs. 38–41. */
import * as tf from '@tensorflow/tfjs-core';
import { SlotOptimizer, type GravesRmspropSpec, type SlotValues } from './optimizers-base.js';

/**
 * Graves (2013) Eqs. 38–41, all state starting at 0:
 * n = ℵn + (1−ℵ)ε², g = ℵg + (1−ℵ)ε, Δ = ℶΔ − ℷε / sqrt(n − g² + ℸ), w = w + Δ.
 * Slots `n`, `g`, `delta`. Pin: one step from w = 1, ε = 1, ℷ = 0.1 gives w = 0.54165.
 */
export class GravesRmsprop extends SlotOptimizer<Required<GravesRmspropSpec>> {
  constructor(spec: Required<GravesRmspropSpec>) {
    super(spec, ['n', 'g', 'delta']);
  }
  protected override update(w: tf.Tensor, grad: tf.Tensor, s: SlotValues, _t: number): { w: tf.Tensor; slots: SlotValues } {
    const { learningRate, decay, momentum, epsilon } = this.spec;
    const n = tf.add(tf.mul(s.n as tf.Tensor, decay), tf.mul(tf.square(grad), 1 - decay));
    const g = tf.add(tf.mul(s.g as tf.Tensor, decay), tf.mul(grad, 1 - decay));
    const denom = tf.sqrt(tf.add(tf.sub(n, tf.square(g)), epsilon));
    const delta = tf.sub(tf.mul(s.delta as tf.Tensor, momentum), tf.div(tf.mul(grad, learningRate), denom));
    return { w: tf.add(w, delta), slots: { n, g, delta } };
  }
}
