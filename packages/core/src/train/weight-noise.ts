/**
 * Fixed-variance weight noise (Graves 2013 §3.2 / paper.md §2.6; Jim, Giles & Horne 1996).
 * Learned per-weight variances (Graves 2011) are {@link AdaptiveWeightNoise} in adaptive-weight-noise.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors.js';
import type { Rng } from '../rng.js';

/**
 * Adds zero-mean Gaussian noise of a fixed std (paper: 0.075) to the weights at the start of each
 * training sequence. The gradient is then computed at the noisy weights and the update applied to
 * the clean ones:
 * ```ts
 * noise.perturb(params, rng);
 * try { grads = lossGradients(params); } finally { noise.restore(params); }
 * optimizer.apply(grads, params);
 * ```
 * @remarks Each included variable gets its own `tf.randomNormal` seeded by `rng.nextSeed()`, in
 * sorted name order, so a seed gives the same noise on every run and backend.
 */
export class WeightNoise {
  private clean = new Map<string, tf.Tensor>();
  private readonly include: (name: string) => boolean;

  /**
   * @param std - Standard deviation of the noise, ≥ 0 (paper §2.6: 0.075).
   * @param opts.include - Which variables get noise, by name; default all.
   * @throws {@link ConfigError} when `std` is negative or not finite.
   */
  constructor(
    readonly std: number,
    opts: { include?: (name: string) => boolean } = {},
  ) {
    if (typeof std !== 'number' || !Number.isFinite(std) || std < 0) {
      throw new ConfigError(`weight noise: std must be a finite number >= 0 (paper: 0.075), got ${String(std)}`);
    }
    this.include = opts.include ?? (() => true);
  }

  /** True between {@link WeightNoise.perturb} and {@link WeightNoise.restore}. */
  get perturbed(): boolean {
    return this.clean.size > 0;
  }

  /**
   * Saves clean copies of the included variables and adds N(0, std²) noise to them in place.
   * @throws {@link ConfigError} when called again before {@link WeightNoise.restore} (the clean
   * weights would be lost).
   */
  perturb(params: Record<string, tf.Variable>, rng: Rng): void {
    if (this.perturbed) throw new ConfigError('weight noise: perturb() called twice without restore(); the clean weights would be lost');
    const names = Object.keys(params).filter((n) => this.include(n)).sort();
    for (const name of names) {
      const w = params[name] as tf.Variable;
      const seed = rng.nextSeed();
      this.clean.set(name, tf.clone(w));
      tf.tidy(() => w.assign(tf.add(w, tf.randomNormal(w.shape, 0, this.std, 'float32', seed))));
    }
  }

  /**
   * Puts the saved clean values back (bit-exact) and frees the copies. A no-op when nothing is
   * perturbed, so it is safe in a `finally`.
   * @throws {@link ConfigError} when `params` lacks a perturbed variable (its copy is dropped).
   */
  restore(params: Record<string, tf.Variable>): void {
    const missing = restoreSaved(this.clean, params);
    if (missing.length) throw new ConfigError(`weight noise: restore() got no variable named ${missing.join(', ')} (perturbed by perturb())`);
  }

  /** Frees saved copies without restoring them. */
  dispose(): void {
    for (const value of this.clean.values()) value.dispose();
    this.clean.clear();
  }
}

/**
 * Assigns each saved tensor back to the variable of the same name, disposes the saved copies and empties
 * `saved`. Returns the names that `params` lacks (their copies are dropped too).
 */
export function restoreSaved(saved: Map<string, tf.Tensor>, params: Record<string, tf.Variable>): string[] {
  const missing: string[] = [];
  for (const [name, value] of saved) {
    const w = params[name];
    if (w) w.assign(value);
    else missing.push(name);
    value.dispose();
  }
  saved.clear();
  return missing;
}
