/**
 * Registration and float32 storage of the cpu and wasm backends for seqgen's fused kernels (lstm-sequence-kernels.ts,
 * window-lstm-kernels.ts): allocate outputs and take typed-array views of inputs and outputs, through the
 * backends' public methods. Allocate every output first, then take views: a wasm heap growth detaches
 * earlier views.
 */
import * as tf from '@tensorflow/tfjs-core';

type Info = tf.TensorInfo;

/** What the kernels use of tfjs-backend-wasm's BackendWasm (public methods). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array;
}

/** What the kernels use of tfjs-backend-cpu's MathBackendCPU (public methods). */
interface CpuBackendLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): Info;
}

/** Allocation and views of float32 tensors inside a kernel. */
export interface Float32Storage {
  alloc(shape: number[]): Info;
  view(info: Info): Float32Array;
}

/** The storage adapter of `backend` (registered as `backendName`: 'wasm' or 'cpu'). */
export function float32StorageFor(backendName: string, backend: unknown): Float32Storage {
  if (backendName === 'wasm') {
    const b = backend as WasmBackendLike;
    return { alloc: (s) => b.makeOutput(s, 'float32'), view: (i) => b.typedArrayFromHeap(i) };
  }
  const b = backend as CpuBackendLike;
  const made = new Map<Info, Float32Array>();
  return {
    alloc: (s) => {
      const data = new Float32Array(s.reduce((a, c) => a * c, 1));
      const info = b.makeTensorInfo(s, 'float32', data);
      made.set(info, data);
      return info;
    },
    view: (i) => made.get(i) ?? (b.readSync(i.dataId) as Float32Array),
  };
}

/** A kernel name and the factory of its kernel function for one backend. */
export type KernelFactory = readonly [kernelName: string, make: (backendName: string) => tf.KernelFunc];

/**
 * Registers seqgen's fused kernels for the cpu and wasm backends (once per kernel and backend) and says whether
 * they serve the current backend. Other backends (webgl, webgpu, tfjs-node) fall back to plain ops.
 */
export function fusedKernelsAvailable(kernels: readonly KernelFactory[]): boolean {
  const name = tf.getBackend();
  if (name !== 'cpu' && name !== 'wasm') return false;
  for (const backendName of ['cpu', 'wasm']) {
    for (const [kernelName, make] of kernels) {
      if (tf.getKernel(kernelName, backendName) === undefined) tf.registerKernel({ kernelName, backendName, kernelFunc: make(backendName) });
    }
  }
  return true;
}
