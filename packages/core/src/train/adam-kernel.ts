/**
 * Adam's update of one parameter as ONE kernel on the cpu and wasm backends (instead of ≈13 elementwise
 * kernels and their intermediate tensors per parameter). Each operation is rounded to float32 in the order of
 * the op-by-op formula in adam.ts, so the result is the same float32 value: +, −, ×, ÷ and √ computed in
 * float64 and rounded once are exactly the float32 operations (binary64 has more than 2·24 + 2 bits).
 */
import * as tf from '@tensorflow/tfjs-core';
import { float32StorageFor as storageFor, fusedKernelsAvailable } from '../kernels/float32-storage.js';
import { lstmSimdFor } from '../kernels/lstm-simd.js';

const ADAM = 'SeqgenAdamStep';
const f = Math.fround;

interface AdamAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  t: number;
}

/** The scalars as the op path sees them: float32 constants. */
function constants(a: AdamAttrs): [b1: number, b2: number, c1: number, c2: number, d1: number, d2: number, lr: number, eps: number] {
  return [f(a.beta1), f(a.beta2), f(1 - a.beta1), f(1 - a.beta2), f(1 - a.beta1 ** a.t), f(1 - a.beta2 ** a.t), f(a.learningRate), f(a.epsilon)];
}

/** The loop over plain arrays (the cpu backend, and wasm without SIMD). */
function adamRows(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, a: AdamAttrs, wOut: Float32Array, mOut: Float32Array, vOut: Float32Array): void {
  const [b1, b2, c1, c2, d1, d2, lr, eps] = constants(a);
  for (let k = 0; k < w.length; k++) {
    const gk = g[k] as number;
    const mk = f(f((m[k] as number) * b1) + f(gk * c1));
    const vk = f(f((v[k] as number) * b2) + f(f(gk * gk) * c2));
    const change = f(f(f(mk / d1) * lr) / f(f(Math.sqrt(f(vk / d2))) + eps));
    mOut[k] = mk;
    vOut[k] = vk;
    wOut[k] = f((w[k] as number) - change);
  }
}

function adamKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const st = storageFor(backendName, backend);
    const shape = (inputs['w'] as tf.TensorInfo).shape;
    const outs = [st.alloc(shape), st.alloc(shape), st.alloc(shape)] as const;
    const [w, g, m, v] = (['w', 'g', 'm', 'v'] as const).map((k) => st.view(inputs[k] as tf.TensorInfo)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [wOut, mOut, vOut] = [st.view(outs[0]), st.view(outs[1]), st.view(outs[2])];
    const simd = backendName === 'wasm' ? lstmSimdFor(backend) : null;
    if (simd !== null) {
      simd.adam(w.length, w.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, wOut.byteOffset, mOut.byteOffset, vOut.byteOffset, ...constants(attrs as unknown as AdamAttrs));
    } else {
      adamRows(w, g, m, v, attrs as unknown as AdamAttrs, wOut, mOut, vOut);
    }
    return [...outs];
  };
}

/** Whether the fused Adam kernel serves the current backend (cpu, wasm); registers it on first use. */
export function adamKernelAvailable(): boolean {
  return fusedKernelsAvailable([[ADAM, adamKernel]]);
}

/**
 * One Adam update of a float32 parameter in one kernel: `[w', m', v']` (see {@link Adam}). Call only where
 * {@link adamKernelAvailable} is true.
 */
export function adamStep(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, attrs: AdamAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(ADAM, { w, g, m, v }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor, tf.Tensor, tf.Tensor];
}
