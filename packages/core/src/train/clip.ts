/**
 * Derivative clipping, Graves (2013) §2.1 (shared/paper.md §2.2): an identity whose gradient is
 * clipped elementwise, and (non-paper, for comparison with reimplementations) global-norm clipping.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors.js';

function checkLimit(where: string, limit: number): void {
  if (!(limit > 0) || Number.isNaN(limit)) {
    throw new ConfigError(`${where}: limit must be a positive number (Infinity allowed), got ${limit}`);
  }
}

/**
 * Identity in the forward pass; in the backward pass the incoming derivative is clipped
 * elementwise to `[-limit, limit]` (paper §2.1: ∂L/∂ŷ to [−100, 100] for handwriting).
 * @remarks A `tf.customGrad` op: one kernel dispatch forward (clone) and one backward (clipByValue).
 * @throws {@link ConfigError} when `limit` is not positive.
 */
export function clipGradient<T extends tf.Tensor>(x: T, limit: number): T {
  checkLimit('clipGradient', limit);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.clipByValue(dy, -limit, limit),
  }));
  return op(x) as T;
}

/**
 * Rescales a set of gradients so that their joint L2 norm is at most `maxNorm` (not in the paper;
 * [HM] and [GZ] use it, see paper.md §8 #2). Reads the norm back to JS once.
 * @returns New tensors (the caller owns them; the inputs are not disposed) and the norm before
 * clipping. A non-finite norm leaves the gradients unscaled: check `norm` before applying them.
 * @throws {@link ConfigError} when `maxNorm` is not positive.
 */
export function clipByGlobalNorm(
  grads: Record<string, tf.Tensor>,
  maxNorm: number,
): { grads: Record<string, tf.Tensor>; norm: number } {
  checkLimit('clipByGlobalNorm', maxNorm);
  const names = Object.keys(grads);
  if (names.length === 0) return { grads: {}, norm: 0 };
  const normTensor = tf.tidy(() =>
    tf.sqrt(tf.addN(names.map((name) => tf.sum(tf.square(grads[name] as tf.Tensor))))),
  );
  const norm = (normTensor.dataSync() as Float32Array)[0] as number;
  normTensor.dispose();
  const scale = Number.isFinite(norm) && norm > maxNorm ? maxNorm / norm : 1;
  const out: Record<string, tf.Tensor> = {};
  for (const name of names) {
    const g = grads[name] as tf.Tensor;
    out[name] = scale === 1 ? tf.clone(g) : tf.tidy(() => tf.mul(g, tf.scalar(scale, g.dtype)));
  }
  return { grads: out, norm };
}
