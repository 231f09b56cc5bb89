import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose, expectNoLeaks, maxAbsDiff, numericGradient } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import '../train/register-gradients.js';
import { ShapeError } from '../errors.js';
import { createRng } from '../rng.js';
import { windowGradF64, windowLossF64, type WindowCase } from './__fixtures__/window-reference.js';
import { phiAt, windowStep } from './window-step.js';

const K = 3;
const S = 4;
const U = 5;

/**
 * Two rows: row 0 has all U characters, row 1 only 3 (padding after), over two steps with random
 * p_t and upstream gradients g_t. Float32-representable values so cpu/wasm and float64 see the same inputs.
 */
function makeCases(seed: number): WindowCase[] {
  const rng = createRng(seed);
  const f32 = (v: number): number => Math.fround(v);
  const lengths = [U, 3];
  return lengths.map((len) => {
    const chars = new Float64Array(U * S);
    const mask = new Float64Array(U);
    for (let u = 0; u < len; u++) {
      chars[u * S + Math.floor(rng.next() * S)] = 1;
      mask[u] = 1;
    }
    const p = [0, 1].map(() =>
      Float64Array.from({ length: 3 * K }, (_, i) =>
        f32(i < K ? 0.5 * rng.normal() : i < 2 * K ? 0.5 * rng.normal() : 0.3 * rng.normal()),
      ),
    );
    const g = [0, 1].map(() => Float64Array.from({ length: S }, () => f32(rng.normal())));
    return { k: K, p, chars, mask, u: U, s: S, g };
  });
}

function tensorsOf(cases: WindowCase[]): {
  p: tf.Tensor2D[];
  chars: tf.Tensor3D;
  mask: tf.Tensor2D;
  g: tf.Tensor2D[];
} {
  const b = cases.length;
  const stack = (pick: (c: WindowCase) => Float64Array, shape: number[]): Float32Array => {
    const out = new Float32Array(b * shape.reduce((a, x) => a * x, 1));
    cases.forEach((c, i) => out.set(pick(c), (i * out.length) / b));
    return out;
  };
  return {
    p: [0, 1].map((t) => tf.tensor2d(stack((c) => c.p[t] as Float64Array, [3 * K]), [b, 3 * K])),
    chars: tf.tensor3d(stack((c) => c.chars, [U, S]), [b, U, S]),
    mask: tf.tensor2d(stack((c) => c.mask, [U]), [b, U]),
    g: [0, 1].map((t) => tf.tensor2d(stack((c) => c.g[t] as Float64Array, [S]), [b, S])),
  };
}

describe('phiAt', () => {
  it('evaluates Eq. 46 at one position', () => {
    // α = (1, 2), β = (1, 0.5), κ = (3, 4), u = 4: 1·e^{−1} + 2·e^{0} = 2.3679
    expect(phiAt([1, 2], [1, 0.5], [3, 4], 4)).toBeCloseTo(Math.exp(-1) + 2, 12);
    expect(() => phiAt([1], [1, 2], [1], 1)).toThrow(ShapeError);
  });
});

describeBackends(['cpu', 'wasm'], 'windowStep', () => {
  it('computes Eqs. 46-51 with 1-based u and κ accumulating from κ_0 = 0', () => {
    // K = 1, α̂ = log 2, β̂ = 0 (β = 1), κ̂ = log 1.5 → κ_1 = 1.5; U = 3 one-hot chars of S = 3.
    const p = tf.tensor2d([[Math.log(2), 0, Math.log(1.5)]]);
    const chars = tf.tensor3d([[[1, 0, 0], [0, 1, 0], [0, 1, 0]]]);
    const first = windowStep(p, tf.zeros([1, 1]), chars);
    const phi = [1, 2, 3].map((u) => 2 * Math.exp(-((1.5 - u) ** 2)));
    expectClose(first.kappa.dataSync(), [1.5]);
    expectClose(first.phi.dataSync(), phi);
    expectClose(first.w.dataSync(), [phi[0] as number, (phi[1] as number) + (phi[2] as number), 0]);
    expectClose(first.alpha.dataSync(), [2]);
    expectClose(first.beta.dataSync(), [1]);
    const second = windowStep(p, first.kappa, chars);
    expectClose(second.kappa.dataSync(), [3]);
    expectClose(second.phi.dataSync(), [1, 2, 3].map((u) => 2 * Math.exp(-((3 - u) ** 2))));
    // φ(t, U+1) for the stop rule
    expect(phiAt(second.alpha.dataSync(), second.beta.dataSync(), second.kappa.dataSync(), 4)).toBeCloseTo(2 * Math.exp(-1), 6);
  });

  it('masks padded characters and matches the float64 forward over two steps', () => {
    const cases = makeCases(7);
    const t = tensorsOf(cases);
    const first = windowStep(t.p[0] as tf.Tensor2D, tf.zeros([2, K]), t.chars, t.mask);
    const second = windowStep(t.p[1] as tf.Tensor2D, first.kappa, t.chars, t.mask);
    const phi = second.phi.arraySync();
    expect(phi[1]?.slice(3)).toEqual([0, 0]);
    expect(phi[1]?.[2]).toBeGreaterThan(0);
    const loss = tf.sum(tf.add(tf.mul(first.w, t.g[0] as tf.Tensor), tf.mul(second.w, t.g[1] as tf.Tensor)));
    const expected = cases.reduce((a, c) => a + windowLossF64(c), 0);
    expectClose(loss.dataSync(), [expected], { atol: 1e-5, rtol: 1e-5 });
  });

  it('gradients over two steps equal the closed forms of Eqs. 56-60 and float64 central differences', () => {
    const cases = makeCases(11);
    const t = tensorsOf(cases);
    const lossOf = (p0: tf.Tensor, p1: tf.Tensor): tf.Scalar => {
      const first = windowStep(p0 as tf.Tensor2D, tf.zeros([2, K]), t.chars, t.mask);
      const second = windowStep(p1 as tf.Tensor2D, first.kappa, t.chars, t.mask);
      return tf.sum(tf.add(tf.mul(first.w, t.g[0] as tf.Tensor), tf.mul(second.w, t.g[1] as tf.Tensor)));
    };
    const [g0, g1] = tf.grads(lossOf)([t.p[0] as tf.Tensor, t.p[1] as tf.Tensor]) as [tf.Tensor, tf.Tensor];
    const auto = [g0.arraySync() as number[][], g1.arraySync() as number[][]];
    cases.forEach((c, b) => {
      const closed = windowGradF64(c);
      const flat = (c.p[0] as Float64Array).length;
      const numeric = numericGradient((x) => windowLossF64({ ...c, p: [x.subarray(0, flat), x.subarray(flat)] }),
        Float64Array.from([...(c.p[0] as Float64Array), ...(c.p[1] as Float64Array)]));
      const closedFlat = Float64Array.from([...(closed[0] as Float64Array), ...(closed[1] as Float64Array)]);
      expect(maxAbsDiff(closedFlat, numeric)).toBeLessThan(1e-7);
      const autoFlat = [...(auto[0]?.[b] as number[]), ...(auto[1]?.[b] as number[])];
      expectClose(autoFlat, closedFlat, { atol: 1e-5, rtol: 1e-4 });
      expectClose(autoFlat, numeric, { atol: 1e-5, rtol: 1e-4 });
    });
    // The κ̂ of step 1 feeds step 2 too: its gradient differs from a one-step-only gradient.
    const oneStep = windowGradF64({ ...(cases[0] as WindowCase), p: [(cases[0] as WindowCase).p[0] as Float64Array] });
    const twoStep = windowGradF64(cases[0] as WindowCase);
    expect(Math.abs((twoStep[0]?.[2 * K] as number) - (oneStep[0]?.[2 * K] as number))).toBeGreaterThan(1e-3);
  });

  it('rejects inconsistent shapes with ShapeError', () => {
    const chars = tf.zeros([2, U, S]) as tf.Tensor3D;
    expect(() => windowStep(tf.zeros([2, 8]) as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D, chars)).toThrow(/p must be \[B, 3K\]/);
    expect(() => windowStep(tf.zeros([2, 9]) as tf.Tensor2D, tf.zeros([2, 2]) as tf.Tensor2D, chars)).toThrow(/kappaPrev must be \[2, 3\]/);
    expect(() => windowStep(tf.zeros([2, 9]) as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([1, U, S]) as tf.Tensor3D)).toThrow(ShapeError);
    expect(() =>
      windowStep(tf.zeros([2, 9]) as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D, chars, tf.zeros([2, U + 1]) as tf.Tensor2D),
    ).toThrow(/charMask must be \[2, 5\]/);
  });

  it('leaks no tensors (two steps and their gradients)', async () => {
    const t = tensorsOf(makeCases(3));
    const kappa0 = tf.zeros([2, K]) as tf.Tensor2D;
    await expectNoLeaks(() => {
      const r = windowStep(t.p[0] as tf.Tensor2D, kappa0, t.chars, t.mask);
      tf.dispose([r.w, r.kappa, r.phi, r.alpha, r.beta]);
      const grads = tf.grads((p0: tf.Tensor, p1: tf.Tensor) =>
        tf.tidy(() => {
          const first = windowStep(p0 as tf.Tensor2D, tf.zeros([2, K]), t.chars, t.mask);
          const second = windowStep(p1 as tf.Tensor2D, first.kappa, t.chars, t.mask);
          return tf.sum(tf.add(first.w, second.w));
        }),
      )([t.p[0] as tf.Tensor, t.p[1] as tf.Tensor]);
      tf.dispose(grads);
    });
  });
});
