/**
 * Layout of the mixture density output ŷ_t, Graves (2013) Eqs. (16)–(22).
 *
 * The last axis of ŷ holds `1 + 6M` numbers in this order (M = number of bivariate Gaussians):
 * `[ê, π̂_1..M, μ̂1_1..M, μ̂2_1..M, σ̂1_1..M, σ̂2_1..M, ρ̂_1..M]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors.js';

/** Output size of an M-component MDN head: `1 + 6M` (121 for the paper's M = 20). */
export function mdnOutputSize(mixtures: number): number {
  if (!Number.isInteger(mixtures) || mixtures < 1) {
    throw new ConfigError(`mdnOutputSize: mixtures must be a positive integer, got ${mixtures}`);
  }
  return 1 + 6 * mixtures;
}

/**
 * Number of mixture components M encoded by an output of size `1 + 6M`.
 * @param where - Caller name for the error message.
 * @throws {@link ShapeError} when `outputSize - 1` is not a positive multiple of 6.
 */
export function mdnMixtures(outputSize: number, where = 'mdnMixtures'): number {
  const m = (outputSize - 1) / 6;
  if (!Number.isInteger(m) || m < 1) {
    throw new ShapeError(`${where}: the last axis of ŷ must have size 1 + 6M (7, 13, …, 121), got ${outputSize}`);
  }
  return m;
}

/** Activated MDN parameters (Eqs. 18–22) as tensors; every entry has ŷ's leading shape plus a last axis. */
export interface MdnTensors {
  /** End-of-stroke probability e = σ(−ê) (Eq. 18, paper form), last axis 1. */
  e: tf.Tensor;
  /** Mixture weights π = softmax(π̂) (Eq. 19), last axis M. */
  pi: tf.Tensor;
  /** Means μ = μ̂ (Eq. 20), last axis M each. */
  mu1: tf.Tensor;
  mu2: tf.Tensor;
  /** Standard deviations σ = exp(σ̂) (Eq. 21), last axis M each. */
  sigma1: tf.Tensor;
  sigma2: tf.Tensor;
  /** Correlations ρ = tanh(ρ̂) (Eq. 22), last axis M. */
  rho: tf.Tensor;
}

/**
 * Splits ŷ `[..., 1+6M]` into the activated mixture parameters of Eqs. (18)–(22); for plots
 * (Fig. 10's π over time) and inspection. The loss ({@link mdnLoss}) works from ŷ directly.
 * @remarks Call inside `tf.tidy` or dispose the returned tensors.
 * @throws {@link ShapeError} when the last axis is not `1 + 6M`.
 */
export function splitMdn(yHat: tf.Tensor): MdnTensors {
  const m = mdnMixtures(yHat.shape[yHat.rank - 1] ?? 0, 'splitMdn');
  return tf.tidy(() => {
    const [eHat, piHat, mu1, mu2, sigmaHat1, sigmaHat2, rhoHat] = tf.split(yHat, [1, m, m, m, m, m, m], -1) as [
      tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor,
    ];
    return {
      e: tf.sigmoid(tf.neg(eHat)),
      pi: tf.softmax(piHat, -1),
      mu1,
      mu2,
      sigma1: tf.exp(sigmaHat1),
      sigma2: tf.exp(sigmaHat2),
      rho: tf.tanh(rhoHat),
    };
  });
}
