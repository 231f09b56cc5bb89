/**
 * Soft attention window of the synthesis network, Graves (2013) Eqs. (46)–(51).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assert } from '../errors.js';

/** One window step's outputs; all tensors are new and owned by the caller. */
export interface WindowStepResult {
  /** Window vector w_t = Σ_u φ(t,u) c_u (Eq. 47), `[B, S]`. */
  w: tf.Tensor2D;
  /** Locations κ_t = κ_{t−1} + exp(κ̂_t) (Eq. 51), `[B, K]`: feed back as the next step's `kappaPrev`. */
  kappa: tf.Tensor2D;
  /** Window weights φ(t,u), u = 1..U (Eq. 46), `[B, U]`; 0 at padded characters. Fig. 13's heatmap. */
  phi: tf.Tensor2D;
  /** Importances α_t = exp(α̂_t) (Eq. 49), `[B, K]`; with β and κ gives φ(t, U+1) through {@link phiAt}. */
  alpha: tf.Tensor2D;
  /** Precisions β_t = exp(β̂_t) (Eq. 50), `[B, K]`. */
  beta: tf.Tensor2D;
}

/**
 * One step of the soft window (Eqs. 46–51):
 * α = exp(α̂), β = exp(β̂), κ = κ_{t−1} + exp(κ̂), φ(t,u) = Σ_k α_k exp(−β_k (κ_k − u)²) for u = 1..U
 * (1-based, §8 #7), w_t = Σ_u φ(t,u) c_u. The window is not normalised. Start with κ_0 = 0 (and w_0 = 0).
 *
 * Differentiable by tfjs autodiff (gradients are Eqs. 56–60; κ accumulates, so the gradient w.r.t. κ̂_t
 * also flows through every later step). Ops: split, exp, add, sub, mul, square, sum, batched
 * matMul — all present on cpu and wasm.
 *
 * @param p - Window parameters (α̂, β̂, κ̂) = W_{h¹p} h¹_t + b_p (Eq. 48), `[B, 3K]` in that order.
 * @param kappaPrev - κ_{t−1}, `[B, K]`.
 * @param chars - One-hot characters c, `[B, U, S]` (padding rows all zero).
 * @param charMask - Optional `[B, U]`, 1 for real characters and 0 for padding; φ is zeroed at padding so
 *   texts of different lengths share a batch. Omit when every row has U characters.
 * @remarks Call inside `tf.tidy` (or dispose the result).
 * @throws {@link ShapeError} on inconsistent shapes.
 */
export function windowStep(
  p: tf.Tensor2D,
  kappaPrev: tf.Tensor2D,
  chars: tf.Tensor3D,
  charMask?: tf.Tensor2D,
): WindowStepResult {
  const [batch, threeK] = p.shape;
  const k = threeK / 3;
  assert(p.rank === 2 && Number.isInteger(k) && k >= 1, () => `windowStep: p must be [B, 3K], got [${p.shape.join(', ')}]`);
  assert(
    kappaPrev.rank === 2 && kappaPrev.shape[0] === batch && kappaPrev.shape[1] === k,
    () => `windowStep: kappaPrev must be [${batch}, ${k}] (p is [${batch}, ${threeK}]), got [${kappaPrev.shape.join(', ')}]`,
  );
  assert(chars.rank === 3 && chars.shape[0] === batch, () => `windowStep: chars must be [${batch}, U, S], got [${chars.shape.join(', ')}]`);
  const [, u, s] = chars.shape;
  assert(
    charMask === undefined || (charMask.rank === 2 && charMask.shape[0] === batch && charMask.shape[1] === u),
    () => `windowStep: charMask must be [${batch}, ${u}] to match chars [${chars.shape.join(', ')}], got [${charMask?.shape.join(', ')}]`,
  );
  return tf.tidy(() => {
    const [alphaHat, betaHat, kappaHat] = tf.split(p, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const alpha = tf.exp(alphaHat);
    const beta = tf.exp(betaHat);
    const kappa = tf.add(kappaPrev, tf.exp(kappaHat)) as tf.Tensor2D;
    const positions = tf.reshape(tf.range(1, u + 1, 1, 'float32'), [1, 1, u]);
    // (κ − u)²; not tf.squaredDifference, whose tfjs gradient does not handle broadcasting.
    const dist2 = tf.square(tf.sub(tf.reshape(kappa, [batch, k, 1]), positions)); // [B, K, U]
    // α exp(−β d²) = exp(α̂ − β d²): one exp fewer per (k, u).
    const perGaussian = tf.exp(tf.sub(tf.reshape(alphaHat, [batch, k, 1]), tf.mul(tf.reshape(beta, [batch, k, 1]), dist2)));
    const summed = tf.sum(perGaussian, 1) as tf.Tensor2D; // [B, U]
    const phi = charMask === undefined ? summed : (tf.mul(summed, charMask) as tf.Tensor2D);
    const w = tf.reshape(tf.matMul(tf.reshape(phi, [batch, 1, u]), chars), [batch, s]) as tf.Tensor2D;
    return { w, kappa, phi, alpha, beta };
  });
}

/**
 * φ(t, u) of Eq. (46) for one batch row at a single 1-based position u, in float64 JS; with u = U + 1
 * (one past the last real character) it is the quantity the stop rule (§5.5, {@link shouldStop}) compares.
 * @param alpha - α_t (not α̂), length K. @param beta - β_t, length K. @param kappa - κ_t, length K.
 */
export function phiAt(alpha: ArrayLike<number>, beta: ArrayLike<number>, kappa: ArrayLike<number>, u: number): number {
  assert(
    alpha.length === beta.length && beta.length === kappa.length,
    () => `phiAt: alpha, beta and kappa must have the same length K, got ${alpha.length}, ${beta.length}, ${kappa.length}`,
  );
  let phi = 0;
  for (let k = 0; k < alpha.length; k++) {
    const d = (kappa[k] as number) - u;
    phi += (alpha[k] as number) * Math.exp(-(beta[k] as number) * d * d);
  }
  return phi;
}
