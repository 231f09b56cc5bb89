import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { expectClose } from '@seqgen/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLstmSimdEnabled } from './lstm-simd.js';
import { matMulPacked, packWeights, sumRowsPacked } from './packed-matmul.js';
import { patchWasmKernels } from './wasm-kernels.js';

/** Deterministic values in [-1, 1] (no RNG: the same on every backend). */
const values = (shape: number[], seed: number): tf.Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: n }, (_, i) => Math.sin(seed * 7.31 + i * 0.377) * Math.cos(i * 0.0131 + seed)), shape, 'float32');
};

/** f's values with lstm-simd's gemm (patched BatchMatMul / packed kernels) and with it off (XNNPACK, or tf.matMul). */
function bothWays(f: () => tf.Tensor): { gemm: Float32Array; reference: Float32Array; shape: number[] } {
  const run = (on: boolean): tf.Tensor => {
    const previous = setLstmSimdEnabled(on);
    try {
      return tf.tidy(f);
    } finally {
      setLstmSimdEnabled(previous);
    }
  };
  const g = run(true);
  const r = run(false);
  expect(g.shape).toEqual(r.shape);
  const out = { gemm: g.dataSync() as Float32Array, reference: r.dataSync() as Float32Array, shape: g.shape };
  tf.dispose([g, r]);
  return out;
}

describe('lstm-simd gemm on wasm (BatchMatMul and packed weights)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    expect(patchWasmKernels()).toBe(true);
  });

  it('BatchMatMul equals XNNPACK and float64 sums: edge sizes (M, N not multiples of 4 / 8), K = 1, transposes, batches', async () => {
    const cases: Array<[number[], number[], boolean, boolean]> = [
      [[33, 1], [1, 9], false, false],
      [[37, 13], [13, 7], false, false],
      [[40, 19], [19, 100], false, false],
      [[64, 256], [256, 1024], false, false],
      [[33, 13], [13, 300], false, false], // many panels, the last one partial
      [[5, 3], [3, 4], false, false], // small: gemm too (K·N ≤ 16384)
      [[13, 35], [13, 11], true, false],
      [[35, 13], [11, 13], false, true],
      [[13, 35], [11, 13], true, true],
      [[3, 34, 6], [3, 6, 10], false, false],
      [[3, 34, 6], [1, 6, 10], false, false], // broadcast B
      [[1, 34, 6], [3, 10, 6], false, true], // broadcast A
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const { gemm, reference, shape } = bothWays(() => tf.matMul(values(sa, 1), values(sb, 2), ta, tb));
      // float64 reference
      const a = values(sa, 1).arraySync() as number[][] | number[][][];
      const b = values(sb, 2).arraySync() as number[][] | number[][][];
      const A3 = (sa.length === 3 ? a : [a]) as number[][][];
      const B3 = (sb.length === 3 ? b : [b]) as number[][][];
      const exact: number[] = [];
      const batch = Math.max(A3.length, B3.length);
      for (let i = 0; i < batch; i++) {
        const Ai = A3[A3.length === 1 ? 0 : i] as number[][];
        const Bi = B3[B3.length === 1 ? 0 : i] as number[][];
        const at = (r: number, k: number): number => (ta ? (Ai[k] as number[])[r] : (Ai[r] as number[])[k]) as number;
        const bt = (k: number, c: number): number => (tb ? (Bi[c] as number[])[k] : (Bi[k] as number[])[c]) as number;
        const M = ta ? (Ai[0] as number[]).length : Ai.length;
        const K = ta ? Ai.length : (Ai[0] as number[]).length;
        const N = tb ? Bi.length : (Bi[0] as number[]).length;
        for (let r = 0; r < M; r++) for (let c = 0; c < N; c++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += at(r, k) * bt(k, c);
          exact.push(s);
        }
      }
      expect(gemm.length, `${sa} x ${sb}`).toBe(exact.length);
      expectClose(Array.from(gemm), exact, { atol: 2e-6, rtol: 1e-6 });
      expectClose(Array.from(gemm), Array.from(reference), { atol: 1e-6, rtol: 1e-6 });
      expect(shape.length).toBe(Math.max(sa.length, sb.length));
    }
  });

  it('packWeights + matMulPacked equal tf.matMul (w and wᵀ, n not a multiple of 8, many panels) and leak no tensors', () => {
    const x = values([16, 24], 3);
    const w = values([24, 300], 4);
    const wt = values([300, 24], 5);
    const before = tf.memory().numTensors;
    const p = packWeights(w as tf.Tensor2D, false);
    const pt = packWeights(wt as tf.Tensor2D, true);
    expect(p).not.toBeNull();
    expect(pt).not.toBeNull();
    if (p === null || pt === null) return;
    expect([p.k, p.n, pt.k, pt.n]).toEqual([24, 300, 24, 300]);
    const y = matMulPacked(x as tf.Tensor2D, p);
    const yt = matMulPacked(x as tf.Tensor2D, pt);
    const ref = tf.matMul(x, w);
    const reft = tf.matMul(x, wt, false, true);
    expectClose(Array.from(y.dataSync()), Array.from(ref.dataSync()), { atol: 1e-6, rtol: 1e-6 });
    expectClose(Array.from(yt.dataSync()), Array.from(reft.dataSync()), { atol: 1e-6, rtol: 1e-6 });
    expect(() => tf.tidy(() => matMulPacked(values([2, 5], 1) as tf.Tensor2D, p))).toThrow(/does not multiply packed weights \[24, 300\]/);
    tf.dispose([p.panels, pt.panels, y, yt, ref, reft]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, wt]);
  });

  it('sumRowsPacked equals ones·x (same float32 sums) and the float64 column sums, D not a multiple of 4', () => {
    for (const [n, d] of [[37, 11], [300, 64], [1, 5]] as const) {
      const x = values([n, d], 6) as tf.Tensor2D;
      const s = sumRowsPacked(x);
      expect(s).not.toBeNull();
      if (s === null) return;
      const viaOnes = tf.tidy(() => tf.matMul(tf.ones([1, n]), x));
      expect(Array.from(s.dataSync())).toEqual(Array.from(viaOnes.dataSync()));
      const rows = x.arraySync();
      const exact = Array.from({ length: d }, (_, c) => rows.reduce((a, r) => a + (r[c] as number), 0));
      expectClose(Array.from(s.dataSync()), exact, { atol: 1e-5, rtol: 1e-5 });
      tf.dispose([x, s, viaOnes]);
    }
  });

  it('packWeights is null where it cannot run (cpu; SIMD turned off)', async () => {
    const previous = setLstmSimdEnabled(false);
    try {
      expect(packWeights(tf.zeros([4, 8]) as tf.Tensor2D, false)).toBeNull();
    } finally {
      setLstmSimdEnabled(previous);
    }
    await tf.setBackend('cpu');
    expect(packWeights(tf.zeros([4, 8]) as tf.Tensor2D, false)).toBeNull();
    await tf.setBackend('wasm');
  });
});
