import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose, expectNoLeaks } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import '../train/register-gradients.js';
import { createRng } from '../rng.js';
import { expFast, sigmoidFast, tanhFast } from './fast-math.js';
import { lstmSequence, lstmSequenceOps } from './lstm-sequence.js';
import { lstmSimdFor, setLstmSimdEnabled } from '../kernels/lstm-simd.js';

type SequenceOp = typeof lstmSequence;

interface Case {
  T: number;
  B: number;
  H: number;
  peep: boolean;
  clip: number | null;
}

/** Random inputs (pre-activations large enough to saturate some gates) and probe weights for every output. */
function inputsOf(c: Case, seed: number): { args: tf.Tensor[]; probes: tf.Tensor[] } {
  const rng = createRng(seed);
  const rand = (shape: number[], scale: number): tf.Tensor =>
    tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()), shape);
  const { T, B, H } = c;
  const args = [rand([T, B, 4 * H], 1.5), rand([H, 4 * H], 0.6), ...(c.peep ? [rand([3 * H], 0.5)] : []), rand([B, H], 0.5), rand([B, H], 1)];
  const probes = [rand([T, B, H], 1), rand([B, H], 1), rand([B, H], 1)];
  return { args, probes };
}

/** Outputs and ∂(Σ hidden∘P1 + h∘P2 + c∘P3)/∂(every argument) of one implementation. */
function run(op: SequenceOp, c: Case, args: tf.Tensor[], probes: tf.Tensor[]): { outputs: Float32Array[]; grads: Float32Array[] } {
  const call = (xs: tf.Tensor[]) => {
    const peep = c.peep ? (xs[2] as tf.Tensor1D) : null;
    const [h0, c0] = xs.slice(c.peep ? 3 : 2) as [tf.Tensor2D, tf.Tensor2D];
    return op(xs[0] as tf.Tensor3D, xs[1] as tf.Tensor2D, peep, h0, c0, c.clip);
  };
  const outputs = tf.tidy(() => {
    const r = call(args);
    return [r.hidden, r.h, r.c].map((t) => Float32Array.from(t.dataSync()));
  });
  const grads = tf.tidy(() =>
    tf
      .grads((...xs: tf.Tensor[]) => {
        const r = call(xs);
        const [p1, p2, p3] = probes as [tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.addN([tf.sum(tf.mul(r.hidden, p1)), tf.sum(tf.mul(r.h, p2)), tf.sum(tf.mul(r.c, p3))]) as tf.Scalar;
      })(args)
      .map((g) => Float32Array.from(g.dataSync())),
  );
  return { outputs, grads };
}

const CASES: Array<[string, Case]> = [
  ['peepholes, no clip', { T: 6, B: 3, H: 5, peep: true, clip: null }],
  ['peepholes, clip 0.05 (engaged)', { T: 6, B: 3, H: 5, peep: true, clip: 0.05 }],
  ['no peepholes, clip 0.05', { T: 6, B: 3, H: 5, peep: false, clip: 0.05 }],
  ['no peepholes, no clip', { T: 4, B: 2, H: 3, peep: false, clip: null }],
  ['T = 1, peepholes, clip 0.05', { T: 1, B: 2, H: 4, peep: true, clip: 0.05 }],
  // H a multiple of 4: the WebAssembly SIMD kernels run on wasm (lstm-simd.wat), the JS loops on cpu
  ['H = 8, peepholes, clip 0.05', { T: 5, B: 3, H: 8, peep: true, clip: 0.05 }],
  ['H = 12, no peepholes, no clip', { T: 4, B: 2, H: 12, peep: false, clip: null }],
];

describeBackends(['cpu', 'wasm'], 'lstmSequence (fused kernels) against lstmSequenceOps (reference)', () => {
  for (const [name, c] of CASES) {
    it(`${name}: outputs and the gradients w.r.t. zx, W_h, peepholes, h0, c0 agree within 1e-5`, () => {
      const { args, probes } = inputsOf(c, 7);
      const fused = run(lstmSequence, c, args, probes);
      const ref = run(lstmSequenceOps, c, args, probes);
      fused.outputs.forEach((o, k) => expectClose(o, ref.outputs[k] as Float32Array, { atol: 1e-5, rtol: 1e-5 }));
      expect(fused.grads.length).toBe(c.peep ? 5 : 4);
      fused.grads.forEach((g, k) => expectClose(g, ref.grads[k] as Float32Array, { atol: 1e-5, rtol: 1e-5 }));
      // The cases exercise what they claim: some gradient of zx is clipped exactly at ±clip, and not all are.
      if (c.clip !== null) {
        const dzx = fused.grads[0] as Float32Array;
        const atClip = dzx.filter((v) => Math.abs(v) === Math.fround(c.clip as number)).length;
        expect(atClip).toBeGreaterThan(0);
        expect(atClip).toBeLessThan(dzx.length);
      }
      tf.dispose([...args, ...probes]);
    });
  }

  it('runs each step as the recurrent matMul plus one fused kernel, forward and backward, and leaks nothing', async () => {
    const c: Case = { T: 5, B: 2, H: 3, peep: true, clip: 1 };
    const { args, probes } = inputsOf(c, 3);
    const [zx, wh, peep, h0, c0] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D];
    const lossOf = (op: SequenceOp) => (z: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(op(z as tf.Tensor3D, wh, peep, h0, c0, 1).hidden, probes[0] as tf.Tensor));
    const loss = lossOf(lstmSequence);
    const kernelsOf = async (f: (z: tf.Tensor) => tf.Scalar): Promise<string[]> =>
      (await tf.profile(() => tf.grad(f)(zx))).kernels.map((k) => k.name);
    const names = await kernelsOf(loss);
    expect(names.filter((n) => n === 'SeqgenLstmStep').length).toBe(c.T);
    expect(names.filter((n) => n === 'SeqgenLstmStepGrad').length).toBe(c.T);
    // T + T recurrent matMuls and one for ∂W_h (on wasm the recurrent ones multiply W_h / W_hᵀ packed once each).
    const matMuls = names.filter((n) => n === 'BatchMatMul' || n === 'SeqgenMatMulPacked').length;
    expect(matMuls).toBe(2 * c.T + 1);
    if (tf.getBackend() === 'wasm') {
      expect(names.filter((n) => n === 'SeqgenMatMulPacked').length).toBe(2 * c.T);
      expect(names.filter((n) => n === 'SeqgenPackWeights').length).toBe(2);
    }
    // The reference runs ~35 kernels per step; here 4 per step plus a fixed number (stacks, slices, the loss).
    const reference = await kernelsOf(lossOf(lstmSequenceOps));
    expect(reference.length - names.length).toBeGreaterThan(25 * c.T);
    await expectNoLeaks(() => {
      tf.tidy(() => tf.grad(loss)(zx)).dispose();
      const r = lstmSequence(zx, wh, peep, h0, c0, 1); // not under a tape: nothing saved
      tf.dispose([r.hidden, r.h, r.c]);
    });
    tf.dispose([...args, ...probes]);
  });
});

describeBackends(['wasm'], 'lstmSequence: the WebAssembly SIMD step kernels', () => {
  it('are used on wasm and agree with the JS loops within 2e-6 (relative), saturated gates and clipping included', () => {
    expect(lstmSimdFor(tf.backend())).not.toBeNull();
    for (const c of [
      { T: 7, B: 5, H: 32, peep: true, clip: 0.3 },
      { T: 3, B: 4, H: 16, peep: false, clip: null },
    ] satisfies Case[]) {
      const { args, probes } = inputsOf(c, 11);
      // Pre-activations up to ±60 or so: exp's clamp and the saturated sigmoid/tanh are exercised.
      const scaled = [tf.mul(args[0] as tf.Tensor, 12), ...args.slice(1)];
      const simd = run(lstmSequence, c, scaled, probes);
      const previous = setLstmSimdEnabled(false);
      let js: ReturnType<typeof run>;
      try {
        js = run(lstmSequence, c, scaled, probes);
      } finally {
        setLstmSimdEnabled(previous);
      }
      simd.outputs.forEach((o, k) => expectClose(o, js.outputs[k] as Float32Array, { atol: 2e-6, rtol: 2e-6 }));
      simd.grads.forEach((g, k) => expectClose(g, js.grads[k] as Float32Array, { atol: 2e-6, rtol: 2e-6 }));
      // and they are not the same code: float32 vs float64 arithmetic leaves some last-bit differences
      expect(simd.grads.some((g, k) => g.some((v, i) => v !== (js.grads[k] as Float32Array)[i]))).toBe(true);
      tf.dispose([...args, ...probes, scaled[0] as tf.Tensor]);
    }
  });

  it('the committed binaries are lstm-simd.wat compiled (run `pnpm --filter @seqgen/core build:wasm` after editing it)', async () => {
    const { readFileSync } = await import('node:fs');
    // @ts-expect-error plain .mjs build helper without types
    const { compileLstmSimd } = (await import('../../scripts/compile-wat.mjs')) as { compileLstmSimd(wat: string): Promise<{ plain: Uint8Array; shared: Uint8Array }> };
    const { LSTM_SIMD_PLAIN, LSTM_SIMD_SHARED } = await import('../kernels/lstm-simd.wasm.js');
    const built = await compileLstmSimd(readFileSync(new URL('../kernels/lstm-simd.wat', import.meta.url), 'utf8'));
    expect(Buffer.from(built.plain).toString('base64')).toBe(LSTM_SIMD_PLAIN);
    expect(Buffer.from(built.shared).toString('base64')).toBe(LSTM_SIMD_SHARED);
    for (const bytes of [built.plain, built.shared]) expect((globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes)).toBe(true);
  });
});

describe('fast-math', () => {
  it('expFast, sigmoidFast and tanhFast match Math.exp/Math.tanh far below float32 resolution', () => {
    let expErr = 0;
    let tanhErr = 0;
    let sigErr = 0;
    for (let k = -100000; k <= 100000; k++) {
      const v = k / 1000 + 1e-4;
      expErr = Math.max(expErr, Math.abs(expFast(v) / Math.exp(v) - 1));
      tanhErr = Math.max(tanhErr, Math.abs(tanhFast(v) - Math.tanh(v)));
      sigErr = Math.max(sigErr, Math.abs(sigmoidFast(v) - 1 / (1 + Math.exp(-v))));
    }
    expect(expErr).toBeLessThan(1e-11);
    expect(tanhErr).toBeLessThan(1e-11);
    expect(sigErr).toBeLessThan(1e-11);
    expect(expFast(0)).toBe(1);
    // Saturation beyond the clamp (±110), and NaN stays NaN.
    expect([sigmoidFast(1e9), sigmoidFast(-1e9), tanhFast(1e9), tanhFast(-1e9)]).toEqual([1, expect.any(Number), 1, -1]);
    expect(sigmoidFast(-1e9)).toBeLessThan(1e-45);
    expect(Number.isNaN(expFast(Number.NaN)) && Number.isNaN(sigmoidFast(Number.NaN))).toBe(true);
  });
});
