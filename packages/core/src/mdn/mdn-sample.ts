/**
 * Pure-JS helpers for one step of handwriting sampling, Graves (2013) §4.4 and Eqs. (61)–(62):
 * activated (optionally biased) mixture parameters, a draw, and the offset density for heatmaps.
 */
import { ConfigError } from '../errors.js';
import type { Rng } from '../rng.js';
import { mdnMixtures } from './mdn-layout.js';

/** Mixture parameters of one step (one batch row), float64. */
export interface MdnParams {
  /** End-of-stroke probability e = σ(−ê) (Eq. 18). Not biased. */
  e: number;
  /** Mixture weights, sum 1 (Eq. 19, or Eq. 62 with bias). */
  pi: Float64Array;
  mu1: Float64Array;
  mu2: Float64Array;
  /** exp(σ̂) (Eq. 21), or exp(σ̂ − b) with bias (Eq. 61). */
  sigma1: Float64Array;
  sigma2: Float64Array;
  /** tanh(ρ̂) (Eq. 22). Not biased. */
  rho: Float64Array;
}

/** One sampled point x_{t+1} = (dx, dy, eos), in the normalised units the model was trained on. */
export interface MdnSample {
  dx: number;
  dy: number;
  /** 1 when the pen lifts after this point, else 0. */
  eos: 0 | 1;
}

/**
 * Activates one row of raw outputs ŷ (length `1 + 6M`, layout in {@link mdnMixtures}) with the sampling
 * bias b ≥ 0 of Eqs. (61)–(62): σ = exp(σ̂ − b), π = softmax(π̂ (1 + b)). b = 0 is unbiased (Eqs. 18–22);
 * e and ρ are never biased. Paper values: b = 0.15 (Fig. 17), b = 1 (Figs. 20–21).
 * @throws {@link ShapeError} when the length is not `1 + 6M`; {@link ConfigError} when b is negative or not finite.
 */
export function mdnParams(yHatRow: ArrayLike<number>, bias = 0): MdnParams {
  const m = mdnMixtures(yHatRow.length, 'mdnParams');
  if (!(bias >= 0) || !Number.isFinite(bias)) {
    throw new ConfigError(`mdnParams: bias must be a finite number >= 0 (Eqs. 61-62), got ${bias}`);
  }
  const at = (i: number): number => yHatRow[i] as number;
  const pi = new Float64Array(m);
  const mu1 = new Float64Array(m);
  const mu2 = new Float64Array(m);
  const sigma1 = new Float64Array(m);
  const sigma2 = new Float64Array(m);
  const rho = new Float64Array(m);
  let maxLogit = -Infinity;
  for (let j = 0; j < m; j++) maxLogit = Math.max(maxLogit, at(1 + j) * (1 + bias));
  let total = 0;
  for (let j = 0; j < m; j++) {
    const p = Math.exp(at(1 + j) * (1 + bias) - maxLogit);
    pi[j] = p;
    total += p;
    mu1[j] = at(1 + m + j);
    mu2[j] = at(1 + 2 * m + j);
    sigma1[j] = Math.exp(at(1 + 3 * m + j) - bias);
    sigma2[j] = Math.exp(at(1 + 4 * m + j) - bias);
    rho[j] = Math.tanh(at(1 + 5 * m + j));
  }
  for (let j = 0; j < m; j++) pi[j] = (pi[j] as number) / total;
  return { e: 1 / (1 + Math.exp(at(0))), pi, mu1, mu2, sigma1, sigma2, rho };
}

/**
 * Draws x_{t+1} ~ Pr(x_{t+1} | y_t) (§6.2): component j ~ Categorical(π), (dx, dy) from the bivariate
 * normal N(μ_j, Σ_j) with Σ = [[σ1², ρσ1σ2], [ρσ1σ2, σ2²]], eos ~ Bernoulli(e) (§8 #23).
 * Draw order (fixed, for reproducible streams): `rng.next()` for j, two `rng.normal()`, `rng.next()` for eos.
 */
export function sampleMdn(params: MdnParams, rng: Rng): MdnSample {
  const { pi } = params;
  const u = rng.next();
  let j = 0;
  let cumulative = 0;
  let last = 0;
  for (; j < pi.length; j++) {
    const p = pi[j] as number;
    if (p > 0) last = j;
    cumulative += p;
    if (u < cumulative) break;
  }
  if (j >= pi.length) j = last; // rounding: u landed above the float sum of π
  const n1 = rng.normal();
  const n2 = rng.normal();
  const s1 = params.sigma1[j] as number;
  const s2 = params.sigma2[j] as number;
  const r = params.rho[j] as number;
  const dx = (params.mu1[j] as number) + s1 * n1;
  const dy = (params.mu2[j] as number) + s2 * (r * n1 + Math.sqrt(Math.max(0, 1 - r * r)) * n2);
  const eos = rng.next() < params.e ? 1 : 0;
  return { dx, dy, eos };
}

/**
 * Mixture density of the offsets, Σ_j π_j N(x, y | μ_j, σ_j, ρ_j) (Eqs. 23–25 without the end-of-stroke
 * factor); summed over a trace it gives Fig. 10's heatmap.
 */
export function mdnDensity(params: MdnParams, x: number, y: number): number {
  let density = 0;
  for (let j = 0; j < params.pi.length; j++) {
    const s1 = params.sigma1[j] as number;
    const s2 = params.sigma2[j] as number;
    const r = params.rho[j] as number;
    const z1 = (x - (params.mu1[j] as number)) / s1;
    const z2 = (y - (params.mu2[j] as number)) / s2;
    const oneMinusRho2 = 1 - r * r;
    const z = z1 * z1 + z2 * z2 - 2 * r * z1 * z2;
    density +=
      ((params.pi[j] as number) * Math.exp(-z / (2 * oneMinusRho2))) / (2 * Math.PI * s1 * s2 * Math.sqrt(oneMinusRho2));
  }
  return density;
}
