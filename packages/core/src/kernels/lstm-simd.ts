/**
 * The WebAssembly SIMD versions of the per-step LSTM kernels, of Adam's update and of the matrix product
 * (lstm-simd.wat), instantiated
 * against tfjs-backend-wasm's own memory so that they work on its tensors in place. Used by
 * lstm-sequence-kernels.ts on the wasm backend when every gate block is a multiple of 4 floats, and by
 * train/adam-kernel.ts; anywhere else (the cpu backend, no WebAssembly SIMD, a Content-Security-Policy that
 * blocks compiling, an unknown tfjs build) the JS loops run.
 */
import { LSTM_SIMD_PLAIN, LSTM_SIMD_SHARED } from './lstm-simd.wasm.js';

/** The exports of lstm-simd.wat; every pointer is a byte offset into the backend's heap. */
export interface LstmSimdKernels {
  forward(B: number, H: number, zx: number, rec: number, cPrev: number, peep: number, hasPeep: number, act: number, c: number, h: number): void;
  backward(
    B: number, H: number, clip: number, dy: number, dRec: number, hasRec: number, nx: number, act: number, cPrev: number,
    cNext: number, peep: number, dPeep: number, hasPeep: number, dz: number, dcOut: number,
  ): void;
  adam(
    n: number, w: number, g: number, m: number, v: number, wOut: number, mOut: number, vOut: number,
    b1: number, b2: number, c1: number, c2: number, d1: number, d2: number, lr: number, eps: number,
  ): void;
  /** B `[K, N]` (row stride ldb floats) → panels of 8 columns at out (`ceil(N/8)·8·K` floats). */
  pack_b(K: number, N: number, b: number, ldb: number, out: number): void;
  /** B = Wᵀ for W `[N, K]` (row stride ldw floats) → panels at out. */
  pack_bt(K: number, N: number, w: number, ldw: number, out: number): void;
  /**
   * C `[M, N]` = A · packed B (+ C when acc = 1), A[i][k] at a + i·sai + k·sak bytes; M, N, K ≥ 1; pstride =
   * bytes between panels.
   */
  gemm(M: number, N: number, K: number, a: number, sai: number, sak: number, bp: number, pstride: number, c: number, ldc: number, acc: number): void;
  /** out `[C, R]` = in `[R, C]`ᵀ. */
  transpose(R: number, C: number, input: number, out: number): void;
  /** out `[C]` = Σ over the rows of x `[R, C]`, in row order (float32). */
  sum_rows(R: number, C: number, x: number, out: number): void;
}

interface WasmModuleLike {
  asm?: { memory?: unknown };
  wasmMemory?: unknown;
}

/** The part of the WebAssembly JS API used here (the libraries compile without DOM or Node types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: abstract new (...args: never[]) => { buffer: ArrayBuffer | SharedArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let enabled = true;
const instances = new WeakMap<object, LstmSimdKernels | null>();

/**
 * Turns the SIMD kernels off (false: the JS loops run on wasm too) or back on; for A/B measurements and tests.
 * @returns The previous setting.
 */
export function setLstmSimdEnabled(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** base64 → bytes with the platform's atob (browsers, Node ≥ 16; the libraries compile without DOM types). */
function decode(base64: string): Uint8Array {
  const atob = (globalThis as { atob?: (data: string) => string }).atob;
  if (atob === undefined) throw new Error('no atob');
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * The SIMD kernels bound to the memory of `backend` (a tfjs-backend-wasm BackendWasm: its single-threaded
 * build exports the memory as `wasm.asm.memory`, the threaded build keeps a shared one in `wasm.wasmMemory`),
 * or null when they cannot run there (turned off, no memory found, compile or link refused).
 */
export function lstmSimdFor(backend: unknown): LstmSimdKernels | null {
  if (!enabled || wasmApi === undefined) return null;
  const module = (backend as { wasm?: WasmModuleLike }).wasm;
  const memory = module?.asm?.memory ?? module?.wasmMemory;
  if (!(memory instanceof wasmApi.Memory)) return null;
  const known = instances.get(memory);
  if (known !== undefined) return known;
  let kernels: LstmSimdKernels | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const instance = new wasmApi.Instance(new wasmApi.Module(decode(shared ? LSTM_SIMD_SHARED : LSTM_SIMD_PLAIN)), { env: { memory } });
    kernels = instance.exports as unknown as LstmSimdKernels;
  } catch {
    kernels = null; // no SIMD, a blocked compile, or a memory the import does not accept: the JS loops run
  }
  instances.set(memory, kernels);
  return kernels;
}
