import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose, expectNoLeaks, maxAbsDiff, numericGradient } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import '../train/register-gradients.js';
import { ShapeError } from '../errors.js';
import { createRng } from '../rng.js';
import { clipGradient } from '../train/clip.js';
import { mdnGradF64, mdnLossF64 } from './__fixtures__/mdn-reference.js';
import { mdnMixtures, mdnOutputSize, splitMdn } from './mdn-layout.js';
import { mdnLogLikelihood, mdnLoss } from './mdn-loss.js';

const T = 3;
const B = 2;
const M = 3;
const D = 1 + 6 * M;

/** Moderate random ŷ, targets and a mask with one padded step (seeded). */
function makeCase(seed: number): { yHat: Float64Array; targets: Float64Array; mask: Float64Array } {
  const rng = createRng(seed);
  const yHat = new Float64Array(T * B * D);
  for (let r = 0; r < T * B; r++) {
    const o = r * D;
    yHat[o] = rng.normal();
    for (let j = 0; j < M; j++) {
      yHat[o + 1 + j] = rng.normal();
      yHat[o + 1 + M + j] = 0.5 * rng.normal();
      yHat[o + 1 + 2 * M + j] = 0.5 * rng.normal();
      yHat[o + 1 + 3 * M + j] = rng.next() - 0.5;
      yHat[o + 1 + 4 * M + j] = rng.next() - 0.5;
      yHat[o + 1 + 5 * M + j] = 2 * rng.next() - 1;
    }
  }
  const targets = new Float64Array(T * B * 3);
  for (let r = 0; r < T * B; r++) {
    targets[r * 3] = rng.normal();
    targets[r * 3 + 1] = rng.normal();
    targets[r * 3 + 2] = rng.next() < 0.5 ? 1 : 0;
  }
  const mask = Float64Array.from({ length: T * B }, (_, r) => (r === T * B - 1 ? 0 : 1));
  return { yHat, targets, mask };
}

describe('MDN layout', () => {
  it('sizes follow 1 + 6M (121 for M = 20)', () => {
    expect(mdnOutputSize(20)).toBe(121);
    expect(mdnMixtures(121)).toBe(20);
    expect(() => mdnMixtures(120)).toThrow(ShapeError);
    expect(() => mdnMixtures(1)).toThrow(/1 \+ 6M/);
  });

  it('splitMdn applies Eqs. 18-22 (e = sigmoid(-ê))', () => {
    // M = 1: [ê, π̂, μ̂1, μ̂2, σ̂1, σ̂2, ρ̂]
    const out = splitMdn(tf.tensor2d([[2, 0.3, -1, 4, Math.log(2), Math.log(0.5), 0.5]]));
    expectClose(out.e.dataSync(), [1 / (1 + Math.exp(2))]);
    expectClose(out.pi.dataSync(), [1]);
    expectClose(out.mu1.dataSync(), [-1]);
    expectClose(out.mu2.dataSync(), [4]);
    expectClose(out.sigma1.dataSync(), [2]);
    expectClose(out.sigma2.dataSync(), [0.5]);
    expectClose(out.rho.dataSync(), [Math.tanh(0.5)]);
    const two = splitMdn(tf.tensor1d([0, Math.log(3), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expectClose(two.pi.dataSync(), [0.75, 0.25]);
  });
});

describeBackends(['cpu', 'wasm'], 'mdnLoss', () => {
  it('matches a hand computation: standard normal at its mean, e = 1/2', () => {
    // M = 1, μ = 0, σ = 1, ρ = 0, ê = 0, x = (0, 0, 0): −log Pr = log 2π + log 2.
    const loss = mdnLoss(tf.zeros([1, 1, 7]), tf.zeros([1, 1, 3]));
    expect(loss.shape).toEqual([]);
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(2 * Math.PI) + Math.log(2), 5);
  });

  it('equals the float64 reference of Eq. 26 (sum over steps, masked)', () => {
    const c = makeCase(1);
    const yHat = tf.tensor3d(Float32Array.from(c.yHat), [T, B, D]);
    const targets = tf.tensor3d(Float32Array.from(c.targets), [T, B, 3]);
    const mask = tf.tensor2d(Float32Array.from(c.mask), [T, B]);
    const expected = mdnLossF64(Float32Array.from(c.yHat), Float32Array.from(c.targets), M, c.mask);
    expectClose(mdnLoss(yHat, targets, mask).dataSync(), [expected], { atol: 1e-5, rtol: 1e-5 });
    const unmasked = mdnLossF64(Float32Array.from(c.yHat), Float32Array.from(c.targets), M);
    expectClose(mdnLoss(yHat, targets).dataSync(), [unmasked], { atol: 1e-5, rtol: 1e-5 });
    const ll = mdnLogLikelihood(yHat, targets);
    expect(ll.shape).toEqual([T, B]);
    const row0 = -mdnLossF64(Float32Array.from(c.yHat.subarray(0, D)), Float32Array.from(c.targets.subarray(0, 3)), M);
    expectClose([ll.dataSync()[0] as number], [row0], { atol: 1e-5, rtol: 1e-5 });
  });

  it('gradient w.r.t. ŷ equals the closed forms of Eqs. 27-37 and float64 central differences', () => {
    const c = makeCase(2);
    const yHat32 = Float32Array.from(c.yHat);
    const t32 = Float32Array.from(c.targets);
    const closed = mdnGradF64(yHat32, t32, M, c.mask);
    const numeric = numericGradient((y) => mdnLossF64(y, t32, M, c.mask), Float64Array.from(yHat32));
    // The oracles agree with each other to float64 precision.
    expect(maxAbsDiff(closed, numeric)).toBeLessThan(1e-7);
    const targets = tf.tensor3d(t32, [T, B, 3]);
    const mask = tf.tensor2d(Float32Array.from(c.mask), [T, B]);
    const grad = tf.grad((y: tf.Tensor) => mdnLoss(y, targets, mask))(tf.tensor3d(yHat32, [T, B, D]));
    expect(grad.shape).toEqual([T, B, D]);
    const g = grad.dataSync();
    expectClose(g, closed, { atol: 2e-5, rtol: 1e-4 });
    expectClose(g, numeric, { atol: 2e-5, rtol: 1e-4 });
    // The padded step gets no gradient.
    expect(maxAbsDiff(g.subarray((T * B - 1) * D), new Float32Array(D))).toBe(0);
  });

  it('stays finite for tiny σ, |ρ| → 1 and saturated ê (values and gradients)', () => {
    // Two components (M = 2): one degenerate, one sane; then a row where every component is degenerate.
    const rows = [
      [80, 0, 0, 0.5, 0, 0.5, 0, -60, 0, -45, 0, 30, 0],
      [-80, 0, 1, 0, 0, 0, 0, -30, -30, -30, -30, -12, 12],
      [0, 5, -5, 3, 0, -3, 0, 0, 0, 0, 0, 9.5, -9.5],
    ];
    const yHat = tf.tensor2d(rows);
    const targets = tf.tensor2d([[1, -1, 1], [0.5, 0.5, 0], [2, 2, 1]]);
    const ll = mdnLogLikelihood(yHat, targets).dataSync();
    for (const v of ll) expect(Number.isFinite(v)).toBe(true);
    const g = tf.grad((y: tf.Tensor) => mdnLoss(y, targets))(yHat).dataSync();
    for (const v of g) expect(Number.isFinite(v)).toBe(true);
    // Row 0: the degenerate component contributes nothing; the standard-normal one (π = 1/2) gives
    // −log(½ e^{−1} / 2π) − log σ(−80) = log 2 + 1 + log 2π + 80 (to float32 precision).
    expect(-(ll[0] as number)).toBeCloseTo(Math.log(2) + 1 + Math.log(2 * Math.PI) + 80, 4);
  });

  it('composes with clipGradient(ŷ, 100) as the handwriting models use it (§2.2)', () => {
    // σ = e^{-6}, target 1 away from μ: ∂L/∂μ̂1 = −e^{12} ≈ −1.6e5 unclipped.
    const yHat = tf.tensor2d([[0, 0, 0, 0, -6, 0, 0]]);
    const targets = tf.tensor2d([[1, 0, 0]]);
    const raw = tf.grad((y: tf.Tensor) => mdnLoss(y, targets))(yHat).dataSync();
    expect(raw[2]).toBeCloseTo(-Math.exp(12), -2);
    const clipped = tf.grad((y: tf.Tensor) => mdnLoss(clipGradient(y, 100), targets))(yHat).dataSync();
    expectClose(clipped, [-0.5, 0, -100, 0, -100, 1, 0]); // ∂L/∂ê = x3 − e = −½ (Eq. 27)
  });

  it('rejects mismatched shapes with ShapeError naming the function', () => {
    expect(() => mdnLoss(tf.zeros([2, 1, 13]), tf.zeros([2, 1, 2]))).toThrow(/mdnLogLikelihood: targets must have shape \[2, 1, 3\]/);
    expect(() => mdnLoss(tf.zeros([2, 1, 13]), tf.zeros([2, 1, 3]), tf.zeros([1, 2]))).toThrow(ShapeError);
    expect(() => mdnLoss(tf.zeros([2, 1, 12]), tf.zeros([2, 1, 3]))).toThrow(/1 \+ 6M/);
  });

  it('leaks no tensors (loss and gradient)', async () => {
    const c = makeCase(3);
    const yHat = tf.tensor3d(Float32Array.from(c.yHat), [T, B, D]);
    const targets = tf.tensor3d(Float32Array.from(c.targets), [T, B, 3]);
    const mask = tf.tensor2d(Float32Array.from(c.mask), [T, B]);
    await expectNoLeaks(() => {
      mdnLoss(yHat, targets, mask).dispose();
      mdnLogLikelihood(yHat, targets).dispose();
      const { value, grad } = tf.valueAndGrad((y: tf.Tensor) => mdnLoss(y, targets, mask))(yHat);
      value.dispose();
      grad.dispose();
      tf.dispose(Object.values(splitMdn(yHat)));
    });
  });
});
