/**
 * Adaptive weight noise (Graves 2011, "Practical variational inference for neural networks"; Graves 2013
 * §2.6 / paper.md §2.6): every weight w_i has a Gaussian posterior N(μ_i, σ_i²) whose mean AND standard
 * deviation are learned by minimising the description length L = L_E + L_C, where
 *
 * - L_E = E_{w∼N(μ,σ²)}[L_N(w)] is the expected data loss (estimated with one noise sample per update), and
 * - L_C = KL(N(μ,σ²) ‖ prior) = Σ_i ln(σ̂/σ_i) + ((μ_i − μ̂)² + σ_i² − σ̂²) / (2σ̂²) is the complexity loss,
 *   against a single Gaussian prior N(μ̂, σ̂²) shared by all noisy weights, set to its optimum
 *   μ̂ = mean(μ_i), σ̂² = mean(σ_i² + (μ_i − μ̂)²) (Graves 2011 §5; the envelope theorem makes the prior
 *   constants for the gradients).
 *
 * Choices the papers leave open (paper.md §2.6 lists them as unconfirmed), stated here:
 * - σ is parameterised as ζ = ln σ (always positive; the optimiser updates ζ like any weight);
 * - ∂L_E/∂σ uses the reparameterisation estimator ε · ∂L_N/∂w (w = μ + σε, unbiased), not Graves 2011's
 *   diagonal-Fisher approximation ½(∂L_N/∂w)², which needs per-sequence gradients;
 * - one noise sample per update (the batch shares it; the paper samples per sequence);
 * - L_C is spread over the data: the per-update objective is (mean loss per sequence) + L_C / N, with N the
 *   number of training sequences, so one epoch of updates adds up to L_E + L_C.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors.js';
import type { Rng } from '../rng.js';
import { restoreSaved } from './weight-noise.js';

/** Suffix of the log-std variables' names: the log σ of parameter `lstm/0/wx` is `lstm/0/wx/logStd`. */
export const LOG_STD_SUFFIX = '/logStd';

/** Options of {@link AdaptiveWeightNoise}. */
export interface AdaptiveWeightNoiseOptions {
  /** Number of training sequences N (L_C / N is added per update). */
  datasetSize: number;
  /** Initial σ of every weight (paper §2.6: 0.075). */
  initStd?: number;
  /** Which parameters are noisy, by name; default all. The others get their gradient unchanged. */
  include?: (name: string) => boolean;
}

/** The prior and the complexity loss at the current posterior. */
export interface ComplexityReport {
  /** L_C in nats (the whole network, not divided by N). */
  nats: number;
  /** μ̂, the prior's mean. */
  priorMean: number;
  /** σ̂, the prior's standard deviation. */
  priorStd: number;
  /** Mean σ_i over the noisy weights. */
  meanStd: number;
  /** Number of noisy weights. */
  weights: number;
}

/**
 * Learned per-weight Gaussian noise. Use per update:
 * ```ts
 * noise.perturb(params, rng);                       // w = μ + σ ε, ε ∼ N(0, 1)
 * let grads;
 * try { grads = noise.gradients(lossGradsAtNoisyWeights(params)); } finally { noise.restore(params); }
 * optimizer.apply(grads, { ...params, ...noise.logStd });
 * ```
 * The returned gradients cover every parameter (∂/∂μ, with the complexity term for noisy ones) and every
 * log-std variable. For evaluation and sampling use the clean means (the parameters outside perturb/restore).
 */
export class AdaptiveWeightNoise {
  /** ζ = ln σ per noisy parameter, named `<name>${LOG_STD_SUFFIX}`: train them, save them in checkpoints. */
  readonly logStd: Record<string, tf.Variable>;
  readonly datasetSize: number;
  private readonly names: string[];
  private readonly clean = new Map<string, tf.Tensor>();
  private readonly eps = new Map<string, tf.Tensor>();

  /** @throws {@link ConfigError} on a non-positive dataset size or initial std, or when nothing is noisy. */
  constructor(params: Record<string, tf.Variable>, options: AdaptiveWeightNoiseOptions) {
    const initStd = options.initStd ?? 0.075;
    if (!(Number.isFinite(initStd) && initStd > 0)) {
      throw new ConfigError(`adaptive weight noise: initStd must be a finite number > 0 (paper: 0.075), got ${String(initStd)}`);
    }
    if (!(Number.isInteger(options.datasetSize) && options.datasetSize >= 1)) {
      throw new ConfigError(`adaptive weight noise: datasetSize must be the number of training sequences (an integer >= 1), got ${String(options.datasetSize)}`);
    }
    this.datasetSize = options.datasetSize;
    const include = options.include ?? (() => true);
    this.names = Object.keys(params).filter(include).sort();
    if (this.names.length === 0) throw new ConfigError('adaptive weight noise: no parameter is included');
    const logStd: Record<string, tf.Variable> = {};
    for (const name of this.names) {
      const w = params[name] as tf.Variable;
      logStd[`${name}${LOG_STD_SUFFIX}`] = tf.tidy(() => tf.variable(tf.fill(w.shape, Math.log(initStd)), true, `${w.name}${LOG_STD_SUFFIX}`));
    }
    this.logStd = logStd;
  }

  /** True between {@link perturb} and {@link restore}. */
  get perturbed(): boolean {
    return this.clean.size > 0;
  }

  /**
   * Saves the means, draws ε (one `tf.randomNormal` per parameter, seeded by `rng.nextSeed()` in sorted name
   * order: a seed gives the same noise on every run and backend) and sets w = μ + σ ε in place.
   * @throws {@link ConfigError} when already perturbed, or when a noisy parameter is missing.
   */
  perturb(params: Record<string, tf.Variable>, rng: Rng): void {
    if (this.perturbed) throw new ConfigError('adaptive weight noise: perturb() called twice without restore(); the means would be lost');
    for (const name of this.names) {
      const w = params[name];
      if (!w) throw new ConfigError(`adaptive weight noise: parameter '${name}' is missing`);
      const seed = rng.nextSeed();
      const e = tf.randomNormal(w.shape, 0, 1, 'float32', seed);
      this.clean.set(name, tf.clone(w));
      this.eps.set(name, e);
      const z = this.logStd[`${name}${LOG_STD_SUFFIX}`] as tf.Variable;
      tf.tidy(() => w.assign(tf.add(w, tf.mul(tf.exp(z), e))));
    }
  }

  /**
   * Gradients of the per-update objective (mean loss per sequence) + L_C / N, given `grads` = ∂(mean loss per
   * sequence)/∂w at the noisy weights (keyed by parameter name). Call between {@link perturb} and
   * {@link restore}. Returns new tensors (the caller disposes them; `grads` is not consumed):
   * - noisy μ_i: g_i + (μ_i − μ̂) / (σ̂² N)
   * - ζ_i = ln σ_i: σ_i ε_i g_i + (σ_i² / σ̂² − 1) / N
   * - other parameters: g_i unchanged (a copy).
   * @throws {@link ConfigError} when not perturbed or a noisy parameter has no gradient.
   */
  gradients(grads: Record<string, tf.Tensor>): Record<string, tf.Tensor> {
    if (!this.perturbed) throw new ConfigError('adaptive weight noise: gradients() needs perturb() first (it uses the noise sample)');
    const missing = this.names.filter((n) => grads[n] === undefined);
    if (missing.length) throw new ConfigError(`adaptive weight noise: no gradient for ${missing.join(', ')}`);
    const { mean, variance } = this.priorTensors();
    const out: Record<string, tf.Tensor> = {};
    const invN = 1 / this.datasetSize;
    tf.tidy(() => {
      for (const [name, g] of Object.entries(grads)) {
        if (!this.clean.has(name)) {
          out[name] = tf.keep(tf.clone(g));
          continue;
        }
        const mu = this.clean.get(name) as tf.Tensor;
        const e = this.eps.get(name) as tf.Tensor;
        const z = this.logStd[`${name}${LOG_STD_SUFFIX}`] as tf.Variable;
        out[name] = tf.keep(tf.add(g, tf.mul(tf.div(tf.sub(mu, mean), variance), invN)));
        const s = tf.exp(z);
        const data = tf.mul(tf.mul(s, e), g);
        const complexity = tf.mul(tf.sub(tf.div(tf.square(s), variance), 1), invN);
        out[`${name}${LOG_STD_SUFFIX}`] = tf.keep(tf.add(data, complexity));
      }
    });
    tf.dispose([mean, variance]);
    return out;
  }

  /**
   * Puts the means back (bit-exact) and frees the noise. A no-op when not perturbed (safe in `finally`).
   * @throws {@link ConfigError} when `params` lacks a perturbed parameter.
   */
  restore(params: Record<string, tf.Variable>): void {
    const missing = restoreSaved(this.clean, params);
    for (const e of this.eps.values()) e.dispose();
    this.eps.clear();
    if (missing.length) throw new ConfigError(`adaptive weight noise: restore() got no parameter named ${missing.join(', ')}`);
  }

  /**
   * L_C and the optimal prior at the current means (from `params`, or the saved means while perturbed) and
   * standard deviations. Reads a few scalars back to JS.
   */
  complexity(params: Record<string, tf.Variable>): ComplexityReport {
    const means = this.means(params);
    const n = this.count();
    const [priorMean, variance, sumLogStd, sumStd] = tf.tidy(() => {
      const { mean, variance: v } = this.priorOf(means);
      const zs = this.names.map((name) => tf.sum(this.logStd[`${name}${LOG_STD_SUFFIX}`] as tf.Variable));
      const ss = this.names.map((name) => tf.sum(tf.exp(this.logStd[`${name}${LOG_STD_SUFFIX}`] as tf.Variable)));
      return tf.stack([mean, v, tf.addN(zs), tf.addN(ss)]).dataSync();
    }) as unknown as [number, number, number, number];
    // Σ ((μ−μ̂)² + σ² − σ̂²) / (2σ̂²) = 0 at the optimal prior, so L_C = n ln σ̂ − Σ ln σ_i.
    const nats = 0.5 * n * Math.log(variance) - sumLogStd;
    return { nats, priorMean, priorStd: Math.sqrt(variance), meanStd: sumStd / n, weights: n };
  }

  /** Names of the noisy parameters, sorted. */
  get noisyNames(): readonly string[] {
    return this.names;
  }

  /** Frees the log-std variables and any saved noise. */
  dispose(): void {
    for (const v of this.clean.values()) v.dispose();
    for (const e of this.eps.values()) e.dispose();
    this.clean.clear();
    this.eps.clear();
    for (const v of Object.values(this.logStd)) v.dispose();
  }

  private count(): number {
    return this.names.reduce((n, name) => n + (this.logStd[`${name}${LOG_STD_SUFFIX}`] as tf.Variable).size, 0);
  }

  private means(params: Record<string, tf.Variable>): tf.Tensor[] {
    return this.names.map((name) => {
      const m = this.clean.get(name) ?? params[name];
      if (!m) throw new ConfigError(`adaptive weight noise: parameter '${name}' is missing`);
      return m;
    });
  }

  private priorTensors(): { mean: tf.Scalar; variance: tf.Scalar } {
    return this.priorOf(this.names.map((name) => this.clean.get(name) as tf.Tensor));
  }

  /** μ̂ = mean μ, σ̂² = mean(σ² + (μ − μ̂)²) over every noisy weight (Graves 2011 §5). */
  private priorOf(means: tf.Tensor[]): { mean: tf.Scalar; variance: tf.Scalar } {
    return tf.tidy(() => {
      const n = this.count();
      const mean = tf.div(tf.addN(means.map((m) => tf.sum(m))), n) as tf.Scalar;
      const spread = means.map((m, i) => {
        const z = this.logStd[`${this.names[i] as string}${LOG_STD_SUFFIX}`] as tf.Variable;
        return tf.sum(tf.add(tf.exp(tf.mul(z, 2)), tf.square(tf.sub(m, mean))));
      });
      const variance = tf.div(tf.addN(spread), n) as tf.Scalar;
      return { mean, variance };
    });
  }
}
