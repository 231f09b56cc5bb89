/**
 * Matrix products on the wasm backend by lstm-simd.wat's `gemm` (a 4 × 8 register block over B packed into
 * 8-column panels): ≈ 57 GFLOP/s in one thread on this project's 2-core machine against 43 for
 * tfjs-backend-wasm's XNNPACK kernel, with the same sums in the same order (bit-identical results in the tests).
 *
 * - {@link packWeights} / {@link matMulPacked}: weights multiplied many times (the recurrent W_h of every step of
 *   a sequence, forward, and W_hᵀ backward) are packed once per sequence, then each step only multiplies.
 * - {@link wasmMatMul}: one product that packs its B itself, for kernels/wasm-kernels.ts's `BatchMatMul`.
 *
 * Elsewhere (cpu, webgl, no WebAssembly SIMD, `setLstmSimdEnabled(false)`) {@link packWeights} returns null and
 * callers use tf.matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { lstmSimdFor, type LstmSimdKernels } from './lstm-simd.js';

const PACK = 'SeqgenPackWeights';
const PACKED_MATMUL = 'SeqgenMatMulPacked';
const SUM_ROWS = 'SeqgenSumRows';

/** What the kernels use of tfjs-backend-wasm's BackendWasm. */
interface WasmBackendLike {
  dataIdMap: { get(id: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
  wasm: { _malloc(bytes: number): number; _free(ptr: number): void; HEAPU8: Uint8Array };
}

/** Weights packed for repeated products x·B, B = w (or wᵀ) `[k, n]`: a 1-D tensor of 8-column panels. */
export interface PackedWeights {
  readonly panels: tf.Tensor1D;
  readonly k: number;
  readonly n: number;
}

const offsetOf = (backend: WasmBackendLike, info: tf.TensorInfo): number => backend.dataIdMap.get(info.dataId).memoryOffset;
const panelFloats = (k: number, n: number): number => Math.ceil(n / 8) * 8 * k;

/**
 * C = A·B for float32 A `[M, K]` (dense) at `a` (or, with `aTransposed`, A = Vᵀ for V `[K, M]` at `a`), B `[K, N]`
 * at `b` (or, with `bTransposed`, B = Wᵀ for W `[N, K]` at `b`), written to `c` (`[M, N]`, dense); pointers are byte offsets into the backend's heap. Packs B into
 * scratch memory from the backend's allocator first (freed before returning). M, N ≥ 1; K = 0 writes zeros.
 */
export function wasmMatMul(
  simd: LstmSimdKernels, backend: WasmBackendLike,
  M: number, N: number, K: number, a: number, aTransposed: boolean, b: number, bTransposed: boolean, c: number,
): void {
  if (K === 0) {
    new Float32Array(backend.wasm.HEAPU8.buffer, c, M * N).fill(0);
    return;
  }
  // Aᵀ first when A is given transposed: gemm reads rows in order (strided reads: 15–47 instead of 57 GFLOP/s).
  const scratch = backend.wasm._malloc(panelFloats(K, N) * 4 + (aTransposed ? M * K * 4 : 0));
  try {
    if (bTransposed) simd.pack_bt(K, N, b, K, scratch);
    else simd.pack_b(K, N, b, N, scratch);
    let rows = a;
    if (aTransposed) {
      rows = scratch + panelFloats(K, N) * 4;
      simd.transpose(K, M, a, rows);
    }
    gemmBlocked(simd, M, N, K, rows, scratch, c);
  } finally {
    backend.wasm._free(scratch);
  }
}

/**
 * Rows of B per pass of gemm when the packed B is larger than {@link WHOLE_BYTES} (the synthesis net's weight
 * gradients, K = T·B = 9600, N = 1600: 61 MB, more than L3): each pass then reuses its rows of B from cache
 * (25.6 → 58 GFLOP/s there). Smaller products run in one pass (C is not read back).
 */
const KC = 1024;
const WHOLE_BYTES = 16 << 20;

/** C = A·B for dense A `[M, K]` and packed B, in passes over K (see {@link KC}; C accumulates after the first). */
function gemmBlocked(simd: LstmSimdKernels, M: number, N: number, K: number, a: number, panels: number, c: number): void {
  const kc = panelFloats(K, N) * 4 <= WHOLE_BYTES ? K : KC;
  for (let k0 = 0; k0 < K; k0 += kc) {
    simd.gemm(M, N, Math.min(kc, K - k0), a + k0 * 4, 4 * K, 4, panels + k0 * 32, K * 32, c, N, k0 === 0 ? 0 : 1);
  }
}

function packKernel(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const w = args.inputs['w'] as tf.TensorInfo;
  const transpose = (args.attrs as unknown as { transpose: boolean }).transpose;
  const [rows, cols] = w.shape as [number, number];
  const [k, n] = transpose ? [cols, rows] : [rows, cols];
  const out = backend.makeOutput([panelFloats(k, n)], 'float32');
  const simd = lstmSimdFor(backend);
  if (simd === null) throw new Error(`${PACK}: the wasm SIMD kernels are not available`);
  if (k > 0 && n > 0) {
    if (transpose) simd.pack_bt(k, n, offsetOf(backend, w), k, offsetOf(backend, out));
    else simd.pack_b(k, n, offsetOf(backend, w), n, offsetOf(backend, out));
  }
  return out;
}

function packedMatMulKernel(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs['x'] as tf.TensorInfo;
  const panels = args.inputs['panels'] as tf.TensorInfo;
  const { k, n } = args.attrs as unknown as { k: number; n: number };
  const m = x.shape[0] as number;
  const out = backend.makeOutput([m, n], 'float32');
  const simd = lstmSimdFor(backend);
  if (simd === null) throw new Error(`${PACKED_MATMUL}: the wasm SIMD kernels are not available`);
  if (m === 0 || n === 0) return out;
  if (k === 0) backend.typedArrayFromHeap(out).fill(0);
  else gemmBlocked(simd, m, n, k, offsetOf(backend, x), offsetOf(backend, panels), offsetOf(backend, out));
  return out;
}

function sumRowsKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs['x'] as tf.TensorInfo;
  const [rows, cols] = x.shape as [number, number];
  const out = backend.makeOutput([cols], 'float32');
  const simd = lstmSimdFor(backend);
  if (simd === null) throw new Error(`${SUM_ROWS}: the wasm SIMD kernels are not available`);
  if (cols > 0) simd.sum_rows(rows, cols, offsetOf(backend, x), offsetOf(backend, out));
  return out;
}

/** Whether packed products serve the current backend (wasm with the SIMD module); registers the kernels. */
function available(): boolean {
  if (tf.getBackend() !== 'wasm' || lstmSimdFor(tf.backend()) === null) return false;
  if (tf.getKernel(SUM_ROWS, 'wasm') === undefined) tf.registerKernel({ kernelName: SUM_ROWS, backendName: 'wasm', kernelFunc: sumRowsKernel as unknown as tf.KernelFunc });
  if (tf.getKernel(PACK, 'wasm') === undefined) tf.registerKernel({ kernelName: PACK, backendName: 'wasm', kernelFunc: packKernel as unknown as tf.KernelFunc });
  if (tf.getKernel(PACKED_MATMUL, 'wasm') === undefined) {
    tf.registerKernel({ kernelName: PACKED_MATMUL, backendName: 'wasm', kernelFunc: packedMatMulKernel as unknown as tf.KernelFunc });
  }
  return true;
}

/**
 * `w` `[r, c]` packed for products x·w (k = r, n = c) or, with `transpose`, x·wᵀ (k = c, n = r); null where
 * packed products do not run (then use tf.matMul). The caller disposes `panels` (or packs inside tf.tidy).
 * Not differentiable: for the forward and backward loops of custom-gradient ops.
 */
export function packWeights(w: tf.Tensor2D, transpose: boolean): PackedWeights | null {
  if (w.dtype !== 'float32' || !available()) return null;
  const panels = tf.engine().runKernel(PACK, { w }, { transpose } as unknown as tf.NamedAttrMap) as tf.Tensor1D;
  const [rows, cols] = w.shape;
  return transpose ? { panels, k: cols, n: rows } : { panels, k: rows, n: cols };
}

/** x `[m, k]` · the packed weights → `[m, n]` (float32 x). */
export function matMulPacked(x: tf.Tensor2D, packed: PackedWeights): tf.Tensor2D {
  if (x.rank !== 2 || x.shape[1] !== packed.k) {
    throw new ShapeError(`matMulPacked: x [${x.shape}] does not multiply packed weights [${packed.k}, ${packed.n}]`);
  }
  return tf.engine().runKernel(PACKED_MATMUL, { x, panels: packed.panels }, { k: packed.k, n: packed.n }) as tf.Tensor2D;
}

/**
 * Σ over the rows of float32 x `[N, D]` → `[D]` in one pass over x (row order, float32: the sums ones·x gives);
 * null where the SIMD kernels do not run. Not differentiable: for backward passes (bias gradients).
 */
export function sumRowsPacked(x: tf.Tensor2D): tf.Tensor1D | null {
  if (x.dtype !== 'float32' || x.rank !== 2 || !available()) return null;
  return tf.engine().runKernel(SUM_ROWS, { x }, {}) as tf.Tensor1D;
}
