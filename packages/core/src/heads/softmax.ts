/**
 * Softmax output head for text, Graves (2013) §3.1 Eqs. (12)–(14).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';

/** Multiply a loss in nats by this to get bits. */
export const NATS_TO_BITS = 1 / Math.LN2;

/** Bits per symbol from a summed loss in nats over `count` predicted symbols (paper Tables 1–2 report this). */
export function bitsPerSymbol(sumNats: number, count: number): number {
  return (sumNats / count) * NATS_TO_BITS;
}

function sameLeading(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Summed negative log-likelihood, Eq. (13): L = −Σ_t log y_t^{x_{t+1}} with y = softmax(ŷ) (Eq. 12),
 * in nats, summed over every position (time and batch). The backward pass is Eq. (14),
 * ∂L/∂ŷ^k = y^k − δ_{k,target}, times the mask.
 * @param logits - ŷ, `[T, B, K]` or `[B, K]`.
 * @param targets - int32 class indices with the leading shape of `logits` (`[T, B]` or `[B]`). An index
 *   outside `[0, K)` contributes 0 (not checked: that would read data back to JS).
 * @param mask - optional float weights with the same shape as `targets` (1 = count, 0 = padding).
 * @returns A scalar; the caller owns it.
 * @throws {@link ShapeError} on mismatched shapes or non-int32 targets.
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor3D | tf.Tensor2D,
  targets: tf.Tensor,
  mask?: tf.Tensor,
): tf.Scalar {
  const lead = logits.shape.slice(0, -1);
  const K = logits.shape[logits.rank - 1] as number;
  if (targets.dtype !== 'int32') throw new ShapeError(`softmaxCrossEntropy: targets must be int32, got ${targets.dtype}`);
  if (!sameLeading(targets.shape, lead)) {
    throw new ShapeError(
      `softmaxCrossEntropy: targets shape [${targets.shape}] must equal the leading dims of logits [${logits.shape}], i.e. [${lead}]`,
    );
  }
  if (mask !== undefined && !sameLeading(mask.shape, lead)) {
    throw new ShapeError(`softmaxCrossEntropy: mask shape [${mask.shape}] must be [${lead}] (the shape of targets)`);
  }
  const n = lead.reduce((a, b) => a * b, 1);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const flat = tf.reshape(x, [n, K]);
    const logp = tf.logSoftmax(flat);
    const onehot = tf.oneHot(tf.reshape(targets, [n]), K);
    const weights = mask === undefined ? null : tf.reshape(tf.cast(mask, 'float32'), [n, 1]);
    const picked = tf.mul(onehot, logp);
    const value = tf.neg(tf.sum(weights === null ? picked : tf.mul(picked, weights)));
    save(weights === null ? [logp, onehot] : [logp, onehot, weights]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [lp, oh, w] = saved as [tf.Tensor, tf.Tensor, tf.Tensor | undefined];
        let g = tf.sub(tf.exp(lp), oh); // Eq. (14)
        if (w !== undefined) g = tf.mul(g, w);
        return tf.reshape(tf.mul(g, dy), x.shape);
      },
    };
  });
  return op(logits) as tf.Scalar;
}
