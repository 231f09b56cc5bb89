import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks, numericGradient } from '@seqgen/test-utils';
import { ConfigError } from '../errors.js';
import { createRng } from '../rng.js';
import { AdaptiveWeightNoise, LOG_STD_SUFFIX } from './adaptive-weight-noise.js';
import { createOptimizer } from './optimizers.js';

function makeParams(): Record<string, tf.Variable> {
  return {
    a: tf.variable(tf.tensor2d([0.3, -0.2, 0.5, 0.1, -0.7, 0.05], [2, 3])),
    b: tf.variable(tf.tensor1d([0.4, -0.1])),
  };
}

const values = (vars: Record<string, tf.Variable | tf.Tensor>): Record<string, number[]> =>
  Object.fromEntries(Object.entries(vars).map(([n, w]) => [n, Array.from(w.dataSync())]));

/** L_C in float64 with the optimal prior: Σ ln(σ̂/σ_i) + ((μ_i − μ̂)² + σ_i² − σ̂²)/(2σ̂²). */
function complexity64(mu: ArrayLike<number>, zeta: ArrayLike<number>, prior?: { mean: number; variance: number }): number {
  const n = mu.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += mu[i] as number;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += Math.exp(2 * (zeta[i] as number)) + ((mu[i] as number) - mean) ** 2;
  variance /= n;
  const p = prior ?? { mean, variance };
  let lc = 0;
  for (let i = 0; i < n; i++) {
    const s2 = Math.exp(2 * (zeta[i] as number));
    lc += 0.5 * Math.log(p.variance) - (zeta[i] as number) + (((mu[i] as number) - p.mean) ** 2 + s2 - p.variance) / (2 * p.variance);
  }
  return lc;
}

describe('AdaptiveWeightNoise (Graves 2011; paper §2.6)', () => {
  it('complexity gradients equal finite differences of L_C / N in float64 (μ and ln σ)', () => {
    const params = makeParams();
    const N = 7;
    const noise = new AdaptiveWeightNoise(params, { datasetSize: N, initStd: 0.075 });
    // Give the log-stds distinct values so the σ terms are not all equal.
    const zInit = [-2.1, -2.6, -1.9, -3.0, -2.4, -2.2, -2.8, -1.7];
    (noise.logStd[`a${LOG_STD_SUFFIX}`] as tf.Variable).assign(tf.tensor2d(zInit.slice(0, 6), [2, 3]));
    (noise.logStd[`b${LOG_STD_SUFFIX}`] as tf.Variable).assign(tf.tensor1d(zInit.slice(6)));
    const mu = [...values(params).a!, ...values(params).b!];
    noise.perturb(params, createRng(3));
    const zeroGrads = { a: tf.zerosLike(params.a!), b: tf.zerosLike(params.b!) };
    const g = noise.gradients(zeroGrads);
    noise.restore(params);
    const x = Float64Array.from([...mu, ...zInit]);
    const f = (v: Float64Array): number => complexity64(v.subarray(0, 8), v.subarray(8)) / N;
    const fd = numericGradient(f, x, 1e-6);
    const got = [...values(g).a!, ...values(g).b!, ...values(g)[`a${LOG_STD_SUFFIX}`]!, ...values(g)[`b${LOG_STD_SUFFIX}`]!];
    for (let i = 0; i < got.length; i++) expect(Math.abs((got[i] as number) - (fd[i] as number))).toBeLessThan(2e-5 * Math.max(1, Math.abs(fd[i] as number)));
    // The value and the prior: L_C matches, and the prior is the optimum (moving it raises L_C).
    const report = noise.complexity(params);
    const lc = complexity64(mu, zInit);
    expect(report.nats).toBeCloseTo(lc, 3);
    expect(report.weights).toBe(8);
    const prior = { mean: report.priorMean, variance: report.priorStd ** 2 };
    for (const [dm, dv] of [[0.01, 0], [-0.01, 0], [0, 0.1 * prior.variance], [0, -0.1 * prior.variance]] as const) {
      expect(complexity64(mu, zInit, { mean: prior.mean + dm, variance: prior.variance + dv })).toBeGreaterThan(lc);
    }
    tf.dispose([...Object.values(g), ...Object.values(zeroGrads)]);
    noise.dispose();
    tf.dispose(Object.values(params));
  });

  it('data gradients: ∂/∂μ = g and ∂/∂ln σ = σ ε g = g (w − μ) exactly (reparameterisation)', () => {
    const params = makeParams();
    const noise = new AdaptiveWeightNoise(params, { datasetSize: 1e9, include: (n) => n === 'a' });
    const mu = values(params);
    noise.perturb(params, createRng(5));
    const noisy = values(params);
    expect(noisy.b).toEqual(mu.b); // not included: untouched
    const grads = { a: tf.tensor2d([1, -2, 3, 0.5, 4, -1], [2, 3]), b: tf.tensor1d([9, 8]) };
    const g = noise.gradients(grads);
    noise.restore(params);
    const ga = values(g);
    const gradA = values(grads).a!;
    for (let i = 0; i < 6; i++) {
      const diff = (noisy.a![i] as number) - (mu.a![i] as number);
      expect(Math.abs(diff)).toBeGreaterThan(0); // really perturbed
      expect(ga.a![i]).toBeCloseTo(gradA[i] as number, 5); // complexity / 1e9 is negligible
      expect(ga[`a${LOG_STD_SUFFIX}`]![i]).toBeCloseTo((gradA[i] as number) * diff, 5);
    }
    expect(ga.b).toEqual([9, 8]);
    expect(g[`b${LOG_STD_SUFFIX}`]).toBeUndefined();
    expect(values(params)).toEqual(mu);
    tf.dispose([...Object.values(g), ...Object.values(grads)]);
    noise.dispose();
    tf.dispose(Object.values(params));
  });

  it('draws N(0, σ²) noise from the seed, restores bit-exactly and leaks nothing', async () => {
    const params = { w: tf.variable(tf.reshape(tf.linspace(-1, 1, 4000), [40, 100])) };
    const clean = values(params);
    const noise = new AdaptiveWeightNoise(params, { datasetSize: 100, initStd: 0.075 });
    const draw = (seed: number): number[] => {
      noise.perturb(params, createRng(seed));
      const v = values(params).w!;
      noise.restore(params);
      return v;
    };
    const first = draw(11);
    expect(draw(11)).toEqual(first);
    expect(draw(12)).not.toEqual(first);
    const d = first.map((v, i) => v - (clean.w![i] as number));
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const std = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean)).toBeLessThan(0.006); // 5 standard errors of 0.075/sqrt(4000)
    expect(std).toBeGreaterThan(0.071);
    expect(std).toBeLessThan(0.079);
    expect(values(params)).toEqual(clean);
    await expectNoLeaks(() => {
      noise.perturb(params, createRng(1));
      const grads = { w: tf.onesLike(params.w!) };
      const g = noise.gradients(grads);
      noise.restore(params);
      noise.complexity(params);
      tf.dispose([...Object.values(g), ...Object.values(grads)]);
    });
    noise.dispose();
    params.w!.dispose();
  });

  it('learns small σ where the loss is sharp and σ near the prior where it is flat', () => {
    // Loss Σ_i ½ a_i (w_i − c_i)², a = 50 for the first half (targets spread over [−2, 2]), a = 0 for the rest:
    // E[L] = Σ ½ a_i ((μ_i − c_i)² + σ_i²). The spread targets make the optimal prior wide; the sharp weights
    // settle near σ² = (1/N) / (a + 1/(N σ̂²)), the flat ones follow the prior (σ → σ̂, no complexity cost).
    const n = 20;
    const half = n / 2;
    const a = tf.tensor1d(Array.from({ length: n }, (_, i) => (i < half ? 50 : 0)));
    const c = tf.tensor1d(Array.from({ length: n }, (_, i) => (i < half ? -2 + (4 * i) / (half - 1) : 0)));
    const params = { w: tf.variable(tf.zeros([n])) };
    const noise = new AdaptiveWeightNoise(params, { datasetSize: 20, initStd: 0.075 });
    const optimizer = createOptimizer({ name: 'adam', learningRate: 0.02 });
    const rng = createRng(1);
    for (let step = 0; step < 800; step++) {
      noise.perturb(params, rng);
      const grads = { w: tf.tidy(() => tf.mul(a, tf.sub(params.w!, c))) };
      const g = noise.gradients(grads);
      noise.restore(params);
      optimizer.apply(g, { ...params, ...noise.logStd });
      tf.dispose([...Object.values(g), ...Object.values(grads)]);
    }
    const sigma = Array.from(tf.tidy(() => tf.exp(noise.logStd[`w${LOG_STD_SUFFIX}`]!)).dataSync());
    const sharp = sigma.slice(0, half).reduce((s, v) => s + v, 0) / half;
    const flat = sigma.slice(half).reduce((s, v) => s + v, 0) / half;
    const mu = Array.from(params.w!.dataSync());
    const targets = Array.from(c.dataSync());
    expect(mu.slice(0, half).every((m, i) => Math.abs(m - (targets[i] as number)) < 0.1)).toBe(true);
    const report = noise.complexity(params);
    expect(sharp).toBeLessThan(0.06); // equilibrium ≈ 0.032
    expect(flat).toBeGreaterThan(5 * sharp);
    expect(flat).toBeGreaterThan(0.5 * report.priorStd);
    expect(report.priorStd).toBeGreaterThan(0.5); // the spread targets make the prior wide
    optimizer.dispose();
    noise.dispose();
    tf.dispose([a, c, params.w!]);
  });

  it('rejects bad options and misuse with clear errors', () => {
    const params = makeParams();
    expect(() => new AdaptiveWeightNoise(params, { datasetSize: 0 })).toThrow(ConfigError);
    expect(() => new AdaptiveWeightNoise(params, { datasetSize: 10, initStd: -1 })).toThrow(/initStd/);
    expect(() => new AdaptiveWeightNoise(params, { datasetSize: 10, include: () => false })).toThrow(/no parameter/);
    const noise = new AdaptiveWeightNoise(params, { datasetSize: 10 });
    expect(() => noise.gradients({})).toThrow(/perturb\(\) first/);
    noise.perturb(params, createRng(1));
    expect(() => noise.perturb(params, createRng(1))).toThrow(/twice/);
    expect(() => noise.gradients({ a: tf.zerosLike(params.a!) })).toThrow(/no gradient for b/);
    noise.restore(params);
    noise.dispose();
    tf.dispose(Object.values(params));
  });
});
