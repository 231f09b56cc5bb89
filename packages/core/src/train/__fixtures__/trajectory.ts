import * as tf from '@tensorflow/tfjs-core';
import { createOptimizer, type OptimizerSpec } from '../optimizers.js';

/** Applies `grads` one by one to a variable starting at `w0`; returns the weights after each update. */
export function trajectory(spec: OptimizerSpec, w0: number[], grads: number[][], shape = [w0.length]): number[][] {
  const opt = createOptimizer(spec);
  const w = tf.variable(tf.tensor(w0, shape));
  const out = grads.map((g) => {
    opt.apply({ w: tf.tensor(g, shape) }, { w });
    return Array.from(w.dataSync());
  });
  opt.dispose();
  return out;
}
