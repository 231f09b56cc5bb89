/**
 * Speed fixes for three tfjs-backend-wasm 4.22 kernels that dominate LSTM training time (measured on this
 * project's 1×256 char model, B 32, T 100: one training step 5.7 s before, see docs/text.md):
 *
 * - `Slice` copies the WHOLE input out of the wasm heap (`readSync`) for every slice, so slicing step t out of a
 *   `[T, B, 4H]` tensor costs O(T·B·4H); `Unpack` and `SplitV` call it once per output (O(T²) per unstack).
 *   Fixed: contiguous slices copy only their bytes inside the heap; others read through a heap view.
 * - `BatchMatMul` with `transposeA`/`transposeB` runs 10–25× slower than without (the backward pass of every
 *   matMul uses them), and without them XNNPACK's f32 GEMM reaches ≈ 43 GFLOP/s in one thread here. Replaced:
 *   float32 products run lstm-simd.wat's `gemm` over B packed into 8-column panels (packed-matmul.ts; ≈ 57
 *   GFLOP/s; transposed operands read in place, no transpose). Kept on XNNPACK: products of under 32 rows
 *   with a large B (batch-1 sampling steps: XNNPACK caches its packed weights between calls); where the SIMD
 *   module cannot run, transposes are explicit and XNNPACK multiplies.
 *
 * - `Identity` copies its input (tf.clone, and tfjs clones every tensor a custom gradient saves: the LSTM's
 *   activations, 2–3 % of a training step). Replaced: the output shares the input's data (reference-counted,
 *   as Reshape does); tfjs tensors are never written in place.
 *
 * Values equal the original kernels' (same copies; the products sum over k in order, as XNNPACK does: the tests
 * find them bit-identical). Applied once, only to the wasm backend; {@link patchWasmKernels} is idempotent.
 * The CLI applies it in `initBackend` when wasm is chosen; a browser app calls it after `tf.setBackend('wasm')`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { lstmSimdFor } from './lstm-simd.js';
import { wasmMatMul } from './packed-matmul.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyKernelFunc = (args: any) => any;

interface WasmData {
  memoryOffset: number;
  shape: number[];
  dtype: string;
}

interface WasmBackendLike {
  dataIdMap: { get(id: unknown): WasmData };
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  disposeData(id: unknown): boolean;
  incRef(id: unknown): void;
  wasm: { HEAPU8: Uint8Array; _malloc(bytes: number): number; _free(ptr: number): void };
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

let patched = false;

function original(kernelName: string): AnyKernelFunc {
  const config = tf.getKernel(kernelName, 'wasm');
  if (!config) throw new Error(`wasm kernel ${kernelName} is not registered`);
  return config.kernelFunc as AnyKernelFunc;
}

function replace(kernelName: string, kernelFunc: AnyKernelFunc): void {
  const config = tf.getKernel(kernelName, 'wasm') as tf.KernelConfig;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...config, kernelFunc: kernelFunc as tf.KernelFunc });
}

/**
 * A·B by lstm-simd.wat's gemm (packed-matmul.ts; ≈ 1.3× XNNPACK's speed here, and no slow transposed path) for
 * float32 operands of equal rank 2 or 3 whose batches agree or one is 1; null for the original kernel. Kept
 * for XNNPACK: products with under 32 rows and a large B (a step of batch-1 sampling: XNNPACK caches its
 * packed copy of a weight tensor between calls, gemm would pack B on every call).
 */
function ownMatMul(
  a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, backend: WasmBackendLike,
): tf.TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length !== b.shape.length || a.shape.length < 2 || a.shape.length > 3) return null;
  const rank = a.shape.length;
  const batchA = rank === 3 ? (a.shape[0] as number) : 1;
  const batchB = rank === 3 ? (b.shape[0] as number) : 1;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const [M, K] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const N = transposeB ? bRows : bCols;
  if ((transposeB ? bCols : bRows) !== K) return null; // the original kernel reports the mismatch
  if (M < 32 && K * N > 16384 && !transposeA && !transposeB) return null;
  const simd = lstmSimdFor(backend);
  if (simd === null) return null;
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput(rank === 3 ? [batch, M, N] : [M, N], 'float32');
  if (batch === 0 || M === 0 || N === 0) return out;
  const pa = backend.dataIdMap.get(a.dataId).memoryOffset;
  const pb = backend.dataIdMap.get(b.dataId).memoryOffset;
  const pc = backend.dataIdMap.get(out.dataId).memoryOffset;
  for (let i = 0; i < batch; i++) {
    const ai = batchA === 1 ? 0 : i;
    const bi = batchB === 1 ? 0 : i;
    wasmMatMul(simd, backend, M, N, K, pa + ai * M * K * 4, transposeA, pb + bi * K * N * 4, transposeB, pc + i * M * N * 4);
  }
  return out;
}

/**
 * Whether the wasm BatchMatMul in use is this module's and runs lstm-simd's gemm: then transposed operands cost
 * no explicit transpose (matMulT passes the flags).
 */
export function wasmTransposedMatMulFast(): boolean {
  return patched && tf.getBackend() === 'wasm' && lstmSimdFor(tf.backend()) !== null;
}

/**
 * Replaces the wasm `Slice`, `Unpack`, `SplitV`, `BatchMatMul` and `Identity` kernels by faster equivalents (see the module
 * comment). Call after the wasm backend is registered (importing `@tensorflow/tfjs-backend-wasm`); a no-op when
 * it is not, or when already applied.
 * @returns Whether the kernels are patched.
 */
export function patchWasmKernels(): boolean {
  if (patched) return true;
  if (!['Slice', 'BatchMatMul', 'Transpose', 'Identity'].every((name) => tf.getKernel(name, 'wasm'))) return false;
  const sliceOriginal = original('Slice');
  const matMulOriginal = original('BatchMatMul');
  const transposeKernel = original('Transpose');

  const fastSlice = (x: tf.TensorInfo, begin: number[], size: number[], backend: WasmBackendLike): tf.TensorInfo => {
    const parsed = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const begin_ = parsed[0] as number[];
    const size_ = parsed[1] as number[];
    if (x.dtype === 'string' || x.dtype === 'complex64') {
      return sliceOriginal({ inputs: { x }, attrs: { begin, size }, backend });
    }
    const out = backend.makeOutput(size_, x.dtype);
    const n = tf.util.sizeFromShape(size_);
    if (n === 0) return out;
    const bpe = tf.util.bytesPerElement(x.dtype as tf.DataType);
    const strides = tf.util.computeStrides(x.shape);
    const src = backend.dataIdMap.get(x.dataId).memoryOffset;
    const dst = backend.dataIdMap.get(out.dataId).memoryOffset;
    const heap = backend.wasm.HEAPU8; // after makeOutput: the heap may have grown
    if (tf.slice_util.isSliceContinous(x.shape, begin_, size_)) {
      const offset = tf.slice_util.computeFlatOffset(begin_, strides) * bpe;
      heap.copyWithin(dst, src + offset, src + offset + n * bpe);
      return out;
    }
    // General case: copy rows of the last dimension, walking the outer indices.
    const rank = x.shape.length;
    const row = (size_[rank - 1] as number) * bpe;
    const index = new Array<number>(rank - 1).fill(0);
    let outOffset = dst;
    const rows = n / (size_[rank - 1] as number);
    for (let r = 0; r < rows; r++) {
      let flat = begin_[rank - 1] as number;
      for (let d = 0; d < rank - 1; d++) flat += ((begin_[d] as number) + (index[d] as number)) * (strides[d] as number);
      heap.copyWithin(outOffset, src + flat * bpe, src + flat * bpe + row);
      outOffset += row;
      for (let d = rank - 2; d >= 0; d--) {
        index[d] = (index[d] as number) + 1;
        if ((index[d] as number) < (size_[d] as number)) break;
        index[d] = 0;
      }
    }
    return out;
  };

  replace('Slice', (args: any) => fastSlice(args.inputs.x, args.attrs.begin, args.attrs.size, args.backend));

  // Identity (tf.clone, and every tensor a custom gradient saves for its backward pass) shares the data, as
  // Reshape does, instead of copying it: tfjs tensors are immutable.
  const identityOriginal = original('Identity');
  replace('Identity', (args: any) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return identityOriginal(args);
    (args.backend as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });

  replace('Unpack', (args: any) => {
    const value = args.inputs.value as tf.TensorInfo;
    const rank = value.shape.length;
    let axis = args.attrs.axis as number;
    if (axis < 0) axis += rank;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(rank).fill(0);
    const size = value.shape.slice();
    size[axis] = 1;
    const outs: tf.TensorInfo[] = [];
    for (let i = 0; i < (value.shape[axis] as number); i++) {
      begin[axis] = i;
      outs.push(fastSlice(value, begin, size, args.backend));
    }
    return outs.map(({ dataId, dtype }) => ({ dataId, dtype, shape: outShape }));
  });

  replace('SplitV', (args: any) => {
    const x = args.inputs.x as tf.TensorInfo;
    const axis = tf.util.parseAxisParam(args.attrs.axis, x.shape)[0] as number;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, args.attrs.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[axis] = s;
      const out = fastSlice(x, begin, size, args.backend);
      begin[axis] = (begin[axis] as number) + s;
      return out;
    });
  });

  replace('BatchMatMul', (args: any) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const backend = args.backend as WasmBackendLike;
    const own = ownMatMul(a, b, transposeA, transposeB, backend);
    if (own !== null) return own;
    if (!transposeA && !transposeB) return matMulOriginal(args);
    const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
      const r = t.shape.length;
      const perm = [...Array(r).keys()];
      perm[r - 2] = r - 1;
      perm[r - 1] = r - 2;
      return transposeKernel({ inputs: { x: t }, attrs: { perm }, backend }) as tf.TensorInfo;
    };
    const at = transposeA ? swapLast(a) : a;
    const bt = transposeB ? swapLast(b) : b;
    const out = matMulOriginal({ inputs: { a: at, b: bt }, attrs: { ...args.attrs, transposeA: false, transposeB: false }, backend });
    if (at !== a) backend.disposeData(at.dataId);
    if (bt !== b) backend.disposeData(bt.dataId);
    return out;
  });
  patched = true;
  return true;
}
