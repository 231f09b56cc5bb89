import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose, expectNoLeaks, maxAbsDiff, numericGradient } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import '../train/register-gradients.js';
import { ShapeError } from '../errors.js';
import { createRng } from '../rng.js';
import { wlBackward, wlForward, wlLoss, type WlCase, type WlParams } from './__fixtures__/window-lstm-reference.js';
import { windowLstmSequence, windowLstmSequenceOps, type WindowLstmResult } from './window-lstm.js';

const dims = { T: 5, B: 2, H: 4, S: 5, U: 4, K: 2 };
const PARAM_KEYS = ['zx', 'wExtra', 'wh', 'peep', 'winW', 'winB'] as const;

/**
 * Random float32-representable inputs: row 0 has all U characters, row 1 only 3 (masked padding after);
 * κ̂'s bias −0.7 moves the window ≈ 0.5 characters per step, so φ sweeps the text within T = 5.
 */
function makeCase(seed: number, options: { peep?: boolean; mask?: boolean } = {}): WlCase {
  const rng = createRng(seed);
  const { T, B, H, S, U, K } = dims;
  const f32 = (n: number, scale: number, offset = (_: number): number => 0): Float64Array =>
    Float64Array.from({ length: n }, (_, i) => Math.fround(scale * rng.normal() + offset(i)));
  const lengths = options.mask === false ? [U, U] : [U, 3];
  const chars = new Float64Array(B * U * S);
  const mask = new Float64Array(B * U);
  lengths.forEach((len, b) => {
    for (let u = 0; u < len; u++) {
      chars[(b * U + u) * S + Math.floor(rng.next() * S)] = 1;
      mask[b * U + u] = 1;
    }
  });
  const params: WlParams = {
    zx: f32(T * B * 4 * H, 0.5),
    wExtra: f32(S * 4 * H, 0.4),
    wh: f32(H * 4 * H, 0.4),
    peep: options.peep === false ? null : f32(3 * H, 0.3),
    winW: f32(H * 3 * K, 0.4),
    winB: f32(3 * K, 0.2, (i) => (i >= 2 * K ? -0.7 : 0)),
  };
  const seeds = {
    hidden: f32(T * B * H, 1),
    windows: f32(T * B * S, 1),
    phi: f32(T * B * U, 0.5),
    kappa: f32(T * B * K, 0.3),
  };
  return { dims, params, chars, mask: options.mask === false ? null : mask, seeds };
}

interface Tensors {
  params: tf.Tensor[];
  chars: tf.Tensor3D;
  mask: tf.Tensor2D | null;
  seeds: tf.Tensor3D[];
}

function tensorsOf(c: WlCase): Tensors {
  const { T, B, H, S, U, K } = c.dims;
  const shapes: Record<(typeof PARAM_KEYS)[number], number[]> = {
    zx: [T, B, 4 * H], wExtra: [S, 4 * H], wh: [H, 4 * H], peep: [3 * H], winW: [H, 3 * K], winB: [3 * K],
  };
  const params = PARAM_KEYS.filter((k) => c.params[k] !== null).map((k) => tf.tensor(Float32Array.from(c.params[k] as Float64Array), shapes[k], 'float32'));
  return {
    params,
    chars: tf.tensor3d(Float32Array.from(c.chars), [B, U, S], 'float32'),
    mask: c.mask === null ? null : tf.tensor2d(Float32Array.from(c.mask), [B, U], 'float32'),
    seeds: [
      tf.tensor3d(Float32Array.from(c.seeds.hidden), [T, B, H], 'float32'),
      tf.tensor3d(Float32Array.from(c.seeds.windows), [T, B, S], 'float32'),
      tf.tensor3d(Float32Array.from(c.seeds.phi), [T, B, U], 'float32'),
      tf.tensor3d(Float32Array.from(c.seeds.kappa), [T, B, K], 'float32'),
    ],
  };
}

type Impl = typeof windowLstmSequence;

function call(impl: Impl, x: Tensors, args: tf.Tensor[], clip: number | null): WindowLstmResult {
  const hasPeep = args.length === 6;
  const [zx, wExtra, wh] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
  const peep = hasPeep ? (args[3] as tf.Tensor1D) : null;
  const winW = args[hasPeep ? 4 : 3] as tf.Tensor2D;
  const winB = args[hasPeep ? 5 : 4] as tf.Tensor1D;
  return impl(zx, wExtra, wh, peep, winW, winB, x.chars, x.mask, clip);
}

function lossOf(r: WindowLstmResult, seeds: tf.Tensor3D[]): tf.Scalar {
  const parts = [r.hidden, r.windows, r.phi, r.kappa].map((o, n) => tf.sum(tf.mul(o, seeds[n] as tf.Tensor3D)));
  return tf.addN(parts) as tf.Scalar;
}

/** Gradients w.r.t. every differentiable input, flattened in PARAM_KEYS order (peep left out when null). */
function gradsOf(impl: Impl, x: Tensors, clip: number | null): Float32Array[] {
  const grads = tf.grads((...args: tf.Tensor[]) => lossOf(call(impl, x, args, clip), x.seeds))(x.params);
  const out = grads.map((g) => g.dataSync() as Float32Array);
  tf.dispose(grads);
  return out;
}

function refGrads(c: WlCase, clip: number | null): Float64Array[] {
  const g = wlBackward(c, clip);
  return PARAM_KEYS.map((k) => g[k]).filter((v): v is Float64Array => v !== null);
}

describe('window-lstm float64 reference (test oracle)', () => {
  it('its hand-written BPTT equals central differences of its forward for every input (clip off)', () => {
    for (const options of [{}, { peep: false, mask: false }]) {
      const c = makeCase(1, options);
      const analytic = wlBackward(c, null);
      for (const key of PARAM_KEYS) {
        const v = c.params[key];
        if (v === null) continue;
        const numeric = numericGradient((x) => wlLoss(c, { ...c.params, [key]: x }), v);
        const a = analytic[key] as Float64Array;
        const scale = Math.max(1, ...Array.from(numeric, Math.abs));
        expect(maxAbsDiff(a, numeric) / scale, key).toBeLessThan(1e-7);
        expect(Math.max(...Array.from(a, Math.abs)), key).toBeGreaterThan(1e-3);
      }
    }
  });
});

describeBackends(['cpu', 'wasm'], 'windowLstmSequence', () => {
  it('forward equals the float64 reference and the step-by-step ops (h, w, φ masked, κ accumulating)', () => {
    const c = makeCase(2);
    const x = tensorsOf(c);
    const ref = wlForward(c.dims, c.params, c.chars, c.mask);
    for (const impl of [windowLstmSequence, windowLstmSequenceOps]) {
      const r = call(impl, x, x.params, 10);
      expectClose(r.hidden.dataSync(), ref.hidden, { atol: 1e-6, rtol: 1e-5 });
      expectClose(r.windows.dataSync(), ref.windows, { atol: 1e-6, rtol: 1e-5 });
      expectClose(r.phi.dataSync(), ref.phi, { atol: 1e-6, rtol: 1e-5 });
      expectClose(r.kappa.dataSync(), ref.kappa, { atol: 1e-6, rtol: 1e-5 });
      expect(r.hidden.shape).toEqual([5, 2, 4]);
      expect(r.windows.shape).toEqual([5, 2, 5]);
      expect(r.phi.shape).toEqual([5, 2, 4]);
      expect(r.kappa.shape).toEqual([5, 2, 2]);
    }
    // Row 1's padded character gets φ = 0; κ rises every step; the window moved past character 1.
    const phi = windowLstmSequence(...(x.params as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D]), x.chars, x.mask).phi.arraySync();
    expect(phi.every((step) => step[1]?.[3] === 0)).toBe(true);
    expect(ref.kappa[(4 * 2 + 0) * 2]).toBeGreaterThan(1.5);
  });

  for (const clip of [null, 0.01]) {
    it(`gradients w.r.t. zx, wExtra, wh, peep, winW, winB equal the float64 BPTT (clip ${clip}), fused and ops`, () => {
      const c = makeCase(3);
      const x = tensorsOf(c);
      const ref = refGrads(c, clip);
      for (const impl of [windowLstmSequence, windowLstmSequenceOps]) {
        const got = gradsOf(impl, x, clip);
        got.forEach((g, n) => {
          const r = ref[n] as Float64Array;
          const scale = Math.max(...Array.from(r, Math.abs));
          expectClose(g, r, { atol: 2e-5 * Math.max(1, scale), rtol: 1e-4 });
        });
      }
      if (clip !== null) {
        // The clip is really active: the unclipped gradients differ by far more than the tolerance.
        const unclipped = refGrads(c, null);
        expect(maxAbsDiff(unclipped[2] as Float64Array, ref[2] as Float64Array)).toBeGreaterThan(0.05);
        expect(Math.max(...Array.from(ref[0] as Float64Array, Math.abs))).toBeLessThanOrEqual(0.01);
      }
    });
  }

  it('without peepholes and without a mask: gradients equal the float64 BPTT', () => {
    const c = makeCase(4, { peep: false, mask: false });
    const x = tensorsOf(c);
    const ref = refGrads(c, 0.5);
    const got = gradsOf(windowLstmSequence, x, 0.5);
    expect(got.length).toBe(5);
    got.forEach((g, n) => {
      const r = ref[n] as Float64Array;
      expectClose(g, r, { atol: 2e-5 * Math.max(1, ...Array.from(r, Math.abs)), rtol: 1e-4 });
    });
  });

  it('fused and step-by-step ops agree to float32 precision on a longer sequence (T = 40)', () => {
    const c = makeCase(5);
    const T = 40;
    const rng = createRng(6);
    const x = tensorsOf(c);
    const zx = tf.tensor3d(Float32Array.from({ length: T * 2 * 16 }, () => 0.5 * rng.normal()), [T, 2, 16]);
    const seeds = [4, 5, 4, 2].map((w) => tf.tensor3d(Float32Array.from({ length: T * 2 * w }, () => rng.normal()), [T, 2, w]));
    const y: Tensors = { ...x, params: [zx, ...x.params.slice(1)], seeds };
    const [fused, ops] = [windowLstmSequence, windowLstmSequenceOps].map((impl) => gradsOf(impl, y, 10));
    (fused as Float32Array[]).forEach((g, n) => {
      const o = (ops as Float32Array[])[n] as Float32Array;
      expectClose(g, o, { atol: 1e-5 * Math.max(1, ...Array.from(o, Math.abs)), rtol: 1e-4 });
    });
  });

  it('handles T = 1 (a one-point line): fused and ops gradients agree', () => {
    const x = tensorsOf(makeCase(9));
    const first = <T extends tf.Tensor>(t: T): T => tf.slice(t, 0, 1) as T;
    const y: Tensors = { ...x, params: [first(x.params[0] as tf.Tensor3D), ...x.params.slice(1)], seeds: x.seeds.map(first) };
    const [fused, ops] = [windowLstmSequence, windowLstmSequenceOps].map((impl) => gradsOf(impl, y, 0.5));
    expect((fused as Float32Array[])[0]?.length).toBe(2 * 16);
    (fused as Float32Array[]).forEach((g, n) => expectClose(g, (ops as Float32Array[])[n] as Float32Array, { atol: 1e-5, rtol: 1e-4 }));
  });

  it('leaks no tensors (forward alone, and forward + gradients)', async () => {
    const x = tensorsOf(makeCase(7));
    await expectNoLeaks(() => {
      const r = call(windowLstmSequence, x, x.params, 10);
      tf.dispose([r.hidden, r.windows, r.phi, r.kappa]);
      tf.dispose(tf.grads((...args: tf.Tensor[]) => lossOf(call(windowLstmSequence, x, args, 10), x.seeds))(x.params));
    });
  });

  it('rejects inconsistent shapes with ShapeError', () => {
    const x = tensorsOf(makeCase(8));
    const [zx, wExtra, wh, peep, winW, winB] = x.params as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
    expect(() => windowLstmSequence(zx, wh, wh, peep, winW, winB, x.chars, x.mask)).toThrow(/wExtra must be \[S = 5, 16\]/);
    expect(() => windowLstmSequence(zx, wExtra, wh, peep, winW, winB, x.chars, tf.zeros([2, 3]))).toThrow(/charMask must be \[2, 4\]/);
    expect(() => windowLstmSequence(zx, wExtra, wh, peep, wh, winB, x.chars, x.mask)).toThrow(ShapeError);
    expect(() => windowLstmSequence(zx, wExtra, wh, winB as unknown as tf.Tensor1D, winW, winB, x.chars, x.mask)).toThrow(/peep must be \[12\]/);
  });
});
