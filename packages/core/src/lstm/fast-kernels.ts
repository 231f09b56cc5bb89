/**
 * The matrix–vector kernel of {@link FastLstmStack}: out[r] += Σ_k M[r, k] u[k] over float32 data in one
 * buffer. Two implementations with the same layout: a WebAssembly SIMD kernel (f32x4, four rows per pass,
 * assembled below from its instructions: no build step, no file to fetch) and a plain-JS fallback where
 * WebAssembly SIMD is missing or blocked (e.g. a Content-Security-Policy without `wasm-unsafe-eval`).
 *
 * Layout contract (the caller's): every matrix is row-major with `rows` a multiple of 4 and `cols` a multiple
 * of 8 (zero-padded), and every array starts at a multiple of 16 bytes.
 */

/** Which matrix–vector kernel runs: WebAssembly SIMD, or plain JS. */
export type FastKernelName = 'wasm-simd' | 'js';

/** Float32 storage plus the kernel that works on it; offsets are in floats. */
export interface FastArena {
  readonly kernel: FastKernelName;
  readonly f32: Float32Array;
  /** out[r] += Σ_k M[r, k] u[k] for r < rows, k < cols (rows a multiple of 4, cols of 8; offsets multiples of 4). */
  matVec(out: number, m: number, rows: number, cols: number, u: number): void;
}

// ---------------------------------------------------------------- the WebAssembly module

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Shl: 0x74,
  f32Add: 0x92,
} as const;
const simd = {
  load: (offset: number) => [0xfd, 0x00, 4, offset], // v128.load align=16 (offset < 128: one LEB byte)
  const0: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  extractLane: (lane: number) => [0xfd, 0x1f, lane],
  add: [0xfd, 0xe4, 0x01],
  mul: [0xfd, 0xe6, 0x01],
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/**
 * `matvec(out, m, rows, cols, u)` (byte offsets; rows, cols counts), in WebAssembly text form:
 * ```
 * rowBytes = cols << 2; o = out; p0 = m
 * for (r = 0; r < rows; r += 4) {
 *   p1 = p0 + rowBytes; p2 = p1 + rowBytes; p3 = p2 + rowBytes; a0 = a1 = a2 = a3 = f32x4(0)
 *   for (k = 0; k < rowBytes; k += 16) { x = load(u + k); a_i = a_i + load(p_i + k) * x }   // i = 0..3, unrolled ×2
 *   out[o + 4i] += (a_i[0] + a_i[1]) + (a_i[2] + a_i[3]); p0 = p3 + rowBytes; o += 16
 * }
 * ```
 */
function matVecModuleBytes(): Uint8Array {
  // params 0 out, 1 m, 2 rows, 3 cols, 4 u; locals 5 r, 6 k, 7..10 p0..p3, 11 rowBytes, 12 o; 13..16 a0..a3, 17 x
  const [R, K, P0, ROW, O, A0, X] = [5, 6, 7, 11, 12, 13, 17];
  const get = (i: number) => [op.localGet, i];
  const set = (i: number) => [op.localSet, i];
  const body: number[] = [
    ...get(3), op.i32Const, 2, op.i32Shl, ...set(ROW),
    op.i32Const, 0, ...set(R),
    ...get(0), ...set(O),
    ...get(1), ...set(P0),
    op.block, 0x40,
    op.loop, 0x40,
    ...get(R), ...get(2), op.i32GeU, op.brIf, 1,
    ...[1, 2, 3].flatMap((i) => [...get(P0 + i - 1), ...get(ROW), op.i32Add, ...set(P0 + i)]),
    ...simd.const0, op.localTee, A0, op.localTee, A0 + 1, op.localTee, A0 + 2, ...set(A0 + 3),
    op.i32Const, 0, ...set(K),
    op.block, 0x40,
    op.loop, 0x40,
    ...get(K), ...get(ROW), op.i32GeU, op.brIf, 1,
    // Two f32x4 columns per pass (cols is a multiple of 8): x = u[k..k+3], then u[k+4..k+7] (offset 16).
    ...[0, 16].flatMap((offset) => [
      ...get(4), ...get(K), op.i32Add, ...simd.load(offset), ...set(X),
      ...[0, 1, 2, 3].flatMap((i) => [
        ...get(A0 + i), ...get(P0 + i), ...get(K), op.i32Add, ...simd.load(offset), ...get(X), ...simd.mul, ...simd.add, ...set(A0 + i),
      ]),
    ]),
    ...get(K), op.i32Const, 32, op.i32Add, ...set(K),
    op.br, 0,
    op.end,
    op.end,
    ...[0, 1, 2, 3].flatMap((i) => [
      ...get(O),
      ...get(O), op.f32Load, 2, 4 * i,
      ...get(A0 + i), ...simd.extractLane(0), ...get(A0 + i), ...simd.extractLane(1), op.f32Add,
      ...get(A0 + i), ...simd.extractLane(2), ...get(A0 + i), ...simd.extractLane(3), op.f32Add,
      op.f32Add,
      op.f32Add,
      op.f32Store, 2, 4 * i,
    ]),
    ...get(P0 + 3), ...get(ROW), op.i32Add, ...set(P0),
    ...get(O), op.i32Const, 16, op.i32Add, ...set(O),
    ...get(R), op.i32Const, 4, op.i32Add, ...set(R),
    op.br, 0,
    op.end,
    op.end,
    op.end,
  ];
  const func = [2, 8, I32, 5, V128, ...body];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('matvec'), 0x00, 0]),
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

/** The part of the WebAssembly JS API used here (the libraries compile without DOM or Node types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | null | undefined;

/** The compiled kernel module, or null where WebAssembly SIMD is unavailable (compiled once per process). */
function simdModule(): object | null {
  if (compiled === undefined) {
    try {
      const bytes = matVecModuleBytes();
      compiled = wasmApi !== undefined && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Whether the WebAssembly SIMD kernel can run here. */
export function fastSimdAvailable(): boolean {
  return simdModule() !== null;
}

/** out[r] += Σ_k M[r, k] u[k], four rows per pass, each a contiguous dot product with a float64 sum. */
function jsMatVec(f: Float32Array, out: number, m: number, rows: number, cols: number, u: number): void {
  for (let r = 0; r < rows; r += 4) {
    const b0 = m + r * cols;
    const b1 = b0 + cols;
    const b2 = b1 + cols;
    const b3 = b2 + cols;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < cols; k++) {
      const a = f[u + k] as number;
      s0 += a * (f[b0 + k] as number);
      s1 += a * (f[b1 + k] as number);
      s2 += a * (f[b2 + k] as number);
      s3 += a * (f[b3 + k] as number);
    }
    const o = out + r;
    f[o] = (f[o] as number) + s0;
    f[o + 1] = (f[o + 1] as number) + s1;
    f[o + 2] = (f[o + 2] as number) + s2;
    f[o + 3] = (f[o + 3] as number) + s3;
  }
}

/**
 * Storage for `floats` float32 values (zeroed) with a matrix–vector kernel on it.
 * @param kernel - `auto` (default): WebAssembly SIMD where available, else JS.
 * @throws {@link Error} when `wasm-simd` is requested and unavailable.
 */
export function createFastArena(floats: number, kernel: FastKernelName | 'auto' = 'auto'): FastArena {
  const module = kernel === 'js' ? null : simdModule();
  if (kernel === 'wasm-simd' && module === null) throw new Error('WebAssembly SIMD is not available here');
  if (module !== null && wasmApi !== undefined) {
    const pages = Math.max(1, Math.ceil((floats * 4) / 65536));
    const memory = new wasmApi.Memory({ initial: pages });
    const instance = new wasmApi.Instance(module, { env: { memory } });
    const fn = instance.exports.matvec as (out: number, m: number, rows: number, cols: number, u: number) => void;
    return {
      kernel: 'wasm-simd',
      f32: new Float32Array(memory.buffer, 0, floats),
      matVec: (out, m, rows, cols, u) => fn(out * 4, m * 4, rows, cols, u * 4),
    };
  }
  const f32 = new Float32Array(floats);
  return { kernel: 'js', f32, matVec: (out, m, rows, cols, u) => jsMatVec(f32, out, m, rows, cols, u) };
}
