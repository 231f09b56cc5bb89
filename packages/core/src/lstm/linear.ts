/**
 * x·W (+ b) with a hand-written gradient that transposes explicitly on wasm. tfjs-backend-wasm 4.22's
 * BatchMatMul is fast only without transpose flags (XNNPACK): with `transposeA` a
 * `[3200, 256]ᵀ·[3200, 1024]` product takes ~3.7 s instead of ~0.1 s, and tfjs's registered MatMul
 * gradient uses exactly those flags. On other backends the flags are cheaper than a transpose.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { sumRowsPacked } from '../kernels/packed-matmul.js';
import { wasmTransposedMatMulFast } from '../kernels/wasm-kernels.js';

/**
 * a·bᵀ / aᵀ·b, transposing explicitly on wasm (see the file comment) unless the patched BatchMatMul multiplies
 * transposed operands by lstm-simd's gemm (which reads them in place or transposes them faster itself).
 */
export function matMulT(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm' || wasmTransposedMatMulFast()) return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
}

/**
 * Σ over the rows of `x` `[N, D]` → `[D]`. On wasm one SIMD pass over x (packed-matmul.ts), else as ones·x (one
 * XNNPACK matMul): tfjs's Sum over a non-last axis transposes first and is ~10× slower. Not differentiable by itself: use in backward passes.
 */
export function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  if (tf.getBackend() !== 'wasm') return tf.sum(x, 0);
  return sumRowsPacked(x) ?? tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]);
}

/** `x + b` for `x` `[N, D]`, `b` `[D]`, whose bias gradient uses {@link sumRows}. */
export function addBias(x: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  if (x.rank !== 2 || b.rank !== 1 || b.shape[0] !== x.shape[1]) {
    throw new ShapeError(`addBias: x [${x.shape}] and b [${b.shape}] do not match ([N, D] + [D])`);
  }
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.add(args[0] as tf.Tensor2D, args[1] as tf.Tensor1D),
    gradFunc: (dy: tf.Tensor) => [tf.clone(dy), sumRows(dy as tf.Tensor2D)],
  }));
  return op(x, b) as tf.Tensor2D;
}

/**
 * `x·w + b` (`b` optional), `[N, D]·[D, M] → [N, M]`, differentiable w.r.t. x, w and b:
 * ∂x = dy·wᵀ, ∂w = xᵀ·dy, ∂b = Σ_rows dy.
 * @param wTransposed - optional wᵀ `[M, D]`, computed by the caller once for many calls with the same
 *   `w` (a per-step loop); used for ∂x instead of transposing w on every call (wasm).
 * @throws {@link ShapeError} when the inner sizes or the bias size disagree.
 */
export function linear(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D | null = null,
  wTransposed: tf.Tensor2D | null = null,
): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0]) {
    throw new ShapeError(`linear: x [${x.shape}] and w [${w.shape}] do not multiply ([N, D]·[D, M])`);
  }
  if (wTransposed !== null && (wTransposed.shape[0] !== w.shape[1] || wTransposed.shape[1] !== w.shape[0])) {
    throw new ShapeError(`linear: wTransposed must be [${w.shape[1]}, ${w.shape[0]}], got [${wTransposed.shape}]`);
  }
  if (b !== null && (b.rank !== 1 || b.shape[0] !== w.shape[1])) {
    throw new ShapeError(`linear: bias must be [${w.shape[1]}], got [${b.shape}]`);
  }
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xa = args[0] as tf.Tensor2D;
    const wa = args[1] as tf.Tensor2D;
    const ba = b === null ? null : (args[2] as tf.Tensor1D);
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([xa, wa]);
    const y = tf.matMul(xa, wa);
    return {
      value: ba === null ? y : tf.add(y, ba),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const d = dy as tf.Tensor2D;
        const dx = wTransposed === null ? matMulT(d, ws, false, true) : tf.matMul(d, wTransposed);
        const grads: tf.Tensor[] = [dx, matMulT(xs, d, true, false)];
        if (ba !== null) grads.push(sumRows(d));
        return grads;
      },
    };
  });
  return (b === null ? op(x, w) : op(x, w, b)) as tf.Tensor2D;
}
