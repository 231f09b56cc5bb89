import { expectClose } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../errors.js';
import { createRng } from '../rng.js';
import { mdnDensity, mdnParams, sampleMdn, type MdnParams } from './mdn-sample.js';

/** Raw row for M = 2: [ê, π̂(2), μ̂1(2), μ̂2(2), σ̂1(2), σ̂2(2), ρ̂(2)]. */
const row = Float32Array.from([0.4, 1.2, 0.3, 1.5, -2, -0.5, 3, Math.log(0.8), 0.1, Math.log(0.5), -0.2, Math.atanh(0.6), -0.3]);

describe('mdnParams', () => {
  it('activates Eqs. 18-22 without bias', () => {
    const p = mdnParams(row);
    expect(p.e).toBeCloseTo(1 / (1 + Math.exp(Math.fround(0.4))), 7);
    const z = Math.exp(Math.fround(1.2)) + Math.exp(Math.fround(0.3));
    expectClose(p.pi, [Math.exp(Math.fround(1.2)) / z, Math.exp(Math.fround(0.3)) / z], { atol: 1e-7, rtol: 1e-7 });
    expectClose(p.mu1, [1.5, -2]);
    expectClose(p.mu2, [-0.5, 3]);
    expectClose(p.sigma1, [0.8, Math.exp(Math.fround(0.1))]);
    expectClose(p.sigma2, [0.5, Math.exp(Math.fround(-0.2))]);
    expectClose(p.rho, [0.6, Math.tanh(Math.fround(-0.3))]);
  });

  it('applies the bias of Eqs. 61-62 to σ and π only', () => {
    const b = 1;
    const p = mdnParams(row, b);
    expectClose(p.sigma1, [0.8 / Math.E, Math.exp(Math.fround(0.1) - 1)]);
    const z = Math.exp(2 * Math.fround(1.2)) + Math.exp(2 * Math.fround(0.3));
    expectClose(p.pi, [Math.exp(2 * Math.fround(1.2)) / z, Math.exp(2 * Math.fround(0.3)) / z]);
    expect(p.e).toBe(mdnParams(row).e);
    expectClose(p.rho, mdnParams(row).rho);
  });

  it('rejects bad rows and biases', () => {
    expect(() => mdnParams(new Float32Array(12))).toThrow(ShapeError);
    expect(() => mdnParams(row, -0.1)).toThrow(ConfigError);
    expect(() => mdnParams(row, Number.NaN)).toThrow(/bias must be/);
  });
});

describe('sampleMdn', () => {
  it('with a huge bias returns the most probable component mean', () => {
    const rng = createRng(5);
    for (let i = 0; i < 50; i++) {
      const s = sampleMdn(mdnParams(row, 30), rng);
      expect(Math.abs(s.dx - 1.5)).toBeLessThan(1e-3);
      expect(Math.abs(s.dy + 0.5)).toBeLessThan(1e-3);
    }
  });

  it('matches one component mean and covariance over 20k draws, and eos frequency ~ e', () => {
    const params: MdnParams = {
      e: 0.3,
      pi: Float64Array.from([1, 0]),
      mu1: Float64Array.from([0.7, 100]),
      mu2: Float64Array.from([-1.2, 100]),
      sigma1: Float64Array.from([0.5, 1]),
      sigma2: Float64Array.from([2, 1]),
      rho: Float64Array.from([-0.7, 0]),
    };
    const rng = createRng(42);
    const n = 20000;
    let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, eos = 0;
    for (let i = 0; i < n; i++) {
      const s = sampleMdn(params, rng);
      sx += s.dx; sy += s.dy; sxx += s.dx * s.dx; syy += s.dy * s.dy; sxy += s.dx * s.dy; eos += s.eos;
    }
    const mx = sx / n, my = sy / n;
    // Standard errors: mean σ/√n ≈ 0.0035 (x), 0.014 (y); tolerances ≈ 4 s.e.
    expect(Math.abs(mx - 0.7)).toBeLessThan(0.015);
    expect(Math.abs(my + 1.2)).toBeLessThan(0.06);
    expect(Math.abs(sxx / n - mx * mx - 0.25)).toBeLessThan(0.01); // σ1² = 0.25
    expect(Math.abs(syy / n - my * my - 4) / 4).toBeLessThan(0.04); // σ2² = 4
    expect(Math.abs((sxy / n - mx * my) - -0.7 * 0.5 * 2)).toBeLessThan(0.03); // ρσ1σ2 = −0.7
    expect(Math.abs(eos / n - 0.3)).toBeLessThan(0.015);
  });

  it('picks components in proportion to π', () => {
    const params = mdnParams(Float32Array.from([0, Math.log(0.25), Math.log(0.75), -5, 5, 0, 0, -6, -6, -6, -6, 0, 0]));
    const rng = createRng(9);
    let right = 0;
    for (let i = 0; i < 10000; i++) if (sampleMdn(params, rng).dx > 0) right++;
    expect(Math.abs(right / 10000 - 0.75)).toBeLessThan(0.02);
  });

  it('is reproducible for a seed', () => {
    const a = createRng(3);
    const b = createRng(3);
    const p = mdnParams(row, 0.15);
    for (let i = 0; i < 5; i++) expect(sampleMdn(p, a)).toEqual(sampleMdn(p, b));
  });
});

describe('mdnDensity', () => {
  it('is the bivariate normal mixture of Eqs. 23-25', () => {
    const p = mdnParams(Float32Array.from([0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]));
    // Two unit components at (0,0) and (2,0), π = ½ each; at (0,0): ½(1/2π) + ½(e^{−2}/2π).
    expect(mdnDensity(p, 0, 0)).toBeCloseTo((0.5 + 0.5 * Math.exp(-2)) / (2 * Math.PI), 12);
    // Correlated component integrates to ~1 on a grid.
    const q = mdnParams(Float32Array.from([0, 0, 0.5, -1, Math.log(0.5), Math.log(1.5), 0.8]));
    let total = 0;
    const h = 0.05;
    for (let x = -5; x <= 6; x += h) for (let y = -8; y <= 6; y += h) total += mdnDensity(q, x, y) * h * h;
    expect(total).toBeCloseTo(1, 3);
  });
});
