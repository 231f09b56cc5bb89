import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose, expectNoLeaks, maxAbsDiff, numericGradient } from '@seqgen/test-utils';
import { expect, it } from 'vitest';
import '../train/register-gradients.js';
import { ShapeError } from '../errors.js';
import { createRng } from '../rng.js';
import { lstmCell, lstmCellOps } from './lstm-cell.js';

const B = 2;
const H = 3;
const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** Float64 cell, Eqs. (7)–(11), and its hand-derived gradient with pre-activation clipping. */
function refCell(z: Float64Array, c: Float64Array, p: Float64Array, wh: Float64Array, wc: Float64Array, clip: number | null) {
  const cl = (v: number) => (clip === null ? v : Math.max(-clip, Math.min(clip, v)));
  let loss = 0;
  const dz = new Float64Array(B * 4 * H);
  const dc = new Float64Array(B * H);
  const dp = new Float64Array(3 * H);
  for (let b = 0; b < B; b++) {
    for (let m = 0; m < H; m++) {
      const zz = (g: number) => z[b * 4 * H + g * H + m] as number;
      const cp = c[b * H + m] as number;
      const i = sig(zz(0) + (p[m] as number) * cp);
      const f = sig(zz(1) + (p[H + m] as number) * cp);
      const g = Math.tanh(zz(2));
      const cn = f * cp + i * g;
      const o = sig(zz(3) + (p[2 * H + m] as number) * cn);
      const tc = Math.tanh(cn);
      const k = b * H + m;
      loss += (wh[k] as number) * o * tc + (wc[k] as number) * cn;
      const dh = wh[k] as number;
      const dao = cl(dh * tc * o * (1 - o));
      const dcn = (wc[k] as number) + dh * o * (1 - tc * tc) + dao * (p[2 * H + m] as number);
      const dai = cl(dcn * g * i * (1 - i));
      const daf = cl(dcn * cp * f * (1 - f));
      const dag = cl(dcn * i * (1 - g * g));
      dz.set([dai], b * 4 * H + m);
      dz.set([daf], b * 4 * H + H + m);
      dz.set([dag], b * 4 * H + 2 * H + m);
      dz.set([dao], b * 4 * H + 3 * H + m);
      dc[k] = dcn * f + dai * (p[m] as number) + daf * (p[H + m] as number);
      dp[m] = (dp[m] as number) + dai * cp;
      dp[H + m] = (dp[H + m] as number) + daf * cp;
      dp[2 * H + m] = (dp[2 * H + m] as number) + dao * cn;
    }
  }
  return { loss, dz, dc, dp };
}

function setup() {
  const rng = createRng(17);
  const rand = (n: number, s: number) => Float64Array.from({ length: n }, () => Math.fround((2 * rng.next() - 1) * s));
  return { z: rand(B * 4 * H, 2), c: rand(B * H, 1), p: rand(3 * H, 1), wh: rand(B * H, 1), wc: rand(B * H, 1) };
}

function tfGrads(d: ReturnType<typeof setup>, clip: number | null, cell: typeof lstmCell) {
  const f32 = (a: Float64Array) => Float32Array.from(a);
  const z = tf.tensor2d(f32(d.z), [B, 4 * H]);
  const c = tf.tensor2d(f32(d.c), [B, H]);
  const p = tf.tensor1d(f32(d.p));
  const wh = tf.tensor2d(f32(d.wh), [B, H]);
  const wc = tf.tensor2d(f32(d.wc), [B, H]);
  const { value, grads } = tf.valueAndGrads((zz: tf.Tensor, cc: tf.Tensor, pp: tf.Tensor) => {
    const s = cell(zz as tf.Tensor2D, cc as tf.Tensor2D, pp as tf.Tensor1D, clip);
    return tf.add(tf.sum(tf.mul(s.h, wh)), tf.sum(tf.mul(s.c, wc))) as tf.Scalar;
  })([z, c, p]);
  return { loss: value.dataSync()[0] as number, g: grads.map((g) => g.dataSync()) };
}

describeBackends(['cpu', 'wasm'], 'lstmCell (fused custom op) and lstmCellOps (plain ops)', () => {
  for (const [name, cell] of [['lstmCell', lstmCell], ['lstmCellOps', lstmCellOps]] as const) {
  it(`${name}: gradients w.r.t. z, c and the peepholes match float64 central differences (tolerance 2e-6 + 1e-5·|g|)`, () => {
    const d = setup();
    const ref = refCell(d.z, d.c, d.p, d.wh, d.wc, null);
    const fz = numericGradient((v) => refCell(v, d.c, d.p, d.wh, d.wc, null).loss, d.z);
    const fc = numericGradient((v) => refCell(d.z, v, d.p, d.wh, d.wc, null).loss, d.c);
    const fp = numericGradient((v) => refCell(d.z, d.c, v, d.wh, d.wc, null).loss, d.p);
    // The hand-derived float64 gradient is right.
    expect(maxAbsDiff(ref.dz, fz)).toBeLessThan(1e-8);
    expect(maxAbsDiff(ref.dc, fc)).toBeLessThan(1e-8);
    expect(maxAbsDiff(ref.dp, fp)).toBeLessThan(1e-8);
    const t = tfGrads(d, null, cell);
    expect(t.loss).toBeCloseTo(ref.loss, 5);
    const tol = { atol: 2e-6, rtol: 1e-5 };
    expectClose(t.g[0] as Float32Array, fz, tol);
    expectClose(t.g[1] as Float32Array, fc, tol);
    expectClose(t.g[2] as Float32Array, fp, tol);
  });

  it(`${name}: with clip 0.05 the errors at all four pre-activations are clipped (δa_o before its peephole term)`, () => {
    const d = setup();
    const ref = refCell(d.z, d.c, d.p, d.wh, d.wc, 0.05);
    const unclipped = refCell(d.z, d.c, d.p, d.wh, d.wc, null);
    expect(maxAbsDiff(ref.dc, unclipped.dc)).toBeGreaterThan(0.05);
    const t = tfGrads(d, 0.05, cell);
    const tol = { atol: 1e-6, rtol: 1e-5 };
    expectClose(t.g[0] as Float32Array, ref.dz, tol);
    expectClose(t.g[1] as Float32Array, ref.dc, tol);
    expectClose(t.g[2] as Float32Array, ref.dp, tol);
    expect(Math.max(...Array.from(t.g[0] as Float32Array, Math.abs))).toBeCloseTo(0.05, 6);
  });

  }

  it('the fused cell leaks nothing and runs without peepholes', async () => {
    const z = tf.randomNormal([2, 12], 0, 1, 'float32', 3) as tf.Tensor2D;
    const c = tf.randomNormal([2, 3], 0, 1, 'float32', 4) as tf.Tensor2D;
    await expectNoLeaks(() => {
      const { value, grads } = tf.valueAndGrads((zz: tf.Tensor, cc: tf.Tensor) => {
        const s = lstmCell(zz as tf.Tensor2D, cc as tf.Tensor2D, null, 1);
        return tf.add(tf.sum(s.h), tf.sum(s.c)) as tf.Scalar;
      })([z, c]);
      const ref = tf.tidy(() => {
        const s = lstmCellOps(z, c, null);
        return tf.add(tf.sum(s.h), tf.sum(s.c));
      });
      expect(value.dataSync()[0]).toBeCloseTo(ref.dataSync()[0] as number, 5);
      tf.dispose([value, ref, ...grads]);
    });
  });

  it('rejects mismatched shapes', () => {
    expect(() => lstmCell(tf.zeros([2, 12]) as tf.Tensor2D, tf.zeros([2, 4]) as tf.Tensor2D, null)).toThrow(ShapeError);
    expect(() => lstmCell(tf.zeros([2, 12]) as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([6]) as tf.Tensor1D)).toThrow(
      /peep must be \[9\]/,
    );
  });
});
